import type { Chain, Elem, Expr, Rule, Statement, Table } from '../../compiler/ruleset.js';
import { elemText, exprText } from './expr-text.js';
import { checkElem, kindOfExpr } from './values.js';

/** A named constant set standing in for identical anonymous sets of one table. */
export interface HoistedSet {
  name: string;
  /** nft text lines of the set's block (typeof, flags, elements), validated. */
  lines: string[];
}

/**
 * Linux (6.x) binds every anonymous set with a walk of the whole pending transaction, so a
 * transaction with N rules that carry `{ … }` sets costs O(N²) in the kernel: 100 guests × 50
 * rules took seconds, 1,000 did not finish in minutes. A full replacement therefore declares
 * each distinct anonymous set once as a named constant set (`typeof` the matched expression)
 * and the rules refer to it; the match is the same. Sets named `anon.<n>` exist only in the
 * kernel between full replacements; incremental refills render sets inline (small transactions).
 */
export function hoistAnonymousSets(t: Table): { chains: Chain[]; sets: HoistedSet[] } {
  const taken = new Set(t.sets.map((s) => s.name).concat(t.maps.map((m) => m.name)));
  const byContent = new Map<string, string>();
  const sets: HoistedSet[] = [];
  let n = 0;
  const nameFor = (left: Expr, elems: Elem[]): string | undefined => {
    const kind = kindOfExpr(left);
    if (kind === 'bitmask' || elems.length < 2) return undefined;
    if (!('payload' in left || 'meta' in left || 'ct' in left)) return undefined;
    const items = elems.map((e) => {
      checkElem(e, kind);
      return elemText(e, kind);
    });
    const head = `typeof ${exprText(left)}`;
    const key = `${head}\n${items.join(',')}`;
    let name = byContent.get(key);
    if (!name) {
      do name = `anon.${n++}`;
      while (taken.has(name));
      byContent.set(key, name);
      const interval = elems.some((e) => typeof e === 'object');
      sets.push({ name, lines: [head, `flags constant${interval ? ',interval' : ''}`, `elements = { ${items.join(', ')} }`] });
    }
    return name;
  };
  const stmt = (s: Statement): Statement => {
    if (!('match' in s)) return s;
    const r = s.match.right;
    if (typeof r !== 'object' || !('set' in r)) return s;
    const name = nameFor(s.match.left, r.set);
    return name ? { match: { ...s.match, right: { ref: name } } } : s;
  };
  const chains = t.chains.map((c) => {
    let changed = false;
    const rules = c.rules.map((rule): Rule => {
      const expr = rule.expr.map(stmt);
      if (expr.every((e, i) => e === rule.expr[i])) return rule;
      changed = true;
      return { ...rule, expr };
    });
    return changed ? { ...c, rules } : c;
  });
  return { chains, sets };
}
