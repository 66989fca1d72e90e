// Writing values so that both phpdotenv 2.6 and 5.x read them back unchanged.

import { EnvValueError, type Dialect } from './index.js';

/**
 * Characters that mean the same unquoted in both dialects: no whitespace, quote, backslash, `#` (5.x starts a
 * comment anywhere), `$` (`${` expands) or anything phpdotenv 5's multi-line check could see as a quote.
 */
const SAFE_UNQUOTED = /^[A-Za-z0-9_.\-/:@+=,]+$/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Characters PHP's trim() removes, which phpdotenv 2 strips from both ends of every value, quoted or not. */
const TRIMMED_BY_PHPDOTENV2 = /^[ \t\v]|[ \t\v]$/;

/**
 * Encodes a value for the right-hand side of `KEY=`.
 * Returns the value unquoted when every character is in SAFE_UNQUOTED, `` for the empty string (both dialects
 * read `KEY=` as empty), and otherwise the value in double quotes with `\` and `"` escaped. A bare `$` stays
 * literal in both dialects because `${` is rejected.
 * Throws EnvValueError for a line break, `${`, NUL or invalid Unicode, and for 'phpdotenv2' also for leading or
 * trailing spaces and tabs, which phpdotenv 2 trims even inside quotes. 'phpdotenv5' accepts those.
 */
export function encodeValue(value: string, dialect: Dialect): string {
  const problem = findValueProblem(value, dialect);
  if (problem !== undefined) throw new EnvValueError(`Cannot write this .env value: it ${problem}.`);
  return encodeChecked(value);
}

/** Returns why the writer rejects a value (a clause after "it"), or undefined when it can be written. */
export function findValueProblem(value: string, dialect: Dialect): string | undefined {
  if (value.includes('\n') || value.includes('\r')) return 'contains a line break';
  if (value.includes('${')) return 'contains "${", which phpdotenv expands as a variable reference';
  if (value.includes('\0')) return 'contains a NUL character, which an environment variable cannot hold';
  if (LONE_SURROGATE.test(value)) return 'is not valid Unicode (it contains a lone surrogate)';
  if (dialect === 'phpdotenv2' && TRIMMED_BY_PHPDOTENV2.test(value)) {
    return 'starts or ends with whitespace, which phpdotenv 2 removes';
  }
  return undefined;
}

export function encodeChecked(value: string): string {
  if (value === '' || SAFE_UNQUOTED.test(value)) return value;
  return encodeDoubleQuoted(value);
}

export function encodeDoubleQuoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

export function isSafeUnquoted(value: string): boolean {
  return SAFE_UNQUOTED.test(value);
}

/**
 * Tells whether `'value'` reads back unchanged in both dialects. 5.x keeps single-quoted text literally, but
 * 2.x treats `\` as an escape there and trims the value. A `"` could make 5.x's multi-line check misread the line.
 */
export function isSafeSingleQuoted(value: string): boolean {
  return !/['"\\]/.test(value) && !TRIMMED_BY_PHPDOTENV2.test(value);
}
