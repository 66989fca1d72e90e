// The `.env` document: a lossless parser and editor that resolves values as phpdotenv does.
// CONTRACT for the rest of the code base; the implementation lives beside this file.

export type Dialect = 'phpdotenv2' | 'phpdotenv5';

/** A line phpdotenv would reject; `line` is 1-based. */
export class EnvParseError extends Error {
  override name = 'EnvParseError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** A value our writer refuses to write (newline, carriage return, `${`). */
export class EnvValueError extends Error {
  override name = 'EnvValueError';
}

export interface EnvEntry {
  key: string;
  /** Resolved value of this line (quotes, escapes and interpolation applied). */
  value: string;
  /** 1-based line number where the assignment starts. */
  line: number;
  /** The raw value text as written (after `=`), for checks such as `${...}` references. */
  rawValue: string;
  quote: 'none' | 'single' | 'double';
  exported: boolean;
}

export interface EnvDocument {
  readonly dialect: Dialect;
  /**
   * phpdotenv 5 only: the line of a double-quoted value that is never closed. phpdotenv ignores that line and
   * every later one without an error; withValues() refuses to change such a file.
   */
  readonly unterminatedLine?: number;
  /** Effective value of a key under the dialect's duplicate rule, or undefined when absent. */
  get(key: string): string | undefined;
  has(key: string): boolean;
  /** Effective key → value map. */
  toMap(): Map<string, string>;
  /** Every assignment in file order, duplicates included. */
  entries(): EnvEntry[];
  /**
   * Returns the file's bytes with these keys set. The effective line of each key is rewritten in place
   * (keeping `export`, surrounding whitespace and a trailing comment); absent keys are appended after the
   * last line, with the file's own line ending. Every other byte is unchanged.
   * Throws EnvValueError for a value containing a newline, carriage return or `${`.
   */
  withValues(assignments: Record<string, string>): Buffer;
  /** The original bytes. */
  toBuffer(): Buffer;
}

export interface ParseOptions {
  /**
   * Variables already in the process environment. phpdotenv 2.x never overwrites them (they win over
   * `.env`); 5.x as Laravel uses it does not overwrite them either. Also used for `${NAME}` lookups.
   */
  environment?: Record<string, string>;
}

export { parseEnv } from './parse.js';
export { encodeValue } from './encode.js';
export { laravelEnv, envBool, phpBool, type LaravelValue } from './laravel.js';
export { assertOnlyKeysChanged } from './verify.js';
