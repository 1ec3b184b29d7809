/**
 * A per-file parse cache for `loadTree` (src/config/tree.ts, through its ParseMemo hook): a file
 * whose content hash and parse arguments are those of the previous load keeps its previous AST
 * object, so a cycle re-parses only changed files, and unchanged ASTs stay identical (===) for
 * what follows. ASTs and diagnostics from here must not be mutated.
 */
import { createHash } from 'node:crypto';
import type { ConfigTree } from '../config/ast.js';
import type { Diagnostic } from '../config/diagnostics.js';
import { loadTree } from '../config/tree.js';
import type { TreeReader } from '../config/tree-reader.js';

interface Entry {
  key: string;
  value: unknown;
}

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export class ParseCache {
  private prev = new Map<string, Entry>();
  /** Files parsed (not served from the cache) by the last load. */
  parsed = 0;

  /** Like loadTree; `hashOf(path, text)` gives the content hash (the caller usually has it already). */
  load(reader: TreeReader, node: string, hashOf: (path: string, text: string) => string = (_p, t) => sha256(t)): { tree: ConfigTree; diagnostics: Diagnostic[] } {
    const next = new Map<string, Entry>();
    this.parsed = 0;
    const out = loadTree(reader, node, <T>(path: string, args: string, text: string, parse: (text: string) => T): T => {
      const key = `${args}\n${hashOf(path, text)}`;
      let e = this.prev.get(path);
      if (!e || e.key !== key) {
        e = { key, value: parse(text) };
        this.parsed++;
      }
      next.set(path, e);
      return e.value as T;
    });
    this.prev = next;
    return out;
  }
}
