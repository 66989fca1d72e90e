// Generated values written with encodeValue() and withValues() must read back exactly: through the real
// phpdotenv 5 parser, and through our phpdotenv 2 dialect.

import { beforeAll, describe, expect, it } from 'vitest';
import { encodeValue, parseEnv, type Dialect } from '../../../src/dotenv/index.js';
import { loadWithPhpdotenv5, type RealResult } from '../../helpers/phpdotenv5.js';

const COUNT = 400;
const ALPHABET =
  'abcXYZ0129 _-.,:;/@+=!?%&*()[]{}<>|~^`\'"\\#$\t' + 'é日本✓😀ß\u00a0\u2028';

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generateValues(): string[] {
  const next = random(20240501);
  const characters = [...ALPHABET];
  const values = ['', '$', '#', '"', "'", '\\', '\\"', '$$', '${', 'a b', ' lead', 'trail ', 'null', '="x'];
  while (values.length < COUNT) {
    const length = 1 + Math.floor(next() * 24);
    let value = '';
    for (let i = 0; i < length; i++) value += characters[Math.floor(next() * characters.length)];
    values.push(value);
  }
  // Values with `${` are rejected by the writer, tested elsewhere.
  return values.filter((value) => !value.includes('${'));
}

const BASE = 'APP_NAME=Cachet\nDB_PASSWORD=old # rotated\nMAIL_FROM_NAME="${APP_NAME}"\nAPP_DEBUG=false\n';

/** phpdotenv 2 trims quoted values, so it cannot hold leading or trailing whitespace. */
function fitsPhpdotenv2(value: string): boolean {
  return !/^[ \t\v]|[ \t\v]$/.test(value);
}

describe('generated values', () => {
  const values = generateValues();
  let viaEncode: RealResult[];
  let viaEdit: RealResult[];

  beforeAll(async () => {
    viaEncode = await loadWithPhpdotenv5(values.map((value) => ({ content: `VALUE=${encodeValue(value, 'phpdotenv5')}\n` })));
    viaEdit = await loadWithPhpdotenv5(
      values.map((value) => ({
        content: parseEnv(BASE, 'phpdotenv5').withValues({ DB_PASSWORD: value, NEW_VALUE: value }),
      })),
    );
  });

  it('covers the tricky characters', () => {
    for (const char of ['"', "'", '\\', '$', '#', ' ', '\t', '😀']) {
      expect(values.some((value) => value.includes(char))).toBe(true);
    }
  });

  it('reads encodeValue output back with the real phpdotenv 5', () => {
    const mismatches = values.flatMap((value, index) => {
      const result = viaEncode[index];
      return result.ok && result.values.VALUE === value ? [] : [{ value, result }];
    });
    expect(mismatches).toEqual([]);
  });

  it('reads withValues output back with the real phpdotenv 5', () => {
    const mismatches = values.flatMap((value, index) => {
      const result = viaEdit[index];
      const expected = { APP_NAME: 'Cachet', DB_PASSWORD: value, MAIL_FROM_NAME: 'Cachet', APP_DEBUG: 'false', NEW_VALUE: value };
      return result.ok && JSON.stringify(result.values) === JSON.stringify(expected) ? [] : [{ value, result }];
    });
    expect(mismatches).toEqual([]);
  });

  it('reads encodeValue and withValues output back with phpdotenv 2', () => {
    const dialect: Dialect = 'phpdotenv2';
    for (const value of values.filter(fitsPhpdotenv2)) {
      expect(parseEnv(`VALUE=${encodeValue(value, dialect)}\n`, dialect).get('VALUE')).toBe(value);
      const edited = parseEnv(parseEnv(BASE, dialect).withValues({ DB_PASSWORD: value, NEW_VALUE: value }), dialect);
      expect(edited.get('DB_PASSWORD')).toBe(value);
      expect(edited.get('NEW_VALUE')).toBe(value);
      expect(edited.get('MAIL_FROM_NAME')).toBe('Cachet');
    }
  });

  it('reads our phpdotenv 5 output the same way as the real parser', () => {
    for (const [index, value] of values.entries()) {
      const bytes = parseEnv(BASE, 'phpdotenv5').withValues({ DB_PASSWORD: value, NEW_VALUE: value });
      const result = viaEdit[index];
      expect(result.ok).toBe(true);
      if (result.ok) expect(Object.fromEntries(parseEnv(bytes, 'phpdotenv5').toMap())).toEqual(result.values);
    }
  });
});
