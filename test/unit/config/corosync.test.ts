import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCorosync } from '../../../src/config/corosync.js';
import { CONFORMANCE_DIR } from '../../fixtures/pve-tree.js';

describe('parseCorosync', () => {
  it('reads the conformance fixture', () => {
    const { ast, diagnostics } = parseCorosync(readFileSync(join(CONFORMANCE_DIR, 'corosync.conf'), 'utf8'), 'corosync.conf');
    expect(diagnostics).toEqual([]);
    expect(ast).toMatchObject({ file: 'corosync.conf', transport: 'udp', ipVersion: 'ipv4', clusterName: 'cloud' });
    expect(ast.nodes[0]).toEqual({ name: 'prox1', nodeid: 1, rings: { 0: '172.16.1.11', 1: '172.16.2.11', 2: 'hostname1' } });
    expect(ast.nodes).toHaveLength(4);
  });

  it('ignores keys outside nodelist.node and totem, and comments', () => {
    const { ast, diagnostics } = parseCorosync('# c\nquorum {\n  name: nope\n}\ntotem {\n interface {\n  transport: nope\n }\n transport: knet\n}\n', 'c');
    expect(diagnostics).toEqual([]);
    expect(ast).toEqual({ file: 'c', nodes: [], transport: 'knet' });
  });

  it('reports unbalanced braces and junk lines', () => {
    expect(parseCorosync('}\n', 'c').diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`)).toEqual(['1:1 COROSYNC_SYNTAX']);
    expect(parseCorosync('totem {\n  what\n', 'c').diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`)).toEqual(['2:3 COROSYNC_SYNTAX', '3:1 COROSYNC_SYNTAX']);
  });

  it('warns about a node without a name', () => {
    const r = parseCorosync('nodelist {\n node {\n  ring0_addr: 10.0.0.1\n }\n}\n', 'c');
    expect(r.ast.nodes).toEqual([]);
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.severity}`)).toEqual(['4:2 COROSYNC_SYNTAX warning']);
  });
});
