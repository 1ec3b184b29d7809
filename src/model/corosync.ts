/** Corosync peers for the host's cluster-traffic rules: ring addresses that are IP literals. */
import type { CorosyncAst } from '../config/ast.js';
import type { CorosyncPeer } from './policy.js';
import { ipAddr, isIpLiteral } from './values.js';

export function corosyncPeers(ast: CorosyncAst | undefined, node: string): { transport?: string; peers: CorosyncPeer[] } {
  if (!ast) return { peers: [] };
  const peers: CorosyncPeer[] = [];
  for (const n of ast.nodes) {
    const rings = Object.keys(n.rings).map(Number).sort((a, b) => a - b);
    for (const ring of rings) {
      const text = n.rings[ring];
      if (text === undefined || !isIpLiteral(text)) continue; // host names are not resolved
      peers.push({ node: n.name, ring, addr: ipAddr(text).addr, local: n.name === node });
    }
  }
  const out: { transport?: string; peers: CorosyncPeer[] } = { peers };
  if (ast.transport !== undefined) out.transport = ast.transport;
  return out;
}
