/**
 * `loadTree` (src/config/tree.ts) with a per-file parse cache: a file whose content hash and
 * parse arguments are those of the previous read keeps its previous AST object, so a cycle
 * re-parses only changed files, and unchanged ASTs stay identical (===) for what follows.
 * The walk mirrors loadTree step for step; test/unit/daemon/parse-cache.test.ts holds the two
 * equal on the fixtures. ASTs and diagnostics from here must not be mutated.
 */
import { createHash } from 'node:crypto';
import type { ConfigTree, GuestConfAst } from '../config/ast.js';
import { Code } from '../config/codes.js';
import { parseCorosync } from '../config/corosync.js';
import type { Diagnostic } from '../config/diagnostics.js';
import { parseFw } from '../config/fw.js';
import { parseGuestConf } from '../config/guest-conf.js';
import { treePaths } from '../config/tree.js';
import type { TreeReader } from '../config/tree-reader.js';

const VMID_CONF = /^([1-9][0-9]{0,8})\.conf$/;

interface Entry {
  key: string;
  value: { ast: unknown; diagnostics: Diagnostic[] };
}

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export class ParseCache {
  private prev = new Map<string, Entry>();
  private next = new Map<string, Entry>();
  /** Files parsed (not served from the cache) by the last load. */
  parsed = 0;

  /** Like loadTree; `hashOf(path, text)` gives the content hash (the caller usually has it already). */
  load(reader: TreeReader, node: string, hashOf: (path: string, text: string) => string = (_p, t) => sha256(t)): { tree: ConfigTree; diagnostics: Diagnostic[] } {
    this.next = new Map();
    this.parsed = 0;
    const diagnostics: Diagnostic[] = [];
    const tree: ConfigTree = { node, guestFw: new Map(), guests: [] };
    const parse = <T extends { ast: unknown; diagnostics: Diagnostic[] }>(path: string, args: string, run: (text: string) => T): T | undefined => {
      const text = reader.readFile(path);
      if (text === undefined) return undefined;
      const key = `${args}\n${hashOf(path, text)}`;
      let e = this.prev.get(path);
      if (!e || e.key !== key) {
        e = { key, value: run(text) };
        this.parsed++;
      }
      this.next.set(path, e);
      return e.value as T;
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
    this.prev = this.next;
    return { tree, diagnostics };
  }
}
