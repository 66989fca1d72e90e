// The phpdotenv 2 dialect (Cachet 2.x). Rules read from vlucas/phpdotenv v2.6.9, src/Loader.php and
// src/Parser.php, loaded by Laravel 5 in immutable mode (Dotenv::load()). The text here is the file's bytes,
// one char per byte, because phpdotenv 2 works on bytes. Keys and values are decoded from UTF-8 at the end.

import { EnvParseError } from './index.js';
import { splitLines2 } from './lines.js';
import type { ParseResult, Statement } from './statement.js';
import { byteStringFromUtf8, isCSpace, phpLtrim, phpRtrim, phpTrim, utf8FromByteString } from './text.js';

export function parse2(text: string, environment: Record<string, string>): ParseResult {
  // Lookups and the "already set" check see the environment first, then earlier lines of the file.
  const repository = new Map<string, string>();
  for (const [key, value] of Object.entries(environment)) repository.set(byteStringFromUtf8(key), byteStringFromUtf8(value));

  const statements: Statement[] = [];
  const effective = new Map<string, number>();
  const byteKeys = new Map<string, string>();

  for (const line of splitLines2(text)) {
    const content = text.slice(line.start, line.end);
    // file() with FILE_SKIP_EMPTY_LINES, then isComment() and looksLikeSetter().
    if (content === '' || phpLtrim(content).startsWith('#') || !content.includes('=')) continue;

    const statement = parseLine(content, line.start, line.number, repository);
    const key = utf8FromByteString(statement.key);
    if (!effective.has(key)) {
      effective.set(key, statements.length);
      byteKeys.set(key, statement.key);
    }
    statements.push({ ...statement, key, value: utf8FromByteString(statement.value) });

    // Immutable mode: a variable that already has a value (environment or an earlier line) is kept.
    if (!repository.has(statement.key)) repository.set(statement.key, statement.value);
  }

  const values = new Map<string, string>();
  for (const [key, byteKey] of byteKeys) values.set(key, utf8FromByteString(repository.get(byteKey) ?? ''));
  return { statements, values, effective };
}

function parseLine(content: string, lineStart: number, line: number, repository: Map<string, string>): Statement {
  // splitCompoundStringIntoParts(): split at the first `=` and trim both sides.
  const equals = content.indexOf('=');
  const rawName = content.slice(0, equals);
  const afterEquals = content.slice(equals + 1);
  const valueOffset = lineStart + equals + 1 + (afterEquals.length - phpLtrim(afterEquals).length);
  const written = phpTrim(afterEquals);

  // Parser::parseName(): removes every `export `, then every `'` and `"`, then trims. Names are not validated.
  const key = phpTrim(phpTrim(rawName).replaceAll('export ', '').replaceAll("'", '').replaceAll('"', ''));
  const exported = rawName.includes('export ');
  const keyForMessage = utf8FromByteString(key);

  const parsed = parseValue(written, keyForMessage, line);
  const value = resolveNested(parsed.value, repository);

  return {
    kind: 'assign',
    key,
    value,
    line,
    start: lineStart + (content.length - phpLtrim(content).length),
    end: lineStart + content.length,
    valueStart: valueOffset,
    valueEnd: valueOffset + parsed.length,
    quote: parsed.quote,
    exported,
  };
}

interface ParsedValue {
  value: string;
  quote: Statement['quote'];
  /** Length of the value as written, from the start of the trimmed text; a trailing comment is excluded. */
  length: number;
}

/** sanitiseVariableValue() and Parser::parseValue(). */
function parseValue(written: string, key: string, line: number): ParsedValue {
  // `if (!$value)`: PHP treats '' and '0' as false and returns them unparsed.
  if (written === '' || written === '0') return { value: written, quote: 'none', length: written.length };
  if (written[0] === '"' || written[0] === "'") return parseQuoted(written, key, line);
  return parseUnquoted(written, key, line);
}

/**
 * Parser::parseQuotedValue(). Both quote characters behave alike. A backslash escapes only the opening quote
 * character and itself, so any other `\x` stays as written. The result is trimmed.
 */
function parseQuoted(written: string, key: string, line: number): ParsedValue {
  const quoteChar = written[0];
  let value = '';
  let i = 1;
  let closed = false;
  for (; i < written.length; i++) {
    const char = written[i];
    if (char === quoteChar) {
      closed = true;
      break;
    }
    if (char === '\\') {
      const next = written[i + 1];
      if (next === undefined) break;
      value += next === quoteChar || next === '\\' ? next : `\\${next}`;
      i++;
      continue;
    }
    value += char;
  }

  if (!closed) {
    throw new EnvParseError(
      `line ${line}: the value of ${key} has no closing quote; phpdotenv 2 reads values of one line only`,
      line,
    );
  }

  const length = i + 1;
  const rest = written.slice(length);
  for (const char of rest) {
    if (char === '#') break;
    if (!isCSpace(char)) {
      throw new EnvParseError(
        `line ${line}: the value of ${key} has text after its closing quote; phpdotenv 2 rejects it`,
        line,
      );
    }
  }
  return { value: phpTrim(value), quote: quoteChar === '"' ? 'double' : 'single', length };
}

/** Parser::parseUnquotedValue(): a comment starts at ` #`; whitespace left in the value is an error. */
function parseUnquoted(written: string, key: string, line: number): ParsedValue {
  const commentAt = written.indexOf(' #');
  const beforeComment = commentAt < 0 ? written : written.slice(0, commentAt);
  const value = phpTrim(beforeComment);
  const length = phpRtrim(beforeComment).length;

  if (/[\t\n\v\f\r ]/.test(value)) {
    // A value that starts with `#` and contains whitespace counts as a comment, so the value is empty.
    if (value.startsWith('#')) return { value: '', quote: 'none', length: 0 };
    throw new EnvParseError(
      `line ${line}: the value of ${key} contains whitespace outside quotes; put the whole value in double quotes`,
      line,
    );
  }
  return { value, quote: 'none', length };
}

/** resolveNestedVariables(): one pass over the parsed value, whatever the quotes; unknown names stay as written. */
function resolveNested(value: string, repository: Map<string, string>): string {
  if (!value.includes('$')) return value;
  return value.replace(/\$\{([a-zA-Z0-9_.]+)\}/g, (match, name: string) => repository.get(name) ?? match);
}
