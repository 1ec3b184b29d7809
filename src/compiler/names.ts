/**
 * The one module that generates kernel names: tables, chains, sets, maps, counters, objects.
 * Every name is built from an allow-list of characters, contains a '-' (so it can never be an
 * nft keyword such as `fwd`) and is at most MAX_NAME characters (long names are hashed and
 * truncated, like kube-proxy's hashAndTruncate).
 */
import type { IpFamily } from '../config/ast.js';

export const TABLE = 'fwctl';
export const MAX_NAME = 64;

/** FNV-1a, 32 bit (pve-firewall hashes long ipset names with FNV too). */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function hashHex(text: string): string {
  // two independent 32-bit hashes: 16 hex digits, collisions practically impossible here
  return fnv1a32(text).toString(16).padStart(8, '0') + fnv1a32(`~${text}`).toString(16).padStart(8, '0');
}

/** Keeps `name` if it fits, else its first characters plus a hash of the whole. */
export function hashAndTruncate(name: string, max = MAX_NAME): string {
  if (name.length <= max) return name;
  const hash = hashHex(name);
  return `${name.slice(0, max - hash.length - 1)}-${hash}`;
}

const ALLOWED = /^[a-z0-9_-]+$/;

/** Maps user text onto the allow-list; text that had to change gets a hash so names stay unique. */
export function sanitize(text: string): string {
  if (ALLOWED.test(text)) return text;
  const clean = text.toLowerCase().replace(/[^a-z0-9_-]/g, '_') || 'x';
  return `${clean}-${fnv1a32(text).toString(16).padStart(8, '0')}`;
}

function make(...parts: (string | number)[]): string {
  return hashAndTruncate(parts.map((p) => sanitize(String(p))).join('-'));
}

export const chains = {
  // base chains
  input: 'hook-input',
  output: 'hook-output',
  forward: 'hook-forward',
  rawPre: 'raw-prerouting',
  helpers: 'ct-helpers',
  brPre: 'hook-prerouting',
  brEgress: 'hook-egress',
  brOut: 'hook-output',
  // fixed chains
  hostIn: 'host-in',
  hostOut: 'host-out',
  hostForward: 'host-forward',
  fwbrIn: 'input-filters',
  dropNoise: 'policy-drop',
  rejectNoise: 'policy-reject',
  dropBroadcast: 'drop-broadcast',
  reject: 'do-reject',
  smurfs: 'smurfs-check',
  smurflog: 'smurfs-drop',
  tcpflags: 'tcpflags-check',
  logflags: 'tcpflags-drop',
  blacklist: 'blacklist-drop',
  /** Per guest NIC and direction, after pve's `tap100i0-IN`. */
  guest: (type: 'qemu' | 'lxc', vmid: number, nic: number, dir: 'in' | 'out') =>
    `${type === 'qemu' ? 'tap' : 'veth'}${Math.trunc(vmid)}i${Math.trunc(nic)}-${dir}`,
  group: (group: string, dir: 'in' | 'out' | 'forward') => make('group', group, dir),
  portIn: (id: number) => make('port', id, 'in'),
  portOut: (id: number) => make('port', id, 'out'),
  portHost: (id: number) => make('port', id, 'from-host'),
};

export const maps = {
  l2In: 'ports-in',
  l2Out: 'ports-out',
  hostToGuest: 'ports-from-host',
  guestOut: 'guest-out',
  guestIn: 'guest-in',
};

/** Base of a policy set id: `dc/management` → `dc-management`, `guest/100/x` → `g100-x`. */
function setBase(setId: string): string {
  const parts = setId.split('/');
  if (parts[0] === 'guest' && parts.length >= 3) return make(`g${parts[1]}`, parts.slice(2).join('/'));
  return make(...parts);
}

export const sets = {
  /** The set holding a policy set's entries of one family; `nomatch` entries live in a sibling. */
  ip: (setId: string, family: IpFamily, nomatch = false) =>
    hashAndTruncate(`${setBase(setId)}-v${family}${nomatch ? 'n' : ''}`),
  synflood: (family: IpFamily) => `synflood-v${family}`,
};

const ORIGIN = /^[a-z0-9_-]+(?:\/[a-z0-9_-]+)*$/;

/** Named counter for a rule origin such as `guest/100/in/3` or `host/policy/in`. */
export function counterName(origin: string): string {
  // fast path, same result: every part is already allowed and non-empty, so `make` would only join
  if (ORIGIN.test(origin)) return hashAndTruncate(`c-${origin.replaceAll('/', '-')}`);
  return make('c', ...origin.split('/'));
}

export function helperName(helper: string): string {
  return make('helper', helper);
}
