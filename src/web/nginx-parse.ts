// A lossless-position reader of nginx configuration text: directives with their arguments, blocks with
// their children, and the file, line and byte offset of each, so a plan can insert one line at an exact place.
// Grammar as nginx 1.22 reads it (src/core/ngx_conf_file.c): words, "double" and 'single' quoted strings
// with backslash escapes, `#` comments, `;` ends a directive, `{ ... }` a block, `${name}` stays in a word.

export interface NginxDirective {
  name: string;
  args: string[];
  file: string;
  /** 1-based line of the directive name. */
  line: number;
  /** Byte offset (UTF-16 index into the file text) of the directive name. */
  start: number;
  /** Children when the directive opens a block. */
  block?: NginxDirective[];
  /** Line and offset of the block's closing brace. */
  blockEnd?: { line: number; offset: number };
  /** For `include`: the directives of each matched file, in the order nginx reads them. */
  included?: Array<{ file: string; directives: NginxDirective[] }>;
}

export class NginxParseError extends Error {
  override name = 'NginxParseError';
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(`${file}:${line}: ${message}`);
  }
}

interface Token {
  kind: 'word' | 'open' | 'close' | 'semicolon';
  text: string;
  line: number;
  start: number;
}

/** Parses one file's text into its top-level directives; includes are left for the caller to resolve. */
export function parseNginxText(text: string, file: string): NginxDirective[] {
  const tokens = tokenize(text, file);
  let index = 0;

  const parseList = (depth: number): { list: NginxDirective[]; close?: Token } => {
    const list: NginxDirective[] = [];
    let words: Token[] = [];
    while (index < tokens.length) {
      const token = tokens[index++]!;
      if (token.kind === 'word') {
        words.push(token);
        continue;
      }
      if (token.kind === 'close') {
        if (words.length > 0) throw new NginxParseError(`unexpected "}" after "${words[0]!.text}"`, file, token.line);
        if (depth === 0) throw new NginxParseError('unexpected "}"', file, token.line);
        return { list, close: token };
      }
      if (words.length === 0) throw new NginxParseError(`unexpected "${token.text}"`, file, token.line);
      const [head, ...rest] = words;
      const directive: NginxDirective = {
        name: head!.text,
        args: rest.map((word) => word.text),
        file,
        line: head!.line,
        start: head!.start,
      };
      words = [];
      if (token.kind === 'open') {
        const inner = parseList(depth + 1);
        if (!inner.close) throw new NginxParseError(`unexpected end of file, expecting "}" for "${directive.name}"`, file, directive.line);
        directive.block = inner.list;
        directive.blockEnd = { line: inner.close.line, offset: inner.close.start };
      }
      list.push(directive);
    }
    if (words.length > 0) throw new NginxParseError(`unexpected end of file, expecting ";" or "}"`, file, words[0]!.line);
    return { list };
  };

  return parseList(0).list;
}

function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  // A `*_by_lua_block { ... }` body is Lua, not nginx syntax: it is kept as one opaque block.
  let previousWord = '';

  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\n') {
      line++;
      i++;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (ch === ';') {
      tokens.push({ kind: 'semicolon', text: ';', line, start: i });
      previousWord = '';
      i++;
      continue;
    }
    if (ch === '{') {
      tokens.push({ kind: 'open', text: '{', line, start: i });
      i++;
      if (previousWord.endsWith('_by_lua_block')) {
        const end = skipLuaBlock(text, i, file, line);
        for (let k = i; k < end; k++) if (text[k] === '\n') line++;
        i = end;
      }
      previousWord = '';
      continue;
    }
    if (ch === '}') {
      tokens.push({ kind: 'close', text: '}', line, start: i });
      previousWord = '';
      i++;
      continue;
    }

    const startLine = line;
    const start = i;
    if (ch === '"' || ch === "'") {
      let value = '';
      i++;
      while (i < text.length && text[i] !== ch) {
        if (text[i] === '\\' && i + 1 < text.length) {
          const escaped = text[i + 1]!;
          // nginx keeps the backslash except before the quote itself, a backslash, or t/r/n.
          if (escaped === ch || escaped === '\\') value += escaped;
          else if (escaped === 't') value += '\t';
          else if (escaped === 'r') value += '\r';
          else if (escaped === 'n') value += '\n';
          else value += `\\${escaped}`;
          i += 2;
          continue;
        }
        if (text[i] === '\n') line++;
        value += text[i];
        i++;
      }
      if (i >= text.length) throw new NginxParseError('unexpected end of file in a quoted string', file, startLine);
      i++;
      tokens.push({ kind: 'word', text: value, line: startLine, start });
      previousWord = value;
      continue;
    }

    let value = '';
    while (i < text.length) {
      const c = text[i]!;
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === ';') break;
      if (c === '{') {
        // `${name}` is a variable inside a word; any other brace ends the word.
        if (value.endsWith('$')) {
          const close = text.indexOf('}', i);
          if (close === -1) throw new NginxParseError('unterminated "${"', file, line);
          value += text.slice(i, close + 1);
          i = close + 1;
          continue;
        }
        break;
      }
      if (c === '}') break;
      if (c === '\\' && i + 1 < text.length) {
        value += c + text[i + 1];
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    tokens.push({ kind: 'word', text: value, line: startLine, start });
    previousWord = value;
  }
  return tokens;
}

function skipLuaBlock(text: string, from: number, file: string, line: number): number {
  let depth = 1;
  let i = from;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    } else if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close !== -1) i = close;
    }
    i++;
  }
  throw new NginxParseError('unexpected end of file in a Lua block', file, line);
}

/** Yields the directives of a list with every resolved include replaced by the included directives. */
export function flattenIncludes(list: NginxDirective[]): NginxDirective[] {
  const out: NginxDirective[] = [];
  for (const directive of list) {
    if (directive.name === 'include' && directive.included) {
      for (const part of directive.included) out.push(...flattenIncludes(part.directives));
    } else out.push(directive);
  }
  return out;
}
