// A position-keeping reader of Apache httpd 2.4 configuration text: directives and `<Section>` blocks with
// file, line and byte offsets. Follows server/util_cfgtree.c and ap_getword_conf: a trailing backslash
// continues a line, `#` starts a comment only at the start of a line, arguments may be quoted.

export interface ApacheNode {
  name: string;
  args: string[];
  file: string;
  line: number;
  /** Offset of the start of the node's first line. */
  lineStart: number;
  /** Child nodes of a section, as written. */
  children?: ApacheNode[];
  /** Line and line-start offset of a section's closing tag. */
  end?: { line: number; offset: number };
}

export class ApacheParseError extends Error {
  override name = 'ApacheParseError';
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(`${file}:${line}: ${message}`);
  }
}

interface LogicalLine {
  text: string;
  line: number;
  offset: number;
}

export function parseApacheText(text: string, file: string): ApacheNode[] {
  const root: ApacheNode[] = [];
  const stack: ApacheNode[] = [];
  for (const logical of logicalLines(text)) {
    const content = logical.text.trim();
    if (content === '' || content.startsWith('#')) continue;

    if (content.startsWith('</')) {
      // httpd 2.4 ignores whatever follows the closing tag's ">" on the same line.
      const close = content.indexOf('>');
      const name = (close === -1 ? content.slice(2) : content.slice(2, close)).trim();
      const open = stack.pop();
      if (!open) throw new ApacheParseError(`</${name}> without matching <${name}> section`, file, logical.line);
      if (open.name.toLowerCase() !== name.toLowerCase()) {
        throw new ApacheParseError(`</${name}> closes <${open.name}> opened on line ${open.line}`, file, logical.line);
      }
      open.end = { line: logical.line, offset: logical.offset };
      continue;
    }

    let node: ApacheNode;
    if (content.startsWith('<')) {
      const close = content.lastIndexOf('>');
      if (close === -1) throw new ApacheParseError(`<${content.slice(1)} lacks its closing ">"`, file, logical.line);
      const inner = content.slice(1, close).trim();
      const [name, ...args] = splitArgs(inner);
      node = { name: name ?? '', args, file, line: logical.line, lineStart: logical.offset, children: [] };
    } else {
      const [name, ...args] = splitArgs(content);
      node = { name: name ?? '', args, file, line: logical.line, lineStart: logical.offset };
    }
    (stack.length > 0 ? stack[stack.length - 1]!.children! : root).push(node);
    if (node.children) stack.push(node);
  }
  // httpd 2.4 accepts an included file that ends inside a section; the section ends with the file.
  const lastLine = text.split('\n').length;
  for (const open of stack) open.end = { line: lastLine, offset: text.length };
  return root;
}

function logicalLines(text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  let offset = 0;
  let line = 1;
  let pending: LogicalLine | null = null;
  for (const raw of text.split('\n')) {
    const body = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const continued = /\\\s*$/.test(body) && !/^\s*#/.test(body);
    const piece = continued ? body.replace(/\\\s*$/, ' ') : body;
    if (pending) pending.text += piece;
    else pending = { text: piece, line, offset };
    if (!continued) {
      out.push(pending);
      pending = null;
    }
    offset += raw.length + 1;
    line++;
  }
  if (pending) out.push(pending);
  return out;
}

/** Splits arguments as ap_getword_conf does: whitespace-separated words, "double" or 'single' quoted. */
export function splitArgs(text: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const quote = text[i];
    if (quote === '"' || quote === "'") {
      let word = '';
      i++;
      while (i < text.length && text[i] !== quote) {
        if (text[i] === '\\' && text[i + 1] === quote) {
          word += quote;
          i += 2;
          continue;
        }
        word += text[i];
        i++;
      }
      i++;
      words.push(word);
    } else {
      let word = '';
      while (i < text.length && !/\s/.test(text[i]!)) word += text[i++];
      words.push(word);
    }
  }
  return words;
}
