// encodeValue(): values both phpdotenv versions read back unchanged.

import { describe, expect, it } from 'vitest';
import { encodeValue, EnvValueError, parseEnv } from '../../../src/dotenv/index.js';

describe('encodeValue', () => {
  it.each([
    ['abcXYZ019', 'abcXYZ019'],
    ['a_b.c-d/e:f@g+h=i,j', 'a_b.c-d/e:f@g+h=i,j'],
    ['', ''],
    ['a b', '"a b"'],
    ['a#b', '"a#b"'],
    ['#', '"#"'],
    ['pa$$w0rd', '"pa$$w0rd"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ["it's", '"it\'s"'],
    ['null', 'null'],
    ['héllo', '"héllo"'],
  ])('encodes %j', (value, expected) => {
    expect(encodeValue(value, 'phpdotenv5')).toBe(expected);
    expect(encodeValue(value, 'phpdotenv2')).toBe(expected);
  });

  it.each([
    ['line\nbreak', 'line break'],
    ['carriage\rreturn', 'line break'],
    ['a${DB_PASSWORD}', '${'],
    ['nul\0', 'NUL'],
    ['\uD800', 'Unicode'],
  ])('rejects %j', (value, reason) => {
    expect(() => encodeValue(value, 'phpdotenv5')).toThrow(EnvValueError);
    expect(() => encodeValue(value, 'phpdotenv5')).toThrow(reason);
  });

  it('rejects leading and trailing whitespace only for phpdotenv 2', () => {
    expect(() => encodeValue(' padded', 'phpdotenv2')).toThrow(EnvValueError);
    expect(() => encodeValue('padded\t', 'phpdotenv2')).toThrow(EnvValueError);
    expect(encodeValue(' padded ', 'phpdotenv5')).toBe('" padded "');
  });

  it('keeps the value out of the message', () => {
    expect(() => encodeValue('hunter2\n', 'phpdotenv5')).toThrow(/^(?!.*hunter2)/);
  });

  it('writes the empty string so both dialects read it as empty', () => {
    for (const dialect of ['phpdotenv2', 'phpdotenv5'] as const) {
      expect(parseEnv(`A=${encodeValue('', dialect)}\n`, dialect).get('A')).toBe('');
    }
  });
});
