/**
 * corosync.conf: nested `name {` ... `}` blocks of `key: value` lines. Only what the firewall
 * needs is kept: nodelist.node (name, nodeid, ringN_addr) and totem (transport, ip_version,
 * cluster_name).
 */
import type { CorosyncAst, CorosyncNode } from './ast.js';
import { Diagnostics, type Diagnostic } from './diagnostics.js';
import { Code } from './codes.js';
import { splitLines } from './lines.js';

const MAX_DEPTH = 16;

export function parseCorosync(text: string, file: string): { ast: CorosyncAst; diagnostics: Diagnostic[] } {
  const diags = new Diagnostics();
  const ast: CorosyncAst = { file, nodes: [] };
  const stack: string[] = [];
  let node: CorosyncNode | undefined;
  for (const line of splitLines(text, file, diags)) {
    const t = line.text;
    if (t.startsWith('#')) continue;
    const at = { file, line: line.no, col: line.col };
    const open = /^([A-Za-z0-9_.-]+)\s*\{$/.exec(t);
    if (open) {
      if (stack.length >= MAX_DEPTH) {
        diags.error(at, Code.CorosyncSyntax, `blocks nested deeper than ${MAX_DEPTH}`);
        continue;
      }
      stack.push(open[1] ?? '');
      if (stack.join('.') === 'nodelist.node') node = { name: '', rings: {} };
      continue;
    }
    if (t === '}') {
      if (stack.length === 0) {
        diags.error(at, Code.CorosyncSyntax, "unbalanced '}'");
        continue;
      }
      if (stack.join('.') === 'nodelist.node' && node) {
        if (node.name) ast.nodes.push(node);
        else diags.warn(at, Code.CorosyncSyntax, 'node block without a name is ignored');
        node = undefined;
      }
      stack.pop();
      continue;
    }
    const kv = /^([A-Za-z0-9_.-]+)\s*:\s*(.*)$/.exec(t);
    if (!kv) {
      diags.error(at, Code.CorosyncSyntax, `cannot parse line '${t}'`);
      continue;
    }
    const key = kv[1] ?? '';
    const value = kv[2] ?? '';
    const path = stack.join('.');
    if (path === 'nodelist.node' && node) {
      const ring = /^ring(\d{1,2})_addr$/.exec(key);
      if (key === 'name') node.name = value;
      else if (key === 'nodeid' && /^\d{1,9}$/.test(value)) node.nodeid = Number(value);
      else if (ring) node.rings[Number(ring[1])] = value;
    } else if (path === 'totem') {
      if (key === 'transport') ast.transport = value;
      else if (key === 'ip_version') ast.ipVersion = value;
      else if (key === 'cluster_name') ast.clusterName = value;
    }
  }
  if (stack.length > 0) {
    const last = text.split('\n').length;
    diags.error({ file, line: last, col: 1 }, Code.CorosyncSyntax, `missing '}' for block '${stack.join('.')}'`);
  }
  return { ast, diagnostics: diags.items };
}
