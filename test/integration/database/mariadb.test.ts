// The database step against a real MariaDB: inspection as Cachet, the planned least-privilege account,
// applied through the executor, proven from PHP, and undone when a later change fails.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { applyPlans } from '../../../src/apply/executor.js';
import { loadHandler } from '../../../src/apply/handlers/index.js';
import type { DbLoginChange, RunSqlChange } from '../../../src/plan/changes.js';
import { step } from '../../../src/steps/database.js';
import type { Choices, Context, Plan } from '../../../src/types.js';
import { Secret } from '../../../src/util/secret.js';
import { makeContext } from '../../helpers/apply-harness.js';
import { makeCachetTree, type CachetTree } from '../../helpers/cachet-tree.js';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb.js';
import { cachetSchema, seedSettings } from '../../fixtures/schemas/cachet.js';

const run = promisify(execFile);
const PHP_LOGIN = fileURLToPath(new URL('./php-login.php', import.meta.url));

let server: MariaDbServer;

beforeAll(async () => {
  server = await startMariaDb();
});

afterAll(async () => {
  await server?.stop();
});

interface Site {
  tree: CachetTree;
  stateDir: string;
  ctx: Context;
  cleanup(): void;
}

/** Creates a Cachet 2.4 tree whose .env names this server, and its database with the 2.4 tables. */
async function makeSite(options: { database: string; user: string; password: string | null; host?: 'localhost' | '127.0.0.1'; grant?: string; prefix?: string }): Promise<Site> {
  const host = options.host ?? 'localhost';
  const prefix = options.prefix ?? '';
  const connection = await server.connectRoot();
  try {
    await connection.query(`CREATE DATABASE \`${options.database}\``);
    for (const sql of cachetSchema('mysql', '2.x', prefix)) await connection.query(`USE \`${options.database}\``).then(() => connection.query(sql));
    await connection.query(seedSettings('mysql', '2.x', prefix));
    const identified = options.password === null ? '' : ` IDENTIFIED BY ${connection.escape(options.password)}`;
    await connection.query(`CREATE USER '${options.user}'@'${host}'${identified}`);
    await connection.query(`GRANT ${options.grant ?? 'ALL PRIVILEGES'} ON \`${options.database}\`.* TO '${options.user}'@'${host}'`);
  } finally {
    await connection.end();
  }
  const where = host === 'localhost' ? ['DB_HOST=localhost', `DB_UNIX_SOCKET=${server.socket}`, 'DB_PORT=null'] : ['DB_HOST=127.0.0.1', 'DB_UNIX_SOCKET=null', `DB_PORT=${server.port}`];
  const env = [
    'APP_ENV=production',
    'APP_DEBUG=false',
    'DB_DRIVER=mysql',
    ...where,
    `DB_DATABASE=${options.database}`,
    `DB_USERNAME=${options.user}`,
    `DB_PASSWORD=${options.password ?? 'null'}`,
    `DB_PREFIX=${prefix || 'null'}`,
    'MAIL_HOST=null',
    '',
  ].join('\n');
  const tree = makeCachetTree({ line: '2.x', env });
  const stateDir = mkdtempSync(join(tmpdir(), 'cachet-state-'));
  const ctx = await makeContext(tree.root, stateDir);
  return {
    tree,
    stateDir,
    ctx,
    cleanup() {
      tree.cleanup();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

function adminChoices(extra: Choices = {}): Choices {
  return { adminVia: 'socket', adminSocket: server.socket, adminUser: 'root', retireOld: 'lock', ...extra };
}

async function phpLogin(root: string, sql: string): Promise<{ ok: boolean; user: string; rows?: unknown[][]; error?: string }> {
  const { stdout } = await run('php', [PHP_LOGIN, root, sql]);
  return JSON.parse(stdout.trim());
}

async function grantsOf(user: string, host: string): Promise<string[]> {
  const rows = (await server.rootQuery(`SHOW GRANTS FOR '${user}'@'${host}'`)) as Array<Record<string, string>>;
  return rows.map((row) => Object.values(row)[0]!.replace(/ IDENTIFIED BY PASSWORD '[^']*'/, '')).sort();
}

async function accountHosts(user: string): Promise<string[]> {
  const rows = (await server.rootQuery('SELECT Host FROM mysql.user WHERE User = ?', [user])) as Array<{ Host: string }>;
  return rows.map((row) => row.Host).sort();
}

async function planFor(site: Site, choices: Choices): Promise<Plan> {
  const findings = await step.inspect(site.ctx);
  return step.plan(site.ctx, findings, choices);
}

describe('database step on MariaDB', () => {
  test('reports ALL privileges and user = password', async () => {
    const site = await makeSite({ database: 'inspect_db', user: 'cachet', password: 'cachet' });
    try {
      const findings = await step.inspect(site.ctx);
      const ids = findings.map((f) => f.id);
      expect(ids).toContain('db.password-equals-user');
      expect(findings.find((f) => f.id === 'db.password-equals-user')?.severity).toBe('critical');
      expect(ids).toContain('db.all-privileges');
      expect(findings.find((f) => f.id === 'db.all-privileges')?.severity).toBe('high');
      expect(ids).not.toContain('db.login-failed');
      expect(JSON.stringify(findings)).not.toContain('DB_PASSWORD=cachet');
    } finally {
      site.cleanup();
    }
  });

  test('reports a failed login as a finding', async () => {
    const site = await makeSite({ database: 'badlogin_db', user: 'badlogin', password: 'right-password-123' });
    try {
      const ctx = { ...site.ctx, shared: new Map(), install: { ...site.ctx.install, db: { ...site.ctx.install.db, password: 'wrong-password-456' } } };
      const findings = await step.inspect(ctx);
      const failed = findings.find((f) => f.id === 'db.login-failed');
      expect(failed?.severity).toBe('high');
      expect(JSON.stringify(findings)).not.toContain('wrong-password-456');
    } finally {
      site.cleanup();
    }
  });

  test('DB_PASSWORD=null logs in without a password', async () => {
    const site = await makeSite({ database: 'nopw_db', user: 'nopw', password: null, grant: 'SELECT, INSERT, UPDATE, DELETE' });
    try {
      expect(site.ctx.install.db.password).toBeNull();
      const findings = await step.inspect(site.ctx);
      const ids = findings.map((f) => f.id);
      expect(ids).not.toContain('db.login-failed');
      expect(ids).toContain('db.empty-password');
    } finally {
      site.cleanup();
    }
  });

  test('replaces the account with exact runtime grants', async () => {
    const site = await makeSite({ database: 'cachet_prod', user: 'homestead', password: 'secret', prefix: 'chq_' });
    try {
      const before = readFileSync(site.ctx.install.envPath, 'utf8');
      const plan = await planFor(site, adminChoices());
      expect(plan.changes.map((c) => c.kind)).toEqual(['run-sql', 'db-login', 'edit-env', 'run-sql']);

      const create = plan.changes[0] as RunSqlChange;
      const password = (plan.changes[1] as DbLoginChange).password.reveal();
      expect(password).toMatch(/^[A-Za-z0-9]{40}$/);
      expect(create.statements.map((s) => s.preview)).toEqual([
        "CREATE USER 'cachet_app'@'localhost' IDENTIFIED BY '********'",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON `cachet\\_prod`.* TO 'cachet_app'@'localhost'",
      ]);
      expect(JSON.stringify(plan)).not.toContain(password);
      const handler = await loadHandler('run-sql');
      expect((await handler.preview(create, site.ctx)).join('\n')).not.toContain(password);

      const result = await applyPlans(site.ctx, [plan], { stateDir: site.stateDir });
      expect(result.outcomes).toEqual([{ step: 'database', status: 'applied', applied: 4 }]);

      expect(await grantsOf('cachet_app', 'localhost')).toEqual([
        'GRANT SELECT, INSERT, UPDATE, DELETE ON `cachet\\_prod`.* TO `cachet_app`@`localhost`',
        'GRANT USAGE ON *.* TO `cachet_app`@`localhost`',
      ]);
      const after = readFileSync(site.ctx.install.envPath, 'utf8');
      expect(after).toContain('DB_USERNAME=cachet_app\n');
      expect(after).toContain(`DB_PASSWORD=${password}\n`);
      expect(after.replace(/DB_USERNAME=.*\n/, '').replace(/DB_PASSWORD=.*\n/, '')).toBe(
        before.replace(/DB_USERNAME=.*\n/, '').replace(/DB_PASSWORD=.*\n/, ''),
      );

      const select = await phpLogin(site.tree.root, 'SELECT value FROM chq_settings WHERE name = \'app_name\'');
      expect(select).toEqual({ ok: true, user: 'cachet_app', rows: [['Status']] });
      const insert = await phpLogin(site.tree.root, "INSERT INTO chq_incidents (name) VALUES ('outage')");
      expect(insert.ok).toBe(true);
      const create2 = await phpLogin(site.tree.root, 'CREATE TABLE chq_evil (id INT)');
      expect(create2.ok).toBe(false);
      expect(create2.error).toMatch(/CREATE command denied/);

      // The old account is locked, not dropped.
      const mysql = await import('mysql2/promise');
      await expect(mysql.createConnection({ socketPath: server.socket, user: 'homestead', password: 'secret' })).rejects.toThrow(/locked/i);
      expect(await accountHosts('homestead')).toEqual(['localhost']);

      const manifest = readdirSync(join(site.stateDir, 'runs', result.runId)).filter((name) => name.endsWith('.json'));
      expect(manifest.length).toBeGreaterThan(0);
      for (const name of manifest) expect(readFileSync(join(site.stateDir, 'runs', result.runId, name), 'utf8')).not.toContain(password);

      // A second run finds nothing and plans nothing.
      const again = await makeContext(site.tree.root, site.stateDir);
      const findings = await step.inspect(again);
      expect(findings).toEqual([]);
      expect((await step.plan(again, findings, adminChoices())).changes).toEqual([]);
    } finally {
      site.cleanup();
    }
  });

  test('keeps the old account when server config sets DB_PASSWORD', async () => {
    const site = await makeSite({ database: 'shadow_db', user: 'shadowuser', password: 'shadowuser' });
    const pools = mkdtempSync(join(tmpdir(), 'fpm-pools-'));
    writeFileSync(join(pools, 'cachet.conf'), '[cachet]\nuser = www-data\nenv[DB_PASSWORD] = shadowuser\n');
    try {
      const ctx = { ...site.ctx, shared: new Map(), options: { ...site.ctx.options, fpmPoolDirs: [pools] } };
      const plan = await step.plan(ctx, await step.inspect(ctx), adminChoices({ runtimeUser: 'shadow_app', retireOld: 'lock' }));
      expect(plan.changes.some((change) => /lock/i.test(change.summary))).toBe(false);
      expect(plan.notes.join('\n')).toContain(`DB_PASSWORD at ${join(pools, 'cachet.conf')}:3, which wins over .env`);
    } finally {
      rmSync(pools, { recursive: true, force: true });
      site.cleanup();
    }
  });

  test('TCP settings create the 127.0.0.1 account only', async () => {
    const site = await makeSite({ database: 'tcp_db', user: 'tcpuser', password: 'tcpuser', host: '127.0.0.1' });
    try {
      const plan = await planFor(site, adminChoices({ runtimeUser: 'tcp_app', retireOld: 'keep' }));
      const result = await applyPlans(site.ctx, [plan], { stateDir: site.stateDir });
      expect(result.outcomes[0]?.status).toBe('applied');
      expect(await accountHosts('tcp_app')).toEqual(['127.0.0.1']);
      const login = await phpLogin(site.tree.root, 'SELECT CURRENT_USER()');
      expect(login).toEqual({ ok: true, user: 'tcp_app', rows: [['tcp_app@127.0.0.1']] });
    } finally {
      site.cleanup();
    }
  });

  test('failed login check undoes the new account and .env', async () => {
    const site = await makeSite({ database: 'undo_db', user: 'undouser', password: 'undouser' });
    try {
      const before = readFileSync(site.ctx.install.envPath);
      const plan = await planFor(site, adminChoices({ runtimeUser: 'undo_app' }));
      // The login check uses a password the new account does not have, so it must fail after the account exists.
      const login = plan.changes[1] as DbLoginChange;
      plan.changes[1] = { ...login, password: new Secret('not-the-generated-password') };

      const result = await applyPlans(site.ctx, [plan], { stateDir: site.stateDir });
      const outcome = result.outcomes[0]!;
      expect(outcome.status).toBe('failed');
      expect(outcome.status === 'failed' && outcome.undoErrors).toEqual([]);
      expect(await accountHosts('undo_app')).toEqual([]);
      expect(readFileSync(site.ctx.install.envPath)).toEqual(before);
      const old = await phpLogin(site.tree.root, 'SELECT 1');
      expect(old).toEqual({ ok: true, user: 'undouser', rows: [[1]] });
    } finally {
      site.cleanup();
    }
  });

  test('existing account name is refused at apply', async () => {
    const site = await makeSite({ database: 'clash_db', user: 'clashuser', password: 'clashuser' });
    try {
      const plan = await planFor(site, adminChoices({ runtimeUser: 'clash_app', retireOld: 'keep' }));
      await server.rootQuery("CREATE USER 'clash_app'@'localhost' IDENTIFIED BY 'keep-me-please'");
      const result = await applyPlans(site.ctx, [plan], { stateDir: site.stateDir });
      expect(result.outcomes[0]?.status).toBe('failed');
      // The account that existed before the run survives the undo.
      expect(await accountHosts('clash_app')).toEqual(['localhost']);
    } finally {
      site.cleanup();
    }
  });
});
