// The phpdotenv 5 dialect, as a table of rules read from phpdotenv 5.4 (Parser/*.php, Loader/Resolver.php).
// phpdotenv5-real.test.ts checks the same kind of input against the installed parser.

import { describe, expect, it } from 'vitest';
import { EnvParseError, parseEnv } from '../../../src/dotenv/index.js';

type Row = [name: string, content: string, expected: Record<string, string>];

const ROWS: Row[] = [
  ['hash starts a comment anywhere', 'A=a#b\n', { A: 'a' }],
  ['value starting with hash is empty', 'A=#ab\n', { A: '' }],
  ['single quotes are literal', "H=h\nA='a\\n${H}'\n", { H: 'h', A: 'a\\n${H}' }],
  ['double-quote escapes', 'A="\\"\\\\\\$\\n\\r\\t\\f\\v"\n', { A: '"\\$\n\r\t\f\v' }],
  ['interpolation in double quotes', 'H=h\nA="a${H}"\n', { H: 'h', A: 'ah' }],
  ['interpolation unquoted', 'H=h\nA=a${H}\n', { H: 'h', A: 'ah' }],
  ['escaped dollar is literal', 'H=h\nA="a\\${H}"\n', { H: 'h', A: 'a${H}' }],
  ['bare dollars are literal', 'A=pa$$w0rd\n', { A: 'pa$$w0rd' }],
  ['quoted values keep inner spaces', 'A="  a b  "\n', { A: '  a b  ' }],
  ['multi-line value', 'A="one\ntwo"\nB=3\n', { A: 'one\ntwo', B: '3' }],
  ['multi-line value with CRLF joins with LF', 'A="one\r\ntwo"\r\nB=3\r\n', { A: 'one\ntwo', B: '3' }],
  ['unclosed double quote drops the rest', 'A=1\nB="abc\nC=3\n', { A: '1' }],
  ['last duplicate wins', 'A=1\nB=${A}\nA=2\n', { A: '2', B: '1' }],
  ['bare name unsets', 'A=1\nA\n', {}],
  ['byte-order mark stripped', '\uFEFFAPP_NAME=Cachet\n', { APP_NAME: 'Cachet' }],
  ['export prefix', 'export APP_ENV=production\n', { APP_ENV: 'production' }],
  ['null placeholder is a string', 'MAIL_HOST=null\n', { MAIL_HOST: 'null' }],
];

type ErrorRow = [name: string, content: string, line: number];

const ERROR_ROWS: ErrorRow[] = [
  ['whitespace in unquoted value', 'A=1\nMAIL_NAME=Example Status Page\n', 2],
  ['unknown escape', 'A="\\q"\n', 1],
  ['text after closing quote', 'A="ab"c\n', 1],
  ['unclosed single quote', "A='abc\n", 1],
  ['invalid name', 'MY-KEY=1\n', 1],
  ['export with a one-letter name', 'export A=1\n', 1],
  ['missing name', '=1\n', 1],
  ['multi-line value that breaks later', 'A=1\nB="abc\nC=1\nD="x"\n', 2],
];

describe('phpdotenv 5 dialect rules', () => {
  it.each(ROWS)('%s', (_name, content, expected) => {
    const document = parseEnv(content, 'phpdotenv5');
    expect(Object.fromEntries(document.toMap())).toEqual(expected);
  });

  it.each(ERROR_ROWS)('rejects %s', (_name, content, line) => {
    let caught: unknown;
    try {
      parseEnv(content, 'phpdotenv5');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvParseError);
    expect((caught as EnvParseError).line).toBe(line);
  });

  it('keeps the secret out of error messages', () => {
    const contents = ['DB_PASSWORD=hunter2 secret\n', 'DB_PASSWORD="hunter2\\qsecret"\n', 'DB_PASSWORD="hunter2"secret\n'];
    for (const content of contents) {
      let message = '';
      try {
        parseEnv(content, 'phpdotenv5');
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain('DB_PASSWORD');
      expect(message).not.toContain('hunter2');
      expect(message).not.toContain('secret');
    }
  });

  it('keeps environment variables over the file', () => {
    const document = parseEnv('A=file\nA\nB=${A}\n', 'phpdotenv5', { environment: { A: 'env' } });
    expect(document.get('A')).toBe('env');
    expect(document.get('B')).toBe('env');
  });

  it('reports an unterminated multi-line value', () => {
    const document = parseEnv('A=1\nB="abc\nC=3\n', 'phpdotenv5');
    expect(document.unterminatedLine).toBe(2);
    expect(parseEnv('A="x\ny"\n', 'phpdotenv5').unterminatedLine).toBeUndefined();
  });

  it('reports entry details', () => {
    const document = parseEnv("A=1\nexport BB='x' # c\nC=\"m\nn\"\nA=2\n", 'phpdotenv5');
    expect(document.entries()).toEqual([
      { key: 'A', value: '1', line: 1, rawValue: '1', quote: 'none', exported: false },
      { key: 'BB', value: 'x', line: 2, rawValue: "'x'", quote: 'single', exported: true },
      { key: 'C', value: 'm\nn', line: 3, rawValue: '"m\nn"', quote: 'double', exported: false },
      { key: 'A', value: '2', line: 5, rawValue: '2', quote: 'none', exported: false },
    ]);
  });
});
