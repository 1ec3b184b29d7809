/**
 * Guest configs (`qemu-server/<vmid>.conf`, `lxc/<vmid>.conf`): only the `netN:` lines and the
 * name matter to the firewall. Reading stops at the first `[section]` (snapshots, pending changes).
 * Unknown keys are ignored; a malformed NIC property is a warning and that property is left out.
 */
import type { GuestConfAst, NicAst } from './ast.js';
import { Diagnostics, type Diagnostic, type Span } from './diagnostics.js';
import { Code } from './codes.js';
import { splitLines } from './lines.js';

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const QEMU_KEYS = new Set(['bridge', 'firewall', 'link_down', 'macaddr', 'mtu', 'queues', 'rate', 'tag', 'trunks', 'model']);

export function parseGuestConf(
  text: string,
  file: string,
  vmid: number,
  type: 'qemu' | 'lxc',
  node: string,
): { ast: GuestConfAst; diagnostics: Diagnostic[] } {
  const diags = new Diagnostics();
  const ast: GuestConfAst = { file, vmid, type, node, nics: [] };
  for (const line of splitLines(text, file, diags)) {
    if (line.text.startsWith('[')) break;
    if (line.text.startsWith('#')) continue;
    const m = /^([A-Za-z0-9_-]+):\s*(.*)$/.exec(line.text);
    if (!m) continue;
    const key = m[1] ?? '';
    const value = m[2] ?? '';
    const at: Span = { file, line: line.no, col: line.col };
    if ((type === 'qemu' && key === 'name') || (type === 'lxc' && key === 'hostname')) ast.name = value;
    const net = /^net(\d{1,3})$/.exec(key);
    if (net) {
      const nic = parseNic(value, Number(net[1]), type, at, line.col + line.text.length - value.length, diags);
      ast.nics.push(nic);
    }
  }
  ast.nics.sort((a, b) => a.index - b.index);
  return { ast, diagnostics: diags.items };
}

function parseNic(value: string, index: number, type: 'qemu' | 'lxc', span: Span, valueCol: number, diags: Diagnostics): NicAst {
  const nic: NicAst = { span, index, firewall: false, linkDown: false };
  let offset = 0;
  const bad = (msg: string, at: number): void => diags.warn({ ...span, col: valueCol + at }, Code.GuestNetInvalid, msg);
  for (const part of value.split(',')) {
    const at = offset;
    offset += part.length + 1;
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? (type === 'qemu' ? 'model' : 'name') : part.slice(0, eq);
    const v = eq < 0 ? part : part.slice(eq + 1);
    const mac = (text: string): void => {
      if (MAC.test(text)) nic.mac = text.toUpperCase();
      else bad(`invalid MAC address '${text}'`, at);
    };
    switch (k) {
      case 'bridge':
        if (/^[A-Za-z][A-Za-z0-9_.-]{0,14}$/.test(v)) nic.bridge = v;
        else bad(`invalid bridge name '${v}'`, at);
        break;
      case 'firewall':
        nic.firewall = v === '1';
        break;
      case 'link_down':
        nic.linkDown = v === '1';
        break;
      case 'tag':
        if (/^\d{1,4}$/.test(v) && Number(v) >= 1 && Number(v) <= 4094) nic.tag = Number(v);
        else bad(`invalid VLAN tag '${v}'`, at);
        break;
      case 'trunks': {
        const t = parseTrunks(v);
        if (t) nic.trunks = t;
        else bad(`invalid trunks '${v}'`, at);
        break;
      }
      case 'macaddr':
      case 'hwaddr':
        mac(v);
        break;
      case 'name':
        if (type === 'lxc') nic.name = v;
        break;
      case 'ip':
      case 'ip6':
      case 'gw':
      case 'gw6':
        if (type === 'lxc') nic[k] = v;
        break;
      default:
        // qemu shorthand `<model>=<MAC>` (the MAC may be omitted: `virtio`)
        if (type === 'qemu' && !QEMU_KEYS.has(k) && /^[a-z][a-z0-9_-]*$/.test(k) && nic.model === undefined) {
          nic.model = k;
          if (eq >= 0 && v !== '') mac(v);
        } else if (type === 'qemu' && k === 'model') {
          nic.model = v;
        }
    }
  }
  return nic;
}

/** `a;b;c-d` VLAN ids, 1-4094. */
function parseTrunks(v: string): number[] | undefined {
  const out = new Set<number>();
  for (const part of v.split(';')) {
    const m = /^(\d{1,4})(?:-(\d{1,4}))?$/.exec(part);
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < 1 || hi > 4094 || lo > hi) return undefined;
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}
