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

/**
 * Parses one file's text. A memo (the daemon's per-file cache) may return an earlier result for
 * the same path, parse arguments and text instead of running `parse`.
 */
export type ParseMemo = <T>(path: string, args: string, text: string, parse: (text: string) => T) => T;

export function loadTree(reader: TreeReader, node: string, memo?: ParseMemo): { tree: ConfigTree; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const tree: ConfigTree = { node, guestFw: new Map(), guests: [] };
  const parse = <T>(path: string, args: string, run: (text: string) => T): T | undefined => {
    const text = reader.readFile(path);
    if (text === undefined) return undefined;
    return memo ? memo(path, args, text, run) : run(text);
  };

  const cluster = parse(treePaths.cluster, 'cluster', (t) => parseFw(t, treePaths.cluster, 'cluster'));
  if (cluster) {
    if (cluster.ast.kind === 'cluster') tree.cluster = cluster.ast;
    diagnostics.push(...cluster.diagnostics);
  }
  const hostPath = treePaths.host(node);
  const host = parse(hostPath, 'host', (t) => parseFw(t, hostPath, 'host'));
  if (host) {
    if (host.ast.kind === 'host') tree.host = host.ast;
    diagnostics.push(...host.diagnostics);
  }

  const byVmid = new Map<number, GuestConfAst>();
  for (const type of ['qemu', 'lxc'] as const) {
    const dir = treePaths.guestConfDir(node, type);
    for (const entry of reader.listDir(dir) ?? []) {
      const m = VMID_CONF.exec(entry);
      if (!m) continue;
      const vmid = Number(m[1]);
      const path = `${dir}/${entry}`;
      const r = parse(path, `conf ${vmid} ${type} ${node}`, (t) => parseGuestConf(t, path, vmid, type, node));
      if (!r) continue;
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
    const r = parse(path, `guest ${g.vmid}`, (t) => parseFw(t, path, 'guest', g.vmid));
    if (!r) continue;
    if (r.ast.kind === 'guest') tree.guestFw.set(g.vmid, r.ast);
    diagnostics.push(...r.diagnostics);
  }

  const coro = parse(treePaths.corosync, 'corosync', (t) => parseCorosync(t, treePaths.corosync));
  if (coro) {
    tree.corosync = coro.ast;
    diagnostics.push(...coro.diagnostics);
  }
  return { tree, diagnostics };
}
