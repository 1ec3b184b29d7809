/** A position in a config file. `line` and `col` are 1-based. */
export interface Span {
  file: string;
  line: number;
  col: number;
}

export type Severity = 'error' | 'warning' | 'info';

/**
 * One finding about the config. `code` is stable (tests and scripts match on it, never on
 * `message`). An `error` means the construct was skipped; the rest of the file still applies.
 */
export interface Diagnostic extends Span {
  code: string;
  severity: Severity;
  message: string;
  hint?: string;
}

/** Collects diagnostics for one pass over a config tree. */
export class Diagnostics {
  readonly items: Diagnostic[] = [];

  report(span: Span, severity: Severity, code: string, message: string, hint?: string): void {
    const d: Diagnostic = { file: span.file, line: span.line, col: span.col, code, severity, message };
    if (hint !== undefined) d.hint = hint;
    this.items.push(d);
  }

  error(span: Span, code: string, message: string, hint?: string): void {
    this.report(span, 'error', code, message, hint);
  }

  warn(span: Span, code: string, message: string, hint?: string): void {
    this.report(span, 'warning', code, message, hint);
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  const base = `${d.file}:${d.line}:${d.col}: ${d.severity} ${d.code}: ${d.message}`;
  return d.hint ? `${base} (hint: ${d.hint})` : base;
}

/** Stable order: by file, line, column, code. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}
