import type { Ruleset } from '../compiler/ruleset.js';

/**
 * What fwctl last committed, from its own record (the kernel is never read back wholesale).
 * Plain JSON so that a daemon can persist it and start incremental after a restart.
 */
export interface AppliedState {
  version: 1;
  ruleset: Ruleset;
}

/**
 * The ruleset is kept by reference, not copied: rulesets are immutable once compiled (see
 * plan.ts), and a deep copy of 160k rules cost more than the whole incremental plan.
 */
export function makeState(ruleset: Ruleset): AppliedState {
  return { version: 1, ruleset };
}

export function serializeState(s: AppliedState): string {
  return JSON.stringify(s);
}

/** Returns undefined for anything that is not a state this version wrote (then apply is full). */
export function parseState(text: string): AppliedState | undefined {
  try {
    const v = JSON.parse(text) as Partial<AppliedState>;
    if (v.version === 1 && v.ruleset && Array.isArray(v.ruleset.tables)) return v as AppliedState;
  } catch {
    // fall through: a corrupt state file means "unknown", never an error
  }
  return undefined;
}
