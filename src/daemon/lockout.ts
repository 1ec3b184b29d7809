import ipaddr from 'ipaddr.js';
import type { Ruleset } from '../compiler/ruleset.js';
import { simulate, type HookStep, type SimAction } from '../compiler/simulate.js';

/** The operator's SSH session, from `SSH_CONNECTION` ("client_ip client_port server_ip server_port"). */
export interface SshSession {
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
}

export function parseSshConnection(value: string | undefined): SshSession | undefined {
  const parts = value?.trim().split(/\s+/);
  if (!parts || parts.length !== 4) return undefined;
  const [c, cp, s, sp] = parts as [string, string, string, string];
  const norm = (ip: string): string | undefined => {
    const bare = ip.replace(/%.*$/, ''); // fe80::1%eth0
    if (!ipaddr.isValid(bare)) return undefined;
    const a = ipaddr.process(bare); // ::ffff:10.0.0.1 → 10.0.0.1
    return a.toString();
  };
  const clientIp = norm(c);
  const serverIp = norm(s);
  const clientPort = Number(cp);
  const serverPort = Number(sp);
  if (!clientIp || !serverIp || !(clientPort > 0 && clientPort < 65536) || !(serverPort > 0 && serverPort < 65536)) return undefined;
  return { clientIp, clientPort, serverIp, serverPort };
}

/** Where the session's packets enter: the interface holding the server address, and the bridge port if it is a bridge. */
export interface Ingress {
  iface: string;
  bridgePort?: string;
}

export interface LockoutVerdict {
  /** true when a NEW connection like the session would not be accepted. */
  cut: boolean;
  action: SimAction;
  session: SshSession;
}

export function ingressPath(ing: Ingress): HookStep[] {
  if (ing.bridgePort === undefined) {
    return [
      { family: 'inet', hook: 'prerouting', iifname: ing.iface },
      { family: 'inet', hook: 'input', iifname: ing.iface },
    ];
  }
  return [
    { family: 'bridge', hook: 'prerouting', iifname: ing.bridgePort },
    { family: 'inet', hook: 'prerouting', iifname: ing.iface },
    { family: 'bridge', hook: 'input', iifname: ing.bridgePort },
    { family: 'inet', hook: 'input', iifname: ing.iface },
  ];
}

/**
 * Would `ruleset` refuse a new connection from the SSH client to the SSH server? (An established
 * session survives through conntrack, but the operator could not reconnect.) An empty ruleset
 * filters nothing and never cuts.
 */
export function checkLockout(ruleset: Ruleset, session: SshSession, ingress: Ingress): LockoutVerdict {
  if (ruleset.tables.length === 0) return { cut: false, action: 'ACCEPT', session };
  const family = ipaddr.parse(session.clientIp).kind() === 'ipv4' ? 4 : 6;
  const r = simulate(
    ruleset,
    { family, proto: 6, saddr: session.clientIp, daddr: session.serverIp, sport: session.clientPort, dport: session.serverPort, ctState: 'new', dsttype: 'local', srctype: 'unicast' },
    ingressPath(ingress),
  );
  return { cut: r.action !== 'ACCEPT', action: r.action, session };
}
