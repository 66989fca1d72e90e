// The phpdotenv 2 dialect, as a table of rules read from vlucas/phpdotenv v2.6.9 (src/Loader.php, src/Parser.php).
// No 2.x parser is installed here, so each row states the value that source produces.

import { describe, expect, it } from 'vitest';
import { EnvParseError, parseEnv } from '../../../src/dotenv/index.js';

type Row = [name: string, content: string, expected: Record<string, string>];

const ROWS: Row[] = [
  ['plain value', 'A=1\n', { A: '1' }],
  ['hash inside unquoted value is kept', 'A=a#b\n', { A: 'a#b' }],
  ['value starting with hash is kept', 'A=#ab\n', { A: '#ab' }],
  ['space hash starts a comment', 'A=abc #note\n', { A: 'abc' }],
  ['hash value with space counts as comment', 'A=#a b\n', { A: '' }],
  ['empty after equals with comment', 'A= # note\n', { A: '' }],
  ['double quotes', 'A="a b"\n', { A: 'a b' }],
  ['single quotes behave like double', "A='a b'\n", { A: 'a b' }],
  ['quoted value is trimmed', 'A="  a b  "\n', { A: 'a b' }],
  ['escaped double quote', 'A="a\\"b"\n', { A: 'a"b' }],
  ['escaped single quote in single quotes', "A='a\\'b'\n", { A: "a'b" }],
  ['other quote is literal', 'A="a\'b"\nB=\'a"b\'\n', { A: "a'b", B: 'a"b' }],
  ['escaped backslash', 'A="a\\\\b"\n', { A: 'a\\b' }],
  ['backslash n stays two characters', 'A="a\\nb"\n', { A: 'a\\nb' }],
  ['backslash dollar stays', 'A="a\\$b"\n', { A: 'a\\$b' }],
  ['hash inside quotes', 'A="a # b"\n', { A: 'a # b' }],
  ['comment after closing quote', 'A="x" # note\nB=\'y\'#n\n', { A: 'x', B: 'y' }],
  ['quote inside unquoted value', 'A=a"b\n', { A: 'a"b' }],
  ['interpolation unquoted', 'H=127.0.0.1\nA=aa${H}bb\n', { H: '127.0.0.1', A: 'aa127.0.0.1bb' }],
  ['interpolation in single quotes', "H=h\nA='aa${H}bb'\n", { H: 'h', A: 'aahbb' }],
  ['interpolation after backslash', 'H=h\nA="aa\\${H}bb"\n', { H: 'h', A: 'aa\\hbb' }],
  ['bare dollars are literal', 'A=pa$$w0rd\nB=$x\n', { A: 'pa$$w0rd', B: '$x' }],
  ['unknown reference stays', 'A=${NOPE}\n', { A: '${NOPE}' }],
  ['reference to a later line stays', 'A=${B}\nB=1\n', { A: '${B}', B: '1' }],
  ['replacement is not rescanned', 'A=${B}\nC=${A}\n', { A: '${B}', C: '${B}' }],
  ['first duplicate wins', 'A=1\nA=2\nB=${A}\n', { A: '1', B: '1' }],
  ['export prefix stripped', 'export A=1\nexport  B=2\n', { A: '1', B: '2' }],
  ['quotes removed from names', '"A"=1\n\'B\'=2\n', { A: '1', B: '2' }],
  ['names are not validated', 'MY-KEY=1\n', { 'MY-KEY': '1' }],
  ['spaces around equals', 'A = 1\n  B=2\n', { A: '1', B: '2' }],
  ['line without equals is ignored', 'JUSTTEXT\nA=1\n', { A: '1' }],
  ['comment lines ignored', '# A=1\n  # B=2\nC=3\n', { C: '3' }],
  ['zero kept', 'A=0\n', { A: '0' }],
  ['null placeholder is a string', 'MAIL_HOST=null\n', { MAIL_HOST: 'null' }],
  ['empty values', 'A=\nB=""\nC=\'\'\n', { A: '', B: '', C: '' }],
  ['crlf line endings', 'A=1\r\nB="x"\r\n', { A: '1', B: 'x' }],
  ['cr only line endings', 'A=1\rB=2\r', { A: '1', B: '2' }],
  ['byte-order mark becomes part of the first name', '\uFEFFAPP_NAME=Cachet\nB=1\n', { '\uFEFFAPP_NAME': 'Cachet', B: '1' }],
  ['unicode passes through', 'A="日本 ✓"\n', { A: '日本 ✓' }],
];

type ErrorRow = [name: string, content: string, line: number];

const ERROR_ROWS: ErrorRow[] = [
  ['whitespace in unquoted value', 'A=1\nMAIL_NAME=Example Status Page\n', 2],
  ['tab in unquoted value', 'A=a\tb\n', 1],
  ['tab before hash, which is no comment', 'A=abc\t#x\n', 1],
  ['text after closing quote', 'A="ab"c\n', 1],
  ['quote in the middle', 'DB_PASSWORD="ab"c"\n', 1],
  ['unclosed double quote', 'DB_PASSWORD="abc\nDB_PORT=3306\n', 1],
  ['unclosed single quote', "A='abc\n", 1],
  ['escape at the end', 'A="abc\\"\n', 1],
  ['lone carriage return inside a line of an LF file', 'A=1\nB=2\rC=3\n', 2],
];

describe('phpdotenv 2 dialect rules', () => {
  it.each(ROWS)('%s', (_name, content, expected) => {
    const document = parseEnv(content, 'phpdotenv2');
    expect(Object.fromEntries(document.toMap())).toEqual(expected);
  });

  it.each(ERROR_ROWS)('rejects %s', (_name, content, line) => {
    let caught: unknown;
    try {
      parseEnv(content, 'phpdotenv2');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvParseError);
    expect((caught as EnvParseError).line).toBe(line);
  });

  it('keeps environment variables over the file', () => {
    const document = parseEnv('A=file\nB=${A}\n', 'phpdotenv2', { environment: { A: 'env' } });
    expect(document.get('A')).toBe('env');
    expect(document.get('B')).toBe('env');
  });

  it('leaves invalid UTF-8 to the end', () => {
    // 2.x substitutes on raw bytes: an empty reference joins the two halves of "é".
    const bytes = Buffer.from('E=\nA=\xc3${E}\xa9\nB=a\xffb\n', 'latin1');
    const document = parseEnv(bytes, 'phpdotenv2');
    expect(document.get('A')).toBe('é');
    expect(document.get('B')).toBe('a\uFFFDb');
  });

  it('reports entry details', () => {
    const [entry] = parseEnv('export DB_PASSWORD="pa ss" # note\n', 'phpdotenv2').entries();
    expect(entry).toEqual({
      key: 'DB_PASSWORD',
      value: 'pa ss',
      line: 1,
      rawValue: '"pa ss"',
      quote: 'double',
      exported: true,
    });
  });
});
