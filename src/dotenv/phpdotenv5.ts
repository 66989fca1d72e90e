// The phpdotenv 5 dialect (Cachet 3.x). Rules read from vlucas/phpdotenv 5.4 as packaged by Debian
// (php-vlucas-phpdotenv 5.4.1): Parser/Lines.php, Parser/EntryParser.php, Parser/Lexer.php, Loader/Resolver.php
// and Repository/Adapter/ImmutableWriter.php, which Laravel's Env repository uses.

import { EnvParseError } from './index.js';
import { splitLines5, type PhysicalLine } from './lines.js';
import type { ParseResult, Statement } from './statement.js';
import { isCSpace, phpLtrim, phpRtrim, phpTrim } from './text.js';

const VALID_NAME = /^[a-zA-Z0-9_.]+$/;

/** A logical entry: one line, or several lines joined with `\n` for a double-quoted multi-line value. */
interface RawEntry {
  text: string;
  /** Text offset in the decoded file of each entry line's start, with that line's offset inside `text`. */
  segments: { fileStart: number; entryStart: number }[];
  line: number;
  end: number;
}

export function parse5(text: string, environment: Record<string, string>): ParseResult {
  // Str::utf8() strips a UTF-8 byte-order mark after decoding.
  const from = text.startsWith('\uFEFF') ? 1 : 0;
  const { entries, unterminatedLine } = collectEntries(splitLines5(text, from), text);

  const statements = entries.map(parseEntry);
  const result = load(statements, environment);
  return { ...result, unterminatedLine };
}

/**
 * Groups physical lines into entries as Lines::process does. A line containing `="` with fewer than two
 * unescaped quotes opens a multi-line value, closed by the next line with an unescaped quote. The check
 * ignores comments, so `# x="y` also opens one. Lines still open at the end of the file are dropped.
 */
function collectEntries(lines: PhysicalLine[], text: string): { entries: RawEntry[]; unterminatedLine?: number } {
  const entries: RawEntry[] = [];
  let buffer: PhysicalLine[] = [];
  let multiline = false;

  for (const line of lines) {
    const content = text.slice(line.start, line.end);
    const started = looksLikeMultilineStart(content);
    if (started) multiline = true;

    let group: PhysicalLine[] = [line];
    if (multiline) {
      buffer.push(line);
      if (!looksLikeMultilineStop(content, started)) continue;
      multiline = false;
      group = buffer;
      buffer = [];
    }

    const entry = joinLines(group, text);
    if (!isCommentOrWhitespace(entry.text)) entries.push(entry);
  }

  return { entries, unterminatedLine: multiline ? buffer[0].number : undefined };
}

function looksLikeMultilineStart(line: string): boolean {
  return line.includes('="') && !looksLikeMultilineStop(line, true);
}

function looksLikeMultilineStop(line: string, started: boolean): boolean {
  if (line === '"') return true;
  // Count positions where a character other than a backslash precedes `"`, after removing `\\` pairs.
  const stripped = line.replaceAll('\\\\', '');
  let count = 0;
  for (let i = 1; i < stripped.length; i++) {
    if (stripped[i] === '"' && stripped[i - 1] !== '\\') count++;
  }
  return started ? count > 1 : count >= 1;
}

function joinLines(group: PhysicalLine[], text: string): RawEntry {
  const segments: RawEntry['segments'] = [];
  let joined = '';
  for (const line of group) {
    if (segments.length > 0) joined += '\n';
    segments.push({ fileStart: line.start, entryStart: joined.length });
    joined += text.slice(line.start, line.end);
  }
  const last = group[group.length - 1];
  return { text: joined, segments, line: group[0].number, end: last.end };
}

function isCommentOrWhitespace(entry: string): boolean {
  const trimmed = phpTrim(entry);
  return trimmed === '' || trimmed[0] === '#';
}

/** Maps an offset inside a joined entry back to an offset in the decoded file. */
function fileOffset(entry: RawEntry, position: number): number {
  let segment = entry.segments[0];
  for (const candidate of entry.segments) {
    if (candidate.entryStart <= position) segment = candidate;
  }
  return segment.fileStart + (position - segment.entryStart);
}

interface ParsedEntry extends Omit<Statement, 'value'> {
  chars: string;
  /** Positions in `chars` of each `$` that may start a `${NAME}` reference. */
  variables: number[];
}

/** EntryParser::parse: name and value, with the value run through the lexer and the quote state machine. */
function parseEntry(entry: RawEntry): ParsedEntry {
  const equals = entry.text.indexOf('=');
  const rawName = phpTrim(equals < 0 ? entry.text : entry.text.slice(0, equals));
  if (rawName === '') {
    throw new EnvParseError(`line ${entry.line}: the line starts with "=" and has no variable name`, entry.line);
  }

  const { key, exported } = parseName(rawName, entry.line);
  const start = fileOffset(entry, entry.text.length - phpLtrim(entry.text).length);

  if (equals < 0) {
    const nameEnd = fileOffset(entry, phpRtrim(entry.text).length);
    return {
      kind: 'unset', key, line: entry.line, start, end: entry.end, valueStart: nameEnd, valueEnd: nameEnd,
      quote: 'none', exported, chars: '', variables: [],
    };
  }

  const afterEquals = entry.text.slice(equals + 1);
  const valueOffset = equals + 1 + (afterEquals.length - phpLtrim(afterEquals).length);
  const value = scanValue(phpTrim(afterEquals), key, entry.line);

  return {
    kind: 'assign',
    key,
    line: entry.line,
    start,
    end: entry.end,
    valueStart: fileOffset(entry, valueOffset),
    valueEnd: fileOffset(entry, valueOffset + value.length),
    quote: value.quote,
    exported,
    chars: value.chars,
    variables: value.variables,
  };
}

function parseName(rawName: string, line: number): { key: string; exported: boolean } {
  let name = rawName;
  let exported = false;
  if ([...name].length > 8 && name.startsWith('export') && isCSpace(name[6])) {
    name = phpLtrim(name.slice(6));
    exported = true;
  }
  if ([...name].length >= 3 && ((name.startsWith('"') && name.endsWith('"')) || (name.startsWith("'") && name.endsWith("'")))) {
    name = name.slice(1, -1);
  }
  if (!VALID_NAME.test(name)) {
    throw new EnvParseError(
      `line ${line}: invalid variable name; phpdotenv 5 accepts only letters, digits, "_" and "." before "="`,
      line,
    );
  }
  return { key: name, exported };
}

const enum State {
  Initial,
  Unquoted,
  SingleQuoted,
  DoubleQuoted,
  Escape,
  Whitespace,
  Comment,
}

interface ScannedValue {
  chars: string;
  variables: number[];
  quote: Statement['quote'];
  /** Length of the written value (quotes included) from the start of the trimmed value text. */
  length: number;
}

/** Lexer::lex token classes: newlines, other whitespace, `\`, `'`, `"`, `#`, `$`, and runs of anything else. */
const TOKEN = /[\r\n]+|[ \t\v\f]+|\\|'|"|#|\$|[^\t\n\v\f\r \\'"#$]+/y;

function* tokens(value: string): Generator<{ token: string; end: number }> {
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < value.length) {
    const match = TOKEN.exec(value);
    if (match === null) throw new Error(`dotenv lexer stopped at offset ${TOKEN.lastIndex}`);
    yield { token: match[0], end: TOKEN.lastIndex };
  }
}

function isSpaceToken(token: string): boolean {
  return isCSpace(token[0]);
}

/** Runs the transducer of EntryParser::parseValue over the already trimmed value text. */
function scanValue(value: string, key: string, line: number): ScannedValue {
  const result: ScannedValue = { chars: '', variables: [], quote: 'none', length: 0 };
  if (value === '') return result;

  let state = State.Initial;
  let closedByQuote = false;
  for (const { token, end } of tokens(value)) {
    const before = state;
    state = nextState(state, token, result, key, line, closedByQuote);
    if (before === State.Initial && token === "'") result.quote = 'single';
    if (before === State.Initial && token === '"') result.quote = 'double';
    if (before === State.SingleQuoted || before === State.DoubleQuoted) closedByQuote = state === State.Whitespace;
    // The written value ends at the last token consumed inside it; whitespace and comments after it are kept.
    if (isValueState(before) && isValueState(state)) result.length = end;
    if ((before === State.SingleQuoted || before === State.DoubleQuoted) && state === State.Whitespace) result.length = end;
  }

  if (state === State.SingleQuoted || state === State.DoubleQuoted || state === State.Escape) {
    throw new EnvParseError(`line ${line}: the value of ${key} has no closing quote`, line);
  }
  return result;
}

function isValueState(state: State): boolean {
  return state !== State.Whitespace && state !== State.Comment;
}

function nextState(state: State, token: string, out: ScannedValue, key: string, line: number, closedByQuote: boolean): State {
  const append = (chars: string, variable = false): void => {
    if (variable) out.variables.push(out.chars.length);
    out.chars += chars;
  };

  switch (state) {
    case State.Initial:
      if (token === "'") return State.SingleQuoted;
      if (token === '"') return State.DoubleQuoted;
      if (token === '#') return State.Comment;
      append(token, token === '$');
      return State.Unquoted;
    case State.Unquoted:
      if (token === '#') return State.Comment;
      if (isSpaceToken(token)) return State.Whitespace;
      append(token, token === '$');
      return State.Unquoted;
    case State.SingleQuoted:
      if (token === "'") return State.Whitespace;
      append(token);
      return State.SingleQuoted;
    case State.DoubleQuoted:
      if (token === '"') return State.Whitespace;
      if (token === '\\') return State.Escape;
      append(token, token === '$');
      return State.DoubleQuoted;
    case State.Escape:
      return escapeState(token, append, key, line);
    case State.Whitespace:
      if (token === '#') return State.Comment;
      if (!isSpaceToken(token)) {
        const what = closedByQuote ? 'has text after its closing quote' : 'contains whitespace outside quotes';
        throw new EnvParseError(`line ${line}: the value of ${key} ${what}; put the whole value in double quotes`, line);
      }
      return State.Whitespace;
    case State.Comment:
      return State.Comment;
  }
}

const ESCAPED: Record<string, string> = { f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function escapeState(token: string, append: (chars: string) => void, key: string, line: number): State {
  if (token === '"' || token === '\\' || token === '$') {
    append(token);
    return State.DoubleQuoted;
  }
  const replacement = ESCAPED[token[0]];
  if (replacement === undefined) {
    throw new EnvParseError(
      `line ${line}: the value of ${key} contains a backslash escape phpdotenv 5 rejects; ` +
        'inside double quotes only \\" \\\\ \\$ \\n \\r \\t \\f \\v are allowed',
      line,
    );
  }
  append(replacement + token.slice(1));
  return State.DoubleQuoted;
}

/**
 * Loader::load with Laravel's immutable repository: variables from the environment are never overwritten or
 * cleared, later lines overwrite earlier ones, a bare `KEY` clears it, and `${NAME}` looks up both.
 */
function load(parsed: ParsedEntry[], environment: Record<string, string>): Omit<ParseResult, 'unterminatedLine'> {
  const repository = new Map(Object.entries(environment));
  const external = new Set(Object.keys(environment));
  const statements: Statement[] = [];
  const effective = new Map<string, number>();
  const order: string[] = [];

  for (const [index, entry] of parsed.entries()) {
    const { chars, variables, ...rest } = entry;
    const value = entry.kind === 'assign' ? resolve(chars, variables, repository) : '';
    statements.push({ ...rest, value });
    if (!effective.has(entry.key)) order.push(entry.key);
    effective.set(entry.key, index);

    if (external.has(entry.key)) continue;
    if (entry.kind === 'assign') repository.set(entry.key, value);
    else repository.delete(entry.key);
  }

  const values = new Map<string, string>();
  for (const key of order) {
    const value = repository.get(key);
    if (value !== undefined) values.set(key, value);
  }
  return { statements, values, effective };
}

/** Resolver::resolve: replaces `${NAME}` at each recorded `$`, last first, when NAME has a value. */
function resolve(chars: string, variables: number[], repository: Map<string, string>): string {
  let result = chars;
  for (const position of [...variables].sort((a, b) => b - a)) {
    const match = /^\$\{([a-zA-Z0-9_.]+)\}/.exec(result.slice(position));
    if (match === null) continue;
    const replacement = repository.get(match[1]);
    if (replacement === undefined) continue;
    result = result.slice(0, position) + replacement + result.slice(position + match[0].length);
  }
  return result;
}
