// parseEnv(): reads `.env` bytes into an EnvDocument that resolves values as the chosen phpdotenv version does.

import { InternalError } from '../errors.js';
import { buildEdit } from './edit.js';
import { findValueProblem } from './encode.js';
import {
  EnvParseError,
  EnvValueError,
  type Dialect,
  type EnvDocument,
  type EnvEntry,
  type ParseOptions,
} from './index.js';
import { parse2 } from './phpdotenv2.js';
import { parse5 } from './phpdotenv5.js';
import type { ParseResult, Statement } from './statement.js';
import { decodeForDialect, utf8FromByteString, type DecodedText } from './text.js';
import { findChangedKeys } from './verify.js';

/** Names the writer accepts for new or rewritten keys: those phpdotenv 5 accepts. */
const WRITABLE_KEY = /^[A-Za-z0-9_.]+$/;

/**
 * Parses a `.env` file. A string is taken as UTF-8. Throws EnvParseError (1-based line, no value in the
 * message) for a file the dialect's parser rejects.
 */
export function parseEnv(source: Buffer | string, dialect: Dialect, options: ParseOptions = {}): EnvDocument {
  const bytes = Buffer.from(typeof source === 'string' ? Buffer.from(source, 'utf8') : source);
  return new ParsedEnvDocument(bytes, dialect, options.environment ?? {});
}

class ParsedEnvDocument implements EnvDocument {
  readonly unterminatedLine: number | undefined;
  readonly #bytes: Buffer;
  readonly #decoded: DecodedText;
  readonly #result: ParseResult;
  readonly #environment: Record<string, string>;

  constructor(
    bytes: Buffer,
    readonly dialect: Dialect,
    environment: Record<string, string>,
  ) {
    this.#bytes = bytes;
    this.#environment = environment;
    this.#decoded = decodeForDialect(bytes, dialect);
    this.#result =
      dialect === 'phpdotenv5' ? parse5(this.#decoded.text, environment) : parse2(this.#decoded.text, environment);
    this.unterminatedLine = this.#result.unterminatedLine;
  }

  get(key: string): string | undefined {
    return this.#result.values.get(key);
  }

  has(key: string): boolean {
    return this.#result.values.has(key);
  }

  toMap(): Map<string, string> {
    return new Map(this.#result.values);
  }

  entries(): EnvEntry[] {
    return this.#result.statements
      .filter((statement) => statement.kind === 'assign')
      .map((statement) => ({
        key: statement.key,
        value: statement.value,
        line: statement.line,
        rawValue: this.#rawValue(statement),
        quote: statement.quote,
        exported: statement.exported,
      }));
  }

  toBuffer(): Buffer {
    return Buffer.from(this.#bytes);
  }

  withValues(assignments: Record<string, string>): Buffer {
    const pairs = Object.entries(assignments);
    for (const [key, value] of pairs) this.#validateAssignment(key, value);
    if (pairs.length === 0) return this.toBuffer();

    if (this.unterminatedLine !== undefined) {
      const line = this.unterminatedLine;
      throw new EnvParseError(
        `line ${line}: a double-quoted value starts here and is never closed, so phpdotenv 5 ignores this line ` +
          'and every line after it; close the quote before changing the file',
        line,
      );
    }

    // Keep the original quote style first; if the re-parsed file disagrees, write every value plainly.
    const first = this.#rewrite(pairs, false);
    if (first.problem === undefined) return first.bytes;
    const second = this.#rewrite(pairs, true);
    if (second.problem === undefined) return second.bytes;
    throw second.problem;
  }

  #validateAssignment(key: string, value: string): void {
    if (!WRITABLE_KEY.test(key)) {
      throw new EnvValueError(
        `Cannot write the .env key ${JSON.stringify(key)}: use only letters, digits, "_" and ".".`,
      );
    }
    const problem = findValueProblem(value, this.dialect);
    if (problem !== undefined) throw new EnvValueError(`Cannot write ${key} to .env: the value ${problem}.`);
  }

  #rewrite(pairs: [string, string][], plainEncoding: boolean): { bytes: Buffer; problem?: Error } {
    const effective = new Map<string, Statement>();
    for (const [key, index] of this.#result.effective) effective.set(key, this.#result.statements[index]);

    const bytes = buildEdit({
      bytes: this.#bytes,
      decoded: this.#decoded,
      dialect: this.dialect,
      effective,
      assignments: pairs,
      plainEncoding,
    });
    return { bytes, problem: this.#checkRewrite(bytes, pairs) };
  }

  /** Re-parses the new bytes: each assigned key must read back as written, and no other key may change. */
  #checkRewrite(bytes: Buffer, pairs: [string, string][]): Error | undefined {
    let after: ParsedEnvDocument;
    try {
      after = new ParsedEnvDocument(bytes, this.dialect, this.#environment);
    } catch (error) {
      return new InternalError('The rewritten .env no longer parses.', { cause: error });
    }

    for (const [key, value] of pairs) {
      if (after.effectiveValue(key) !== value) {
        return new InternalError(`The rewritten .env does not read back the new value of ${key}.`);
      }
    }

    const keys = pairs.map(([key]) => key);
    const changed = findChangedKeys(this, after, keys);
    if (changed.length === 0) return undefined;

    const dependent = changed[0];
    const reference = keys.find((key) => this.#refersTo(dependent, key));
    if (reference !== undefined) {
      return new EnvValueError(
        `Cannot change ${reference} alone: ${dependent} refers to it as \${${reference}}, so its value would ` +
          `change too. Set ${dependent} in the same change, or remove the reference first.`,
      );
    }
    return new InternalError(`The rewritten .env changes ${changed.join(', ')}, which were not meant to change.`);
  }

  /** Value of the line that decides `key` in this dialect, ignoring any environment variable that shadows it. */
  effectiveValue(key: string): string | undefined {
    const index = this.#result.effective.get(key);
    if (index === undefined) return undefined;
    const statement = this.#result.statements[index];
    return statement.kind === 'assign' ? statement.value : undefined;
  }

  #refersTo(key: string, referenced: string): boolean {
    const pattern = `\${${referenced}}`;
    return this.#result.statements.some(
      (statement) => statement.key === key && this.#rawValue(statement).includes(pattern),
    );
  }

  #rawValue(statement: Statement): string {
    const raw = this.#decoded.text.slice(statement.valueStart, statement.valueEnd);
    return this.dialect === 'phpdotenv2' ? utf8FromByteString(raw) : raw;
  }
}
