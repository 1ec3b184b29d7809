/**
 * IP protocol names of /etc/protocols (Debian netbase; first column only, as pve-firewall reads it),
 * plus pve-firewall's special name `icmpv6`.
 */
const BY_NAME: ReadonlyMap<string, number> = new Map([
  ['ip', 0],
  ['hopopt', 0],
  ['icmp', 1],
  ['igmp', 2],
  ['ggp', 3],
  ['ipencap', 4],
  ['st', 5],
  ['tcp', 6],
  ['egp', 8],
  ['igp', 9],
  ['pup', 12],
  ['udp', 17],
  ['hmp', 20],
  ['xns-idp', 22],
  ['rdp', 27],
  ['iso-tp4', 29],
  ['dccp', 33],
  ['xtp', 36],
  ['ddp', 37],
  ['idpr-cmtp', 38],
  ['ipv6', 41],
  ['ipv6-route', 43],
  ['ipv6-frag', 44],
  ['idrp', 45],
  ['rsvp', 46],
  ['gre', 47],
  ['esp', 50],
  ['ah', 51],
  ['skip', 57],
  ['ipv6-icmp', 58],
  ['ipv6-nonxt', 59],
  ['ipv6-opts', 60],
  ['rspf', 73],
  ['vmtp', 81],
  ['eigrp', 88],
  ['ospf', 89],
  ['ax.25', 93],
  ['ipip', 94],
  ['etherip', 97],
  ['encap', 98],
  ['pim', 103],
  ['ipcomp', 108],
  ['vrrp', 112],
  ['l2tp', 115],
  ['isis', 124],
  ['sctp', 132],
  ['fc', 133],
  ['mobility-header', 135],
  ['udplite', 136],
  ['mpls-in-ip', 137],
  ['manet', 138],
  ['hip', 139],
  ['shim6', 140],
  ['wesp', 141],
  ['rohc', 142],
  ['ethernet', 143],
  ['mptcp', 262],
  ['icmpv6', 58],
]);

const BY_NUMBER: ReadonlyMap<number, string> = new Map([...BY_NAME].filter(([n]) => n !== 'icmpv6').map(([n, p]) => [p, n]));

/** Protocols whose rules may carry ports (pve-firewall PROTOCOLS_WITH_PORTS). */
const WITH_PORTS: ReadonlySet<number> = new Set([6, 17, 33, 132, 136]);

export interface ProtocolInfo {
  name: string;
  num: number;
}

/** A protocol name or number (0-255) as written in a rule; undefined when unknown. */
export function lookupProtocol(text: string): ProtocolInfo | undefined {
  if (/^\d{1,3}$/.test(text)) {
    const num = Number(text);
    if (num > 255) return undefined;
    return { name: num === 58 ? 'icmpv6' : BY_NUMBER.get(num) ?? String(num), num };
  }
  const num = BY_NAME.get(text);
  if (num === undefined) return undefined;
  return { name: num === 58 ? 'icmpv6' : text, num };
}

/** `lookupProtocol(text)?.num` without building the result. */
export function protocolNumber(text: string): number | undefined {
  if (/^\d{1,3}$/.test(text)) {
    const num = Number(text);
    return num > 255 ? undefined : num;
  }
  return BY_NAME.get(text);
}

export function protocolHasPorts(num: number): boolean {
  return WITH_PORTS.has(num);
}

/** 4 for icmp, 6 for icmpv6, else undefined. */
export function icmpFamilyOf(num: number): 4 | 6 | undefined {
  return num === 1 ? 4 : num === 58 ? 6 : undefined;
}
