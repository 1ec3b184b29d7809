/**
 * Prometheus text exposition (format 0.0.4) for the few high-cardinality families that fwctl
 * renders itself (rules.ts); everything else goes through prom-client. Label values are escaped
 * as the format requires (backslash, double quote, line feed), so no name from a config file can
 * break a line or forge a series.
 */

/** `{a="x",b="y"}` for the labels in their given order. */
export function labelString(labels: Record<string, string>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) parts.push(`${k}="${escapeLabel(v)}"`);
  return `{${parts.join(',')}}`;
}

export function escapeLabel(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}

/** HELP, TYPE and one line per series (label string → value); '' when there is no series. */
export function counterFamily(name: string, help: string, series: Map<string, number>): string {
  if (series.size === 0) return '';
  const lines = [`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} counter`];
  for (const [labels, v] of series) lines.push(`${name}${labels} ${Number.isFinite(v) ? v : 0}`);
  return `${lines.join('\n')}\n`;
}
