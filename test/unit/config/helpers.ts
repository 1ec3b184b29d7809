import type { FwKind } from '../../../src/config/ast.js';
import { parseFw } from '../../../src/config/fw.js';

export const FILE = 'firewall/100.fw';

/** Parses `line` as the 2nd line under `[section]`; returns the AST and "line:col CODE" strings. */
export function inSection(kind: FwKind, section: string, line: string) {
  const r = parseFw(`[${section}]\n${line}\n`, FILE, kind, 100);
  return { ast: r.ast, diags: r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`), raw: r.diagnostics };
}

export function rule(line: string, kind: FwKind = 'guest') {
  const r = inSection(kind, 'RULES', line);
  return { rule: r.ast.rules[0], diags: r.diags, raw: r.raw };
}
