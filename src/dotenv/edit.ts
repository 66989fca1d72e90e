// Builds the bytes of a rewritten `.env`: each effective value replaced in place, missing keys appended.

import type { Dialect } from './index.js';
import { encodeChecked, encodeDoubleQuoted, isSafeSingleQuoted, isSafeUnquoted } from './encode.js';
import { detectLineEnding } from './lines.js';
import type { Statement } from './statement.js';
import type { DecodedText } from './text.js';

export interface EditInput {
  bytes: Buffer;
  decoded: DecodedText;
  dialect: Dialect;
  /** The effective statement of each key that the file already sets. */
  effective: Map<string, Statement>;
  /** Keys and values, already validated. */
  assignments: [string, string][];
  /** Ignore the original quote style and write every value with encodeValue's rules. */
  plainEncoding: boolean;
}

interface Replacement {
  start: number;
  end: number;
  text: string;
}

export function buildEdit(input: EditInput): Buffer {
  const { bytes, decoded } = input;
  const replacements: Replacement[] = [];
  const appended: string[] = [];

  for (const [key, value] of input.assignments) {
    const statement = input.effective.get(key);
    if (statement === undefined) {
      appended.push(`${key}=${encodeChecked(value)}`);
      continue;
    }
    replacements.push({
      start: decoded.offsets[statement.valueStart],
      end: decoded.offsets[statement.valueEnd],
      text: renderValue(statement, value, decoded.text, input.plainEncoding),
    });
  }

  replacements.sort((a, b) => a.start - b.start);
  const parts: Buffer[] = [];
  let position = 0;
  for (const replacement of replacements) {
    parts.push(bytes.subarray(position, replacement.start), Buffer.from(replacement.text, 'utf8'));
    position = replacement.end;
  }
  parts.push(bytes.subarray(position));

  if (appended.length > 0) {
    const lineEnding = detectLineEnding(decoded.text);
    const text = decoded.text;
    const needsBreak = text.length > 0 && !text.endsWith('\n') && !text.endsWith('\r');
    const block = (needsBreak ? lineEnding : '') + appended.map((line) => line + lineEnding).join('');
    parts.push(Buffer.from(block, 'utf8'));
  }
  return Buffer.concat(parts);
}

/** Renders the new value text for a statement, keeping its quote style when the value is safe in it. */
function renderValue(statement: Statement, value: string, text: string, plainEncoding: boolean): string {
  const rest = text.slice(statement.valueEnd, statement.end);
  let encoded: string;
  if (plainEncoding || statement.quote === 'none') encoded = encodeChecked(value);
  else if (statement.quote === 'single' && isSafeSingleQuoted(value)) encoded = `'${value}'`;
  else if (statement.quote === 'double' || !isSafeUnquoted(value)) encoded = encodeDoubleQuoted(value);
  else encoded = value;

  // An empty unquoted value followed by a comment would read the comment as the value in phpdotenv 2.
  if (encoded === '' && rest !== '') encoded = '""';
  // A comment glued to the value (`KEY=a#note`, a comment only for 5.x) gets a space, so 2.x reads it as one too.
  if (rest.startsWith('#')) encoded += ' ';
  // A bare `KEY` line (phpdotenv 5 unsets the variable) becomes an assignment.
  return statement.kind === 'unset' ? `=${encoded}` : encoded;
}
