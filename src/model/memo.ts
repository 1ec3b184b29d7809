/**
 * What `resolve` may keep between calls (the daemon keeps one across cycles): a guest whose own
 * inputs are the same objects as last time (its .conf and .fw ASTs, which the daemon's parse
 * cache keeps identical while their text is unchanged) and whose cluster scope is the same (alias
 * values, IP set names and security group names — not the sets' elements) resolves to the very
 * same Guest object as last time, with the same diagnostics. Identity then lets the incremental
 * compiler skip it without looking inside.
 */
import type { Diagnostic } from '../config/diagnostics.js';
import type { Guest, IpSet } from './policy.js';
import type { ScopeTable } from './scope.js';

export interface GuestResolution {
  guest: Guest;
  sets: IpSet[];
}

interface Entry {
  conf: object;
  fw: object | undefined;
  scope: string;
  value: GuestResolution;
  diagnostics: Diagnostic[];
}

export class ResolveMemo {
  private prev = new Map<number, Entry>();
  private next = new Map<number, Entry>();
  /** Guests resolved (not reused) by the last call. */
  resolved = 0;

  /** @internal resolve() calls this once per call, before the guests. */
  begin(): void {
    this.next = new Map();
    this.resolved = 0;
  }

  /** @internal */
  guest(vmid: number, conf: object, fw: object | undefined, scope: string, make: (diagnostics: Diagnostic[]) => GuestResolution, diagnostics: Diagnostic[]): GuestResolution {
    let e = this.prev.get(vmid);
    if (!e || e.conf !== conf || e.fw !== fw || e.scope !== scope) {
      const own: Diagnostic[] = [];
      e = { conf, fw, scope, value: make(own), diagnostics: own };
      this.resolved++;
    }
    this.next.set(vmid, e);
    diagnostics.push(...e.diagnostics);
    return e.value;
  }

  /** @internal resolve() calls this at the end: guests that are gone are forgotten. */
  end(): void {
    this.prev = this.next;
  }
}

/** The part of the cluster scope a guest's resolution reads, as text. */
export function scopeKey(dc: ScopeTable, groups: ReadonlySet<string>): string {
  return JSON.stringify([[...dc.aliases], [...dc.sets], [...groups]]);
}
