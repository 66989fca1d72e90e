// `.env` situations reported by Cachet users, checked per dialect and, for phpdotenv 5, with the real parser.

import { describe, expect, it } from 'vitest';
import { EnvParseError, envBool, parseEnv, type Dialect } from '../../../src/dotenv/index.js';
import { loadOneWithPhpdotenv5 } from '../../helpers/phpdotenv5.js';

const DIALECTS: Dialect[] = ['phpdotenv2', 'phpdotenv5'];

function parseError(content: string, dialect: Dialect): EnvParseError {
  try {
    parseEnv(content, dialect);
  } catch (error) {
    if (error instanceof EnvParseError) return error;
    throw error;
  }
  throw new Error('expected an EnvParseError');
}

describe('real-world .env files', () => {
  it('treats APP_DEBUG=off as debug on', async () => {
    const content = 'APP_ENV=development\nAPP_DEBUG=off\nDEBUGBAR_ENABLED=true\n';
    for (const dialect of DIALECTS) expect(envBool(parseEnv(content, dialect).get('APP_DEBUG'), dialect)).toBe(true);
    const real = await loadOneWithPhpdotenv5(content);
    expect(real).toMatchObject({ ok: true, values: { APP_DEBUG: 'off' } });
  });

  it('rejects an unquoted multi-word MAIL_NAME on its line', async () => {
    // cachethq/cachet#3612: one such line took every page of the site down.
    const content = 'APP_ENV=production\nMAIL_HOST=smtp.example.com\nMAIL_NAME=Example Status Page\nMAIL_PORT=25\n';
    for (const dialect of DIALECTS) {
      const error = parseError(content, dialect);
      expect(error.line).toBe(3);
      expect(error.message).toContain('MAIL_NAME');
      expect(error.message).not.toContain('Example');
    }
    const real = await loadOneWithPhpdotenv5(content);
    expect(real.ok).toBe(false);
  });

  it('loses every key after an unclosed double quote in phpdotenv 5', async () => {
    const content =
      'APP_ENV=production\nDB_PASSWORD="abc\nDB_PORT=3306\nAPP_KEY=base64:AAAA\nDB_USERNAME=cachet # rotated 2024-05\n';
    const real = await loadOneWithPhpdotenv5(content);
    expect(real).toEqual({ ok: true, values: { APP_ENV: 'production' } });

    const document = parseEnv(content, 'phpdotenv5');
    expect(Object.fromEntries(document.toMap())).toEqual({ APP_ENV: 'production' });
    expect(document.unterminatedLine).toBe(2);
    expect(() => document.withValues({ DB_PASSWORD: 'fixed' })).toThrow(EnvParseError);

    expect(parseError(content, 'phpdotenv2').line).toBe(2);
  });

  it('keeps the trailing comment of a rewritten DB_USERNAME', async () => {
    const content = 'DB_HOST=localhost\nDB_USERNAME=cachet # rotated 2024-05\nDB_PASSWORD=secret\n';
    for (const dialect of DIALECTS) {
      const after = parseEnv(content, dialect).withValues({ DB_USERNAME: 'cachet_app' }).toString();
      expect(after).toBe('DB_HOST=localhost\nDB_USERNAME=cachet_app # rotated 2024-05\nDB_PASSWORD=secret\n');
      const real = await loadOneWithPhpdotenv5(after);
      expect(real).toMatchObject({ ok: true, values: { DB_USERNAME: 'cachet_app' } });
    }
  });

  it('keeps MAIL_HOST=null when other keys change', () => {
    // Cachet 2.x's mail settings page replaces the literal text `MAIL_HOST=null`, so the placeholder must stay.
    const content = 'MAIL_DRIVER=log\nMAIL_HOST=null\nMAIL_PASSWORD=null\nDB_PASSWORD=s3cretValue\n';
    for (const dialect of DIALECTS) {
      const after = parseEnv(content, dialect).withValues({ DB_PASSWORD: 'N3wGeneratedValue0123456789abcdefgh' });
      expect(after.toString()).toBe(
        'MAIL_DRIVER=log\nMAIL_HOST=null\nMAIL_PASSWORD=null\nDB_PASSWORD=N3wGeneratedValue0123456789abcdefgh\n',
      );
    }
  });

  it('resolves dollar signs and references as each dialect does', async () => {
    const lines = {
      UNQUOTED: 'aa${DB_HOST}bb',
      SINGLE: "'aa${DB_HOST}bb'",
      ESCAPED: '"aa\\${DB_HOST}bb"',
      DOLLARS: 'pa$$w0rd',
    };
    const content =
      'DB_HOST=127.0.0.1\n' + Object.entries(lines).map(([key, value]) => `${key}=${value}\n`).join('');

    const expected5 = {
      DB_HOST: '127.0.0.1',
      UNQUOTED: 'aa127.0.0.1bb',
      SINGLE: 'aa${DB_HOST}bb',
      ESCAPED: 'aa${DB_HOST}bb',
      DOLLARS: 'pa$$w0rd',
    };
    expect(Object.fromEntries(parseEnv(content, 'phpdotenv5').toMap())).toEqual(expected5);
    expect(await loadOneWithPhpdotenv5(content)).toEqual({ ok: true, values: expected5 });

    expect(Object.fromEntries(parseEnv(content, 'phpdotenv2').toMap())).toEqual({
      DB_HOST: '127.0.0.1',
      UNQUOTED: 'aa127.0.0.1bb',
      SINGLE: 'aa127.0.0.1bb',
      ESCAPED: 'aa\\127.0.0.1bb',
      DOLLARS: 'pa$$w0rd',
    });
  });

  it('leaves MAIL_FROM_NAME="${APP_NAME}" untouched when other keys change', async () => {
    const content = 'APP_NAME=Cachet\nAPP_DEBUG=true\nMAIL_FROM_NAME="${APP_NAME}"\n';
    for (const dialect of DIALECTS) {
      const after = parseEnv(content, dialect).withValues({ APP_DEBUG: 'false', APP_ENV: 'production' });
      expect(after.toString()).toBe('APP_NAME=Cachet\nAPP_DEBUG=false\nMAIL_FROM_NAME="${APP_NAME}"\nAPP_ENV=production\n');
      expect(parseEnv(after, dialect).get('MAIL_FROM_NAME')).toBe('Cachet');
    }
    const real = await loadOneWithPhpdotenv5(parseEnv(content, 'phpdotenv5').withValues({ APP_DEBUG: 'false' }));
    expect(real).toMatchObject({ ok: true, values: { MAIL_FROM_NAME: 'Cachet' } });
  });

  it('picks the effective duplicate of an injected key per dialect', () => {
    // A newline injected through the mail settings appends keys after the MAIL_* block.
    const content = 'APP_DEBUG=false\nMAIL_HOST=smtp.example.com\nMAIL_NAME=${DB_PASSWORD}\nAPP_DEBUG=true\n';
    const environment = { DB_PASSWORD: 'from-env' };
    expect(parseEnv(content, 'phpdotenv2', { environment }).get('APP_DEBUG')).toBe('false');
    expect(parseEnv(content, 'phpdotenv5', { environment }).get('APP_DEBUG')).toBe('true');
    const entries = parseEnv(content, 'phpdotenv5', { environment }).entries();
    expect(entries.find((entry) => entry.key === 'MAIL_NAME')?.rawValue).toBe('${DB_PASSWORD}');
  });

  it('lets a variable set by the web server win over .env', async () => {
    // Apache `SetEnv DB_PASSWORD ...` reaches PHP as an environment variable, which neither version overwrites.
    const content = 'DB_USERNAME=cachet\nDB_PASSWORD=cachet\n';
    const environment = { DB_PASSWORD: 'from-apache' };
    for (const dialect of DIALECTS) expect(parseEnv(content, dialect, { environment }).get('DB_PASSWORD')).toBe('from-apache');
    const real = await loadOneWithPhpdotenv5(content, environment);
    expect(real).toMatchObject({ ok: true, values: { DB_PASSWORD: 'from-apache' } });
  });
});
