/** Lets one message per key through every `intervalMs`, and counts what it held back. */
export class RateLimiter {
  private readonly seen = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** undefined: stay quiet; otherwise how many were suppressed since the last one let through. */
  allow(key: string): number | undefined {
    const t = this.now();
    const e = this.seen.get(key);
    if (e && t - e.at < this.intervalMs) {
      e.suppressed++;
      return undefined;
    }
    this.seen.set(key, { at: t, suppressed: 0 });
    if (this.seen.size > 10_000) this.prune(t);
    return e?.suppressed ?? 0;
  }

  private prune(t: number): void {
    for (const [k, e] of this.seen) if (t - e.at >= this.intervalMs) this.seen.delete(k);
  }
}
