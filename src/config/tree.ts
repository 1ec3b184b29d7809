/**
 * Loads a PVE-layout config tree for one node. Missing files are simply absent; read failures
 * (TreeReadError) propagate so that the daemon can keep its last good ruleset.
 */
import type { ConfigTree, GuestConfAst } from './ast.js';
import type { Diagnostic } from './diagnostics.js';
import { Code } from './codes.js';
import { parseCorosync } from './corosync.js';
import { parseFw } from './fw.js';
import { parseGuestConf } from './guest-conf.js';
import type { TreeReader } from './tree-reader.js';

const VMID_CONF = /^([1-9][0-9]{0,8})\.conf$/;

export const treePaths = {
  cluster: 'firewall/cluster.fw',
  host: (node: string) => `nodes/${node}/host.fw`,
  guestFw: (vmid: number) => `firewall/${vmid}.fw`,
  guestConfDir: (node: string, type: 'qemu' | 'lxc') => `nodes/${node}/${type === 'qemu' ? 'qemu-server' : 'lxc'}`,
  corosync: 'corosync.conf',
};

export function loadTree(reader: TreeReader, node: string): { tree: ConfigTree; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const tree: ConfigTree = { node, guestFw: new Map(), guests: [] };

  const cluster = reader.readFile(treePaths.cluster);
  if (cluster !== undefined) {
    const r = parseFw(cluster, treePaths.cluster, 'cluster');
    if (r.ast.kind === 'cluster') tree.cluster = r.ast;
    diagnostics.push(...r.diagnostics);
  }
  const hostPath = treePaths.host(node);
  const host = reader.readFile(hostPath);
  if (host !== undefined) {
    const r = parseFw(host, hostPath, 'host');
    if (r.ast.kind === 'host') tree.host = r.ast;
    diagnostics.push(...r.diagnostics);
  }

  const byVmid = new Map<number, GuestConfAst>();
  for (const type of ['qemu', 'lxc'] as const) {
    const dir = treePaths.guestConfDir(node, type);
    for (const entry of reader.listDir(dir) ?? []) {
      const m = VMID_CONF.exec(entry);
      if (!m) continue;
      const vmid = Number(m[1]);
      const path = `${dir}/${entry}`;
      const text = reader.readFile(path);
      if (text === undefined) continue;
      const r = parseGuestConf(text, path, vmid, type, node);
      diagnostics.push(...r.diagnostics);
      const prev = byVmid.get(vmid);
      if (prev) {
        diagnostics.push({ file: path, line: 1, col: 1, code: Code.GuestVmidMismatch, severity: 'error', message: `guest ${vmid} also exists as ${prev.file}; this config is ignored` });
        continue;
      }
      byVmid.set(vmid, r.ast);
    }
  }
  tree.guests = [...byVmid.values()].sort((a, b) => a.vmid - b.vmid);

  for (const g of tree.guests) {
    const path = treePaths.guestFw(g.vmid);
    const text = reader.readFile(path);
    if (text === undefined) continue;
    const r = parseFw(text, path, 'guest', g.vmid);
    if (r.ast.kind === 'guest') tree.guestFw.set(g.vmid, r.ast);
    diagnostics.push(...r.diagnostics);
  }

  const coro = reader.readFile(treePaths.corosync);
  if (coro !== undefined) {
    const r = parseCorosync(coro, treePaths.corosync);
    tree.corosync = r.ast;
    diagnostics.push(...r.diagnostics);
  }
  return { tree, diagnostics };
}
