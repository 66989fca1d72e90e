// Physical lines of a decoded `.env` text, split the way each phpdotenv version splits them.

/** One line: `start`..`end` is its content, `end`..`next` its line ending (empty on a last line without one). */
export interface PhysicalLine {
  number: number;
  start: number;
  end: number;
  next: number;
}

/** phpdotenv 5 splits on `\r\n`, `\n` or `\r` (Parser::parse, `preg_split("/(\r\n|\n|\r)/")`). */
export function splitLines5(text: string, from: number): PhysicalLine[] {
  const lines: PhysicalLine[] = [];
  let start = from;
  let i = from;
  while (i < text.length) {
    const char = text[i];
    if (char === '\n' || char === '\r') {
      const next = char === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1;
      lines.push({ number: lines.length + 1, start, end: i, next });
      start = next;
      i = next;
      continue;
    }
    i++;
  }
  lines.push({ number: lines.length + 1, start, end: text.length, next: text.length });
  return lines;
}

/**
 * Splits as phpdotenv 2.6 does, with PHP's file() and `auto_detect_line_endings` on. When the first `\r` comes
 * before any `\n` and is not part of `\r\n`, lines end at `\r` only. Otherwise they end at `\n`, and a `\r`
 * right before it is dropped. A lone `\r` elsewhere then stays inside the line.
 */
export function splitLines2(text: string): PhysicalLine[] {
  const firstCr = text.indexOf('\r');
  const firstLf = text.indexOf('\n');
  const macEndings = firstCr >= 0 && firstLf !== firstCr + 1 && !(firstLf >= 0 && firstLf < firstCr);
  const marker = macEndings ? '\r' : '\n';

  const lines: PhysicalLine[] = [];
  let start = 0;
  for (let i = text.indexOf(marker); i >= 0; i = text.indexOf(marker, start)) {
    const end = !macEndings && i > start && text[i - 1] === '\r' ? i - 1 : i;
    lines.push({ number: lines.length + 1, start, end, next: i + 1 });
    start = i + 1;
  }
  lines.push({ number: lines.length + 1, start, end: text.length, next: text.length });
  return lines;
}

/** Returns the first line ending in the text (used for appended lines), or `\n` when the text has none. */
export function detectLineEnding(text: string): string {
  const match = /\r\n|\n|\r/.exec(text);
  return match ? match[0] : '\n';
}
