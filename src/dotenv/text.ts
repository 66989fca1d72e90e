// Byte-level helpers: decoding the file the way each phpdotenv version reads it, with a map back to byte
// offsets so that edits can keep every byte outside the rewritten values.

import type { Dialect } from './index.js';

/** The file as text, plus the byte offset where each UTF-16 unit of `text` starts (and one past the end). */
export interface DecodedText {
  text: string;
  offsets: number[];
}

/**
 * Decodes the bytes as the parser of `dialect` reads them.
 * phpdotenv 5 runs `mb_convert_encoding($content, 'UTF-8')` first, which turns every invalid UTF-8 sequence
 * into one `?` (PHP 8.2 replaces each maximal invalid subpart, as the WHATWG decoder does). phpdotenv 2 works
 * on raw bytes, so for it each byte becomes one char (latin1) and values are decoded at the end.
 */
export function decodeForDialect(bytes: Buffer, dialect: Dialect): DecodedText {
  if (dialect === 'phpdotenv2') return decodeLatin1(bytes);
  return decodeUtf8(bytes, '?');
}

/** Turns a latin1 byte string (one char per byte) into text, invalid UTF-8 becoming U+FFFD. */
export function utf8FromByteString(byteString: string): string {
  return decodeUtf8(Buffer.from(byteString, 'latin1'), '\uFFFD').text;
}

/** Encodes text as UTF-8 and returns it as a latin1 byte string. */
export function byteStringFromUtf8(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function decodeLatin1(bytes: Buffer): DecodedText {
  const offsets = Array.from({ length: bytes.length + 1 }, (_, i) => i);
  return { text: bytes.toString('latin1'), offsets };
}

/** UTF-8 decoder that replaces each maximal invalid subpart with `replacement` and records byte offsets. */
export function decodeUtf8(bytes: Buffer, replacement: string): DecodedText {
  let text = '';
  const offsets: number[] = [];
  let i = 0;

  const emit = (chars: string, start: number): void => {
    text += chars;
    for (let k = 0; k < chars.length; k++) offsets.push(start);
  };

  while (i < bytes.length) {
    const start = i;
    const lead = bytes[i];
    if (lead < 0x80) {
      emit(String.fromCharCode(lead), start);
      i++;
      continue;
    }

    const [needed, low, high] = sequenceShape(lead);
    if (needed === 0) {
      emit(replacement, start);
      i++;
      continue;
    }

    let codePoint = lead & (0xff >> (needed + 2));
    let j = i + 1;
    let valid = true;
    for (let k = 0; k < needed; k++, j++) {
      const byte = j < bytes.length ? bytes[j] : -1;
      const min = k === 0 ? low : 0x80;
      const max = k === 0 ? high : 0xbf;
      if (byte < min || byte > max) {
        valid = false;
        break;
      }
      codePoint = (codePoint << 6) | (byte & 0x3f);
    }

    if (valid) {
      emit(String.fromCodePoint(codePoint), start);
      i = j;
    } else {
      // The maximal subpart is the lead byte plus the continuation bytes that were still acceptable.
      emit(replacement, start);
      i = j;
    }
  }

  offsets.push(bytes.length);
  return { text, offsets };
}

/** Number of continuation bytes and the allowed range of the first one (WHATWG Encoding, UTF-8 decoder). */
function sequenceShape(lead: number): [number, number, number] {
  if (lead >= 0xc2 && lead <= 0xdf) return [1, 0x80, 0xbf];
  if (lead === 0xe0) return [2, 0xa0, 0xbf];
  if (lead === 0xed) return [2, 0x80, 0x9f];
  if (lead >= 0xe1 && lead <= 0xef) return [2, 0x80, 0xbf];
  if (lead === 0xf0) return [3, 0x90, 0xbf];
  if (lead === 0xf4) return [3, 0x80, 0x8f];
  if (lead >= 0xf1 && lead <= 0xf3) return [3, 0x80, 0xbf];
  return [0, 0, 0];
}

/** Characters PHP's trim() removes by default. */
const PHP_TRIM_CHARS = ' \t\n\r\0\x0B';

export function phpTrim(value: string): string {
  return phpRtrim(phpLtrim(value));
}

export function phpLtrim(value: string): string {
  let start = 0;
  while (start < value.length && PHP_TRIM_CHARS.includes(value[start])) start++;
  return value.slice(start);
}

export function phpRtrim(value: string): string {
  let end = value.length;
  while (end > 0 && PHP_TRIM_CHARS.includes(value[end - 1])) end--;
  return value.slice(0, end);
}

/** C-locale isspace(), as used by PHP's ctype_space() and PCRE's `\s` without the `u` flag. */
export function isCSpace(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r' || char === '\v' || char === '\f';
}
