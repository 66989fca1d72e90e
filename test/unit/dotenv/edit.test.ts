// withValues(): byte-exact round trips and rewrites that touch only the intended lines.

import { describe, expect, it } from 'vitest';
import { InternalError } from '../../../src/errors.js';
import {
  assertOnlyKeysChanged,
  EnvParseError,
  EnvValueError,
  parseEnv,
  type Dialect,
} from '../../../src/dotenv/index.js';

const DIALECTS: Dialect[] = ['phpdotenv2', 'phpdotenv5'];

/** A file that both dialects accept, with most of what real `.env` files contain. */
const TRICKY = [
  '# Cachet settings',
  '',
  'APP_NAME=Cachet',
  'APP_ENV=production',
  'APP_DEBUG=false',
  'APP_KEY="base64:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="',
  'export APP_URL=https://status.example.com',
  '',
  'DB_DRIVER = mysql',
  "DB_HOST='127.0.0.1'",
  'DB_USERNAME=cachet # rotated 2024-05',
  'DB_PASSWORD="s3cret value"',
  '   MAIL_HOST=null',
  'MAIL_PASSWORD=null',
  'MAIL_FROM_NAME="${APP_NAME}"',
  '\tCACHET_BEACON=true\t',
].join('\n');

/** Splits into lines with their endings, so a diff also reports changed line endings. */
function lines(bytes: Buffer | string): string[] {
  return Buffer.from(bytes).toString('latin1').split(/(?<=\r\n|\n|\r(?!\n))/);
}

/** Indices of lines that differ between two texts with the same number of lines. */
function changedLineIndices(before: Buffer | string, after: Buffer | string): number[] {
  const a = lines(before);
  const b = lines(after);
  expect(b.length).toBe(a.length);
  return a.flatMap((line, index) => (line === b[index] ? [] : [index]));
}

describe('withValues', () => {
  const roundTrips: [string, Buffer][] = [
    ['tricky file', Buffer.from(TRICKY)],
    ['CRLF with trailing newline', Buffer.from(TRICKY.replaceAll('\n', '\r\n') + '\r\n')],
    ['mixed endings', Buffer.from('A=1\r\nB=2\nC=3\r\n')],
    ['byte-order mark', Buffer.from('\uFEFFAPP_NAME=Cachet\n')],
    ['invalid UTF-8', Buffer.from('A=a\xffb\n# \xc3(\n', 'latin1')],
    ['empty file', Buffer.alloc(0)],
    ['only comments', Buffer.from('# nothing\n\n\n')],
  ];

  for (const dialect of DIALECTS) {
    it.each(roundTrips)(`returns the exact bytes: %s (${dialect})`, (_name, bytes) => {
      const document = parseEnv(bytes, dialect);
      expect(document.toBuffer().equals(bytes)).toBe(true);
      expect(document.withValues({}).equals(bytes)).toBe(true);
    });
  }

  it('keeps lone CR line endings for phpdotenv 5', () => {
    const bytes = Buffer.from('A=1\rB=2\r\nC=3');
    const after = parseEnv(bytes, 'phpdotenv5').withValues({ B: '9' });
    expect(after.toString()).toBe('A=1\rB=9\r\nC=3');
  });

  it('rewrites only the effective line and keeps spacing, export and comments', () => {
    for (const dialect of DIALECTS) {
      const document = parseEnv(TRICKY, dialect);
      const after = document.withValues({
        APP_DEBUG: 'true',
        APP_URL: 'https://status.example.org',
        DB_DRIVER: 'pgsql',
        DB_USERNAME: 'cachet_app',
        MAIL_HOST: 'smtp.example.com',
        CACHET_BEACON: 'false',
      });
      const text = after.toString('utf8');
      expect(changedLineIndices(TRICKY, after)).toEqual([4, 6, 8, 10, 12, 15]);
      expect(text).toContain('\nAPP_DEBUG=true\n');
      expect(text).toContain('\nexport APP_URL=https://status.example.org\n');
      expect(text).toContain('\nDB_DRIVER = pgsql\n');
      expect(text).toContain('\nDB_USERNAME=cachet_app # rotated 2024-05\n');
      expect(text).toContain('\n   MAIL_HOST=smtp.example.com\n');
      expect(text.endsWith('\n\tCACHET_BEACON=false\t')).toBe(true);
    }
  });

  it('keeps the quote style when the value fits it', () => {
    for (const dialect of DIALECTS) {
      const after = parseEnv(TRICKY, dialect).withValues({ DB_HOST: 'db.internal', DB_PASSWORD: 'n3w' }).toString();
      expect(after).toContain("\nDB_HOST='db.internal'\n");
      expect(after).toContain('\nDB_PASSWORD="n3w"\n');
    }
  });

  it('switches to double quotes when the old style cannot hold the value', () => {
    const document = parseEnv("DB_HOST='x'\nDB_USERNAME=cachet\n", 'phpdotenv5');
    const after = document.withValues({ DB_HOST: "it's", DB_USERNAME: 'two words' }).toString();
    expect(after).toBe('DB_HOST="it\'s"\nDB_USERNAME="two words"\n');
  });

  it('appends missing keys with the file line ending', () => {
    const crlf = 'A=1\r\nB=2';
    const after = parseEnv(crlf, 'phpdotenv5').withValues({ C: '3', D: 'x y' });
    expect(after.toString()).toBe('A=1\r\nB=2\r\nC=3\r\nD="x y"\r\n');
    expect(parseEnv(Buffer.alloc(0), 'phpdotenv2').withValues({ A: '1' }).toString()).toBe('A=1\n');
  });

  it('rewrites the last duplicate for phpdotenv 5 and the first for phpdotenv 2', () => {
    const content = 'APP_DEBUG=true\nAPP_DEBUG=true\n';
    expect(parseEnv(content, 'phpdotenv5').withValues({ APP_DEBUG: 'false' }).toString()).toBe(
      'APP_DEBUG=true\nAPP_DEBUG=false\n',
    );
    expect(parseEnv(content, 'phpdotenv2').withValues({ APP_DEBUG: 'false' }).toString()).toBe(
      'APP_DEBUG=false\nAPP_DEBUG=true\n',
    );
  });

  it('replaces every line of a multi-line value', () => {
    const content = 'A=1\nKEY="-----BEGIN\nline\n-----END" # pem\nB=2\n';
    const after = parseEnv(content, 'phpdotenv5').withValues({ KEY: 'short' }).toString();
    expect(after).toBe('A=1\nKEY="short" # pem\nB=2\n');
  });

  it('turns a bare name into an assignment for phpdotenv 5', () => {
    expect(parseEnv('A=1\nA\n', 'phpdotenv5').withValues({ A: '2' }).toString()).toBe('A=1\nA=2\n');
  });

  it('separates a comment glued to the value', () => {
    const after = parseEnv('A=old#note\n', 'phpdotenv5').withValues({ A: 'new' }).toString();
    expect(after).toBe('A=new #note\n');
    expect(parseEnv(after, 'phpdotenv2').get('A')).toBe('new');
  });

  it('quotes an empty value followed by a comment', () => {
    const after = parseEnv('A=x #c\n', 'phpdotenv2').withValues({ A: '' }).toString();
    expect(after).toBe('A="" #c\n');
    expect(parseEnv('A=x\n', 'phpdotenv2').withValues({ A: '' }).toString()).toBe('A=\n');
  });

  it('rejects line breaks and references in values', () => {
    const document = parseEnv(TRICKY, 'phpdotenv5');
    for (const value of ['a\nAPP_DEBUG=true', 'a\rb', '${DB_PASSWORD}']) {
      expect(() => document.withValues({ MAIL_HOST: value })).toThrow(EnvValueError);
    }
    expect(() => document.withValues({ 'BAD KEY': 'x' })).toThrow(EnvValueError);
  });

  it('refuses a change that would also change a referencing key', () => {
    const document = parseEnv(TRICKY, 'phpdotenv5');
    expect(() => document.withValues({ APP_NAME: 'Status' })).toThrow(/MAIL_FROM_NAME refers to it/);
    const after = parseEnv(document.withValues({ APP_NAME: 'Status', MAIL_FROM_NAME: 'Status' }), 'phpdotenv5');
    expect(after.get('MAIL_FROM_NAME')).toBe('Status');
  });

  it('refuses to edit a file whose double quote is never closed', () => {
    const document = parseEnv('A=1\nDB_PASSWORD="abc\nDB_PORT=3306\n', 'phpdotenv5');
    expect(() => document.withValues({ A: '2' })).toThrow(EnvParseError);
    expect(document.withValues({}).toString()).toBe('A=1\nDB_PASSWORD="abc\nDB_PORT=3306\n');
  });

  it('leaves values that other dialect rules would read differently untouched', () => {
    // `a#b` is a comment for 5.x and part of the value for 2.x: editing another key must keep both readings.
    const content = 'A=a#b\nB=1\n';
    for (const dialect of DIALECTS) {
      const before = parseEnv(content, dialect);
      const after = parseEnv(before.withValues({ B: '2' }), dialect);
      expect(after.get('A')).toBe(before.get('A'));
    }
  });
});

describe('assertOnlyKeysChanged', () => {
  const before = parseEnv('A=1\nB=2\nC=3\n', 'phpdotenv5');

  it('accepts changes to the listed keys', () => {
    expect(() => assertOnlyKeysChanged(before, parseEnv('A=9\nB=2\nC=3\nD=4\n', 'phpdotenv5'), ['A', 'D'])).not.toThrow();
  });

  it('throws for a changed key', () => {
    expect(() => assertOnlyKeysChanged(before, parseEnv('A=9\nB=8\nC=3\n', 'phpdotenv5'), ['A'])).toThrow(
      /B has a different value/,
    );
  });

  it('throws for a missing key', () => {
    expect(() => assertOnlyKeysChanged(before, parseEnv('A=1\nB="2\nC=3\n', 'phpdotenv5'), [])).toThrow(InternalError);
  });

  it('throws for a new key', () => {
    expect(() => assertOnlyKeysChanged(before, parseEnv('A=1\nB=2\nC=3\nE=5\n', 'phpdotenv5'), [])).toThrow(
      /E appeared/,
    );
  });

  it('names keys but not values', () => {
    let message = '';
    try {
      assertOnlyKeysChanged(before, parseEnv('A=1\nB=hunter2\nC=3\n', 'phpdotenv5'), []);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('B');
    expect(message).not.toContain('hunter2');
  });
});
