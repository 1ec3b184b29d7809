import type { RuleAst } from '../config/ast.js';
import type { Span } from '../config/diagnostics.js';
import type { ModelCode } from './codes.js';

/** One rule cannot be resolved; thrown inside that rule's resolution and reported at `span`. */
export class RuleError extends Error {
  override name = 'RuleError';
  constructor(
    readonly code: ModelCode,
    readonly span: Span,
    message: string,
  ) {
    super(message);
  }
}

export type RuleOpt = keyof RuleAst['spans'];

/** Where an option of a rule was written, or the rule itself when the parser kept no span. */
export function spanOf(r: RuleAst, opt: RuleOpt): Span {
  return r.spans[opt] ?? r.span;
}
