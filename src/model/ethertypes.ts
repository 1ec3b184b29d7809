/**
 * `layer2_protocols` names → ethertypes. pve-firewall accepts the names and hex ids of
 * /etc/ethertypes (netbase); these are the entries of the current netbase list.
 */
const BY_NAME: Record<string, number> = {
  IPv4: 0x0800, X25: 0x0805, ARP: 0x0806, FR_ARP: 0x0808, BPQ: 0x08ff, TRILL: 0x22f3, 'L2-IS-IS': 0x22f4,
  TEB: 0x6558, RAW_FR: 0x6559, RARP: 0x8035, ATALK: 0x809b, AARP: 0x80f3, '802_1Q': 0x8100, IPX: 0x8137,
  NetBEUI: 0x8191, IPv6: 0x86dd, SLOW: 0x8809, PPP: 0x880b, MPLS: 0x8847, MPLS_MULTI: 0x8848,
  ATMMPOA: 0x884c, PPP_DISC: 0x8863, PPP_SES: 0x8864, ATMFATE: 0x8884, EAPOL: 0x888e, EtherCAT: 0x88a4,
  'S-TAG': 0x88a8, EAP_PREAUTH: 0x88c7, LLDP: 0x88cc, MACSEC: 0x88e5, PBB: 0x88e7, MVRP: 0x88f5,
  PTP: 0x88f7, FCOE: 0x8906, FIP: 0x8914, ROCE: 0x8915, LoWPAN: 0xa0ed,
  // aliases netbase lists next to the names
  ip: 0x0800, ip4: 0x0800, 'ether-arp': 0x0806, '8021q': 0x8100, dot1q: 0x8100, '1q': 0x8100, ip6: 0x86dd, macinmac: 0x88e7,
};
const KNOWN_IDS = new Set(Object.values(BY_NAME));

/** The ethertype of a name or a 4-digit hex id from the list, or undefined. */
export function ethertype(token: string): number | undefined {
  if (Object.hasOwn(BY_NAME, token)) return BY_NAME[token];
  if (/^[0-9A-Fa-f]{4}$/.test(token) && KNOWN_IDS.has(parseInt(token, 16))) return parseInt(token, 16);
  return undefined;
}
