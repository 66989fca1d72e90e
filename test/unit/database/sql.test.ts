// Quoting, password generation, grant parsing and the planned SQL, without a server.

import { mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, test } from 'vitest';

import { assessPassword, generatePassword, isLaravelKeyword } from '../../../src/database/password.js';
import { bindParameters, mysqlAccount, quoteMysqlGrantDatabase, quotePgLiteral, validateAccountName } from '../../../src/database/identifiers.js';
import { parseMysqlGrant, summariseMysqlGrants, migrationPrivileges } from '../../../src/database/grants.js';
import { chooseAuthPlugin, mysqlCreateAccount } from '../../../src/database/sql-mysql.js';
import { pgCreateRuntimeRole } from '../../../src/database/sql-pgsql.js';
import { credentialFindings } from '../../../src/database/inspect.js';
import { inspectSqlite } from '../../../src/database/sqlite.js';
import type { MysqlServerInfo } from '../../../src/database/mysql.js';
import type { DbSettings } from '../../../src/types.js';
import { Secret } from '../../../src/util/secret.js';
import { UsageError } from '../../../src/errors.js';

const settings = (overrides: Partial<DbSettings>): DbSettings => ({
  driver: 'mysql',
  driverKey: 'DB_DRIVER',
  host: 'localhost',
  port: null,
  database: 'cachet',
  username: 'cachet',
  password: 'cachet',
  socket: null,
  prefix: '',
  schema: null,
  ...overrides,
});

describe('generatePassword', () => {
  test('40 alphanumeric characters by default', () => {
    for (let i = 0; i < 50; i++) {
      const password = generatePassword();
      expect(password).toMatch(/^[A-Za-z0-9]{40}$/);
      expect(isLaravelKeyword(password)).toBe(false);
    }
  });

  test('specials only from -_. and inside', () => {
    const password = generatePassword({ specials: true, length: 32 });
    expect(password).toHaveLength(32);
    expect(password).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*[._-][A-Za-z0-9._-]*[A-Za-z0-9]$/);
  });

  test('refuses lengths under 32', () => {
    expect(() => generatePassword({ length: 16 })).toThrow(RangeError);
  });
});

describe('password rules', () => {
  test('Laravel keywords in any case', () => {
    expect(isLaravelKeyword('NULL')).toBe(true);
    expect(isLaravelKeyword('(empty)')).toBe(true);
    expect(isLaravelKeyword('nullable')).toBe(false);
  });

  test('weak credential table', () => {
    expect(assessPassword('homestead', 'secret')).toEqual(['default', 'common', 'short']);
    expect(assessPassword('cachet', 'cachet')).toEqual(['default', 'equals-user', 'common', 'short']);
    expect(assessPassword('app', null)).toEqual(['empty']);
    expect(assessPassword('app', 'Xk3pQ9zLm2Vb7Rt5Wn8Y')).toEqual([]);
  });

  test('findings mask the password', () => {
    const findings = credentialFindings(settings({ username: 'root', password: 'rootroot' }), 'mysql');
    expect(findings.map((f) => f.id)).toEqual(['db.weak-password', 'db.root-account']);
    expect(JSON.stringify(findings)).not.toContain('rootroot');
  });
});

describe('identifiers', () => {
  test('grant database escapes LIKE wildcards', () => {
    expect(quoteMysqlGrantDatabase('cachet_prod')).toBe('`cachet\\_prod`');
    expect(quoteMysqlGrantDatabase('a%b')).toBe('`a\\%b`');
  });

  test('account names are validated', () => {
    expect(mysqlAccount('cachet_app', '127.0.0.1')).toBe("'cachet_app'@'127.0.0.1'");
    expect(() => validateAccountName("x'; DROP USER root; --")).toThrow(UsageError);
    expect(() => mysqlAccount('ok', "h' OR 1")).toThrow(UsageError);
  });

  test('PostgreSQL literals double quotes and backslashes', () => {
    expect(quotePgLiteral("it's")).toBe("'it''s'");
    expect(quotePgLiteral('a\\b')).toBe("E'a\\\\b'");
  });

  test('placeholders inside quotes are not parameters', () => {
    expect(bindParameters("SELECT '?' , ?", ['x'], 'mysql')).toBe("SELECT '?' , 'x'");
    expect(bindParameters('SELECT "$1", $1', [new Secret("p'w")], 'pgsql')).toBe(`SELECT "$1", 'p''w'`);
    expect(() => bindParameters('SELECT ?', [], 'mysql')).toThrow();
  });
});

describe('SHOW GRANTS parsing', () => {
  test('MariaDB lines by level', () => {
    const lines = [
      "GRANT USAGE ON *.* TO `cachet`@`localhost` IDENTIFIED BY PASSWORD '*ABC'",
      'GRANT ALL PRIVILEGES ON `cachet`.* TO `cachet`@`localhost` WITH GRANT OPTION',
      'GRANT SELECT ON `other\\_db`.* TO `cachet`@`localhost`',
      'GRANT SELECT (`id`, `name`), INSERT ON `cachet`.`users` TO `cachet`@`localhost`',
    ];
    expect(parseMysqlGrant(lines[3]!).privileges).toEqual(['SELECT (`ID`, `NAME`)', 'INSERT']);
    const summary = summariseMysqlGrants(lines, 'cachet');
    expect(summary.global).toEqual([]);
    expect(summary.grantOption).toBe(true);
    expect(summary.elsewhere).toEqual([lines[2]]);
    expect([...summary.onDatabase]).toContain('ALL PRIVILEGES');
  });

  test('global ALL is reported', () => {
    const summary = summariseMysqlGrants(['GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost`'], 'cachet');
    expect(summary.global).toEqual(['ALL PRIVILEGES']);
  });

  test('migration privileges by line', () => {
    expect(migrationPrivileges('2.x')).not.toContain('REFERENCES');
    expect(migrationPrivileges('3.x')).toContain('REFERENCES');
  });
});

describe('planned SQL', () => {
  test('MySQL preview masks the password', () => {
    const password = new Secret('S3cretGeneratedValueForTheTest0000');
    const batch = mysqlCreateAccount({ user: 'cachet_app', host: 'localhost', database: 'cachet_prod', privileges: ['SELECT'], password, plugin: null });
    const text = JSON.stringify(batch);
    expect(text).not.toContain(password.reveal());
    expect(batch.statements[0]!.preview).toBe("CREATE USER 'cachet_app'@'localhost' IDENTIFIED BY '********'");
    expect(bindParameters(batch.statements[0]!.sql, batch.statements[0]!.params!, 'mysql')).toContain(`'${password.reveal()}'`);
    expect(batch.undo.map((s) => s.sql)).toEqual(["DROP USER IF EXISTS 'cachet_app'@'localhost'"]);
  });

  test('PostgreSQL runtime role covers sequences', () => {
    const batch = pgCreateRuntimeRole({ role: 'cachet_app', database: 'cachet', schema: 'public', password: new Secret('x'.repeat(40)), creators: ['cachet'] });
    const sql = batch.statements.map((s) => s.preview);
    expect(sql).toContain('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "public" TO "cachet_app"');
    expect(sql).toContain('ALTER DEFAULT PRIVILEGES FOR ROLE "cachet" IN SCHEMA "public" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "cachet_app"');
    expect(batch.undo.at(-1)!.sql).toBe('DROP ROLE IF EXISTS "cachet_app"');
  });

  test('auth plugin for old PHP on MySQL 8', () => {
    const mysql = (version: string, major: number, minor: number): MysqlServerInfo => ({
      version,
      isMariaDb: false,
      major,
      minor,
      defaultAuthPlugin: 'caching_sha2_password',
      requiresSpecialCharacter: false,
    });
    expect(chooseAuthPlugin(mysql('8.0.36', 8, 0), 70200).plugin).toBe('mysql_native_password');
    expect(chooseAuthPlugin(mysql('8.0.36', 8, 0), 80200).plugin).toBeNull();
    const mysql84 = chooseAuthPlugin(mysql('8.4.0', 8, 4), 70200);
    expect(mysql84.plugin).toBeNull();
    expect(mysql84.note).toMatch(/upgrade PHP/);
    expect(chooseAuthPlugin({ ...mysql('10.11.6-MariaDB', 10, 11), isMariaDb: true }, 70200).plugin).toBeNull();
  });
});

describe('SQLite', () => {
  test('file inside public/ and world-readable', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cachet-sqlite-'));
    try {
      mkdirSync(join(root, 'public'));
      writeFileSync(join(root, 'public', 'db.sqlite'), '');
      chmodSync(join(root, 'public', 'db.sqlite'), 0o644);
      const view = await inspectSqlite({ root, realRoot: root, line: '3.x' }, settings({ driver: 'sqlite', database: join(root, 'public', 'db.sqlite') }));
      expect(view?.findings.map((f) => [f.id, f.severity])).toEqual([
        ['db.sqlite-in-webroot', 'critical'],
        ['db.sqlite-permissions', 'high'],
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('config cache rebuild', () => {
  test('planned only when the cache exists', async () => {
    const { planConfigCache } = await import('../../../src/database/plan.js');
    const root = mkdtempSync(join(tmpdir(), 'cachet-cache-'));
    try {
      const ctx = {
        install: { root, webUser: { user: 'www-data' } },
        isRoot: true,
      } as unknown as Parameters<typeof planConfigCache>[0];
      const without = { step: 'database' as const, changes: [], notes: [] };
      await planConfigCache(ctx, without);
      expect(without.changes).toEqual([]);

      mkdirSync(join(root, 'bootstrap', 'cache'), { recursive: true });
      writeFileSync(join(root, 'bootstrap', 'cache', 'config.php'), '<?php return [];');
      const withCache = { step: 'database' as const, changes: [] as unknown[], notes: [] };
      await planConfigCache(ctx, withCache as never);
      expect(withCache.changes).toEqual([
        expect.objectContaining({ kind: 'run-command', argv: ['php', 'artisan', 'config:cache'], user: 'www-data', restores: [join(root, 'bootstrap', 'cache', 'config.php')] }),
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
