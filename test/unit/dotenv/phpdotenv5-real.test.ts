// Compares our phpdotenv 5 resolution with the real parser (php-cli + Debian's php-vlucas-phpdotenv 5.4).

import { beforeAll, describe, expect, it } from 'vitest';
import { EnvParseError, parseEnv } from '../../../src/dotenv/index.js';
import { loadWithPhpdotenv5, type RealResult } from '../../helpers/phpdotenv5.js';

interface Case {
  name: string;
  content: string | Buffer;
  environment?: Record<string, string>;
  /** Expected line of the parse error, when the real parser rejects the file. */
  errorLine?: number;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

const CASES: Case[] = [
  { name: 'plain values', content: 'APP_NAME=Cachet\nAPP_ENV=production\n' },
  { name: 'comment lines and blanks', content: '# comment\n\n   # indented\nA=1\n\n' },
  { name: 'hash inside unquoted value', content: 'A=a#b\n' },
  { name: 'value starting with hash', content: 'A=#ab\n' },
  { name: 'space hash comment', content: 'A=abc # note\nB=abc   #note\n' },
  { name: 'hash in quotes', content: 'A="a#b"\nB=\'a#b\'\n' },
  { name: 'single quotes literal', content: "A='x\\ny ${B} \\\\'\n" },
  { name: 'double-quote escapes', content: 'A="q\\"b\\\\s\\$d\\nn\\rr\\tt\\ff\\vv"\n' },
  { name: 'escape followed by word', content: 'A="\\nabc\\tdef"\n' },
  { name: 'unknown escape', content: 'OK=1\nA="a\\qb"\n', errorLine: 2 },
  { name: 'escaped single quote', content: 'A="a\\\'b"\n', errorLine: 1 },
  { name: 'escaped hash', content: 'A="a\\#b"\n', errorLine: 1 },
  { name: 'interpolation unquoted', content: 'H=127.0.0.1\nA=aa${H}bb\n' },
  { name: 'interpolation in double quotes', content: 'H=h\nA="aa${H}bb"\n' },
  { name: 'no interpolation in single quotes', content: "H=h\nA='aa${H}bb'\n" },
  { name: 'escaped dollar', content: 'H=h\nA="aa\\${H}bb"\n' },
  { name: 'double dollar', content: 'A=pa$$w0rd\nB="pa$$w0rd"\nC=$\nD="$"\n' },
  { name: 'undefined reference kept', content: 'A=${NOPE}x\nB="${NOPE}"\n' },
  { name: 'reference sees only earlier lines', content: 'A=${B}\nB=1\nC=${B}\n' },
  { name: 'reference to environment', content: 'A=${HOME_DIR}/x\n', environment: { HOME_DIR: '/srv' } },
  { name: 'nested reference', content: 'X=Y\nAY=found\nA=${A${X}}\n' },
  { name: 'reference with dots', content: 'a.b=1\nC=${a.b}\n' },
  { name: 'braces without dollar', content: 'A={x}\n' },
  { name: 'multi-line double quoted', content: 'A="line1\nline2"\nB=after\n' },
  { name: 'multi-line with escape', content: 'A="one\\"\ntwo"\nB=2\n' },
  { name: 'multi-line lone quote', content: 'A="one\n"\nB=2\n' },
  { name: 'unclosed double quote swallows', content: 'DB_PASSWORD="abc\nDB_PORT=3306\nAPP_KEY=base64:x\nDB_USERNAME=cachet # rotated 2024-05\n' },
  { name: 'unclosed double quote then quoted', content: 'A="abc\nB=1\nC="x"\n', errorLine: 1 },
  { name: 'unclosed double then lone closing', content: 'A="abc\nB=1\n"\nD=4\n' },
  { name: 'comment line opening a quote', content: '# say ="hi\nA=1\nB="x"\nC=3\n' },
  { name: 'unclosed single quote', content: "A='abc\nB=1\n", errorLine: 1 },
  { name: 'quote inside unquoted', content: 'A=a"b\nB=a\'b\n' },
  { name: 'text after closing quote', content: 'A="ab"c\n', errorLine: 1 },
  { name: 'quote in middle of double quoted', content: 'DB_PASSWORD="ab"c"\n', errorLine: 1 },
  { name: 'whitespace in unquoted', content: 'A=1\nMAIL_NAME=Example Status Page\n', errorLine: 2 },
  { name: 'spaces around equals', content: 'A = 1\nB=  2  \n  C=3\n' },
  { name: 'tabs around value', content: 'A=\t1\t\n' },
  { name: 'export prefix', content: 'export APP_ENV=production\nexport  B=2\n' },
  { name: 'short export name', content: 'export A=1\n', errorLine: 1 },
  { name: 'export alone as name', content: 'export=1\n' },
  { name: 'quoted names', content: '"A"=1\n\'B\'=2\n' },
  { name: 'invalid name', content: 'OK=1\nMY-KEY=1\n', errorLine: 2 },
  { name: 'name with space', content: 'MY KEY=1\n', errorLine: 1 },
  { name: 'leading equals', content: '=value\n', errorLine: 1 },
  { name: 'bare name unsets', content: 'A=1\nA\nB=${A}\n' },
  { name: 'bare name then set', content: 'A\nA=2\n' },
  { name: 'duplicates last wins', content: 'A=1\nB=${A}\nA=2\nC=${A}\n' },
  { name: 'environment wins', content: 'A=file\nB=${A}\n', environment: { A: 'env' } },
  { name: 'environment wins over unset', content: 'A\n', environment: { A: 'env' } },
  { name: 'null placeholder', content: 'MAIL_HOST=null\nMAIL_PASSWORD=null\n' },
  { name: 'empty values', content: 'A=\nB=""\nC=\'\'\nD= \nE= # c\n' },
  { name: 'comment right after equals', content: 'A=#c\n' },
  { name: 'crlf endings', content: 'A=1\r\nB="x"\r\n# c\r\nC=3\r\n' },
  { name: 'cr only endings', content: 'A=1\rB=2\r' },
  { name: 'mixed endings', content: 'A=1\r\nB=2\nC=3\rD=4' },
  { name: 'crlf multi-line', content: 'A="x\r\ny"\r\nB=2\r\n' },
  { name: 'byte-order mark', content: Buffer.concat([BOM, Buffer.from('APP_NAME=Cachet\n')]) },
  { name: 'no trailing newline', content: 'A=1\nB=2' },
  { name: 'unicode value', content: 'A=héllo\nB="日本語 ✓"\nC=😀\n' },
  { name: 'invalid utf-8 bytes', content: Buffer.from('A=a\xffb\nB="\xc3(x"\nC=\xe2\x82\n', 'latin1') },
  { name: 'form feed leading', content: 'A=\f\fab\n' },
  { name: 'form feed inside', content: 'A=a\fb\n', errorLine: 1 },
  { name: 'vertical tab trimmed', content: 'A=\vab\v\n' },
  { name: 'escape at end of double quotes', content: 'A="abc\\"\n' },
  { name: 'escaped backslash before closing', content: 'A="abc\\\\"\nB=2\n' },
  { name: 'backslash unquoted', content: 'A=a\\b\\\n' },
  { name: 'parentheses and punctuation', content: 'A=(true)\nB=a(b)c\nC=!%&*\n' },
  { name: 'equals in value', content: 'A=a=b==\nB="x=y"\n' },
  { name: 'base64 key', content: 'APP_KEY=base64:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n' },
  { name: 'quoted value then comment', content: 'A="a b" # c\nB=\'x\'#c\n' },
  { name: 'interpolation of app name', content: 'APP_NAME=Cachet\nMAIL_FROM_NAME="${APP_NAME}"\n' },
  { name: 'interpolation of empty value', content: 'E=\nA=x${E}y\n' },
];

describe('phpdotenv 5 dialect against the real parser', () => {
  let real: RealResult[];

  beforeAll(async () => {
    real = await loadWithPhpdotenv5(CASES.map(({ content, environment }) => ({ content, environment })));
  });

  it.each(CASES.map((testCase, index) => [testCase.name, index] as const))('%s', (_name, index) => {
    const testCase = CASES[index];
    const result = real[index];
    const parse = () => parseEnv(Buffer.from(testCase.content), 'phpdotenv5', { environment: testCase.environment });

    if (!result.ok) {
      expect(testCase.errorLine, `real parser rejected the file: ${result.error}`).toBeDefined();
      let caught: unknown;
      try {
        parse();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(EnvParseError);
      expect((caught as EnvParseError).line).toBe(testCase.errorLine);
      return;
    }

    expect(testCase.errorLine).toBeUndefined();
    const expected = Object.fromEntries(Object.entries(result.values).filter(([, value]) => value !== null));
    expect(Object.fromEntries(parse().toMap())).toEqual(expected);
  });
});
