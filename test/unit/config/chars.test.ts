import { describe, expect, it } from 'vitest';
import { isBlank } from '../../../src/config/chars.js';

describe('isBlank', () => {
  it('agrees with the RegExp class \\s on every UTF-16 code unit', () => {
    const differ: number[] = [];
    for (let c = 0; c <= 0xffff; c++) if (isBlank(c) !== /\s/.test(String.fromCharCode(c))) differ.push(c);
    expect(differ).toEqual([]);
  });
});
