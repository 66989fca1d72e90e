// The database step against a real PostgreSQL: superuser and owner findings, the runtime role with
// sequence grants, the optional owner role, PUBLIC's privileges, a PHP login, and the undo.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { applyPlans } from '../../../src/apply/executor.js';
import type { DbLoginChange, RunSqlChange } from '../../../src/plan/changes.js';
import { step } from '../../../src/steps/database.js';
import type { Choices, Context, Plan } from '../../../src/types.js';
import { Secret } from '../../../src/util/secret.js';
import { makeContext } from '../../helpers/apply-harness.js';
import { makeCachetTree, type CachetTree } from '../../helpers/cachet-tree.js';
import { startPostgres, type PostgresServer } from '../../helpers/postgres.js';
import { cachetSchema, seedSettings } from '../../fixtures/schemas/cachet.js';

const run = promisify(execFile);
const PHP_LOGIN = fileURLToPath(new URL('./php-login.php', import.meta.url));

let server: PostgresServer;

beforeAll(async () => {
  server = await startPostgres();
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

/**
 * Creates a database with Cachet's tables owned by `owner` (a new login role unless it is `postgres`)
 * and a Cachet tree whose .env logs in as `owner`.
 */
async function makeSite(options: { database: string; line: '2.x' | '3.x'; owner: string; ownerPassword: string; prefix?: string }): Promise<Site> {
  const prefix = options.prefix ?? '';
  if (options.owner !== 'postgres') {
    await server.superQuery('postgres', `CREATE ROLE "${options.owner}" LOGIN PASSWORD '${options.ownerPassword}'`);
  }
  await server.superQuery('postgres', `CREATE DATABASE "${options.database}" OWNER "${options.owner}"`);
  const pg = (await import('pg')).default;
  const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: options.owner, password: options.ownerPassword, database: options.database });
  await client.connect();
  try {
    for (const sql of cachetSchema('pgsql', options.line, prefix)) await client.query(sql);
    await client.query(seedSettings('pgsql', options.line, prefix));
  } finally {
    await client.end();
  }
  const driverKey = options.line === '2.x' ? 'DB_DRIVER' : 'DB_CONNECTION';
  const env = [
    'APP_ENV=production',
    'APP_DEBUG=false',
    `${driverKey}=pgsql`,
    'DB_HOST=127.0.0.1',
    `DB_PORT=${server.port}`,
    `DB_DATABASE=${options.database}`,
    `DB_USERNAME=${options.owner}`,
    `DB_PASSWORD=${options.ownerPassword}`,
    ...(options.line === '2.x' ? [`DB_PREFIX=${prefix || 'null'}`] : []),
    '',
  ].join('\n');
  const tree = makeCachetTree({ line: options.line, env });
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

function runuserChoices(extra: Choices = {}): Choices {
  return { adminVia: 'runuser', adminSocket: server.socketDir, adminPort: String(server.port), ...extra };
}

async function phpLogin(root: string, sql: string): Promise<{ ok: boolean; user: string; rows?: unknown[][]; error?: string }> {
  const { stdout } = await run('php', [PHP_LOGIN, root, sql]);
  return JSON.parse(stdout.trim());
}

async function planFor(site: Site, choices: Choices): Promise<Plan> {
  return step.plan(site.ctx, await step.inspect(site.ctx), choices);
}

async function scalar(database: string, sql: string, params: unknown[] = []): Promise<unknown> {
  const rows = await server.superQuery(database, sql, params);
  return Object.values(rows[0] ?? {})[0];
}

describe('database step on PostgreSQL', () => {
  test('PUBLIC has no CREATE on public in new databases', async () => {
    expect(server.version).toBeGreaterThanOrEqual(150000);
    await server.superQuery('postgres', 'CREATE DATABASE pg15_check');
    const publicCreate = await scalar(
      'pg15_check',
      `SELECT EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
        WHERE n.nspname = 'public' AND a.grantee = 0 AND a.privilege_type = 'CREATE')`,
    );
    expect(publicCreate).toBe(false);
  });

  test('reports the postgres superuser as critical', async () => {
    const site = await makeSite({ database: 'docker_db', line: '2.x', owner: 'postgres', ownerPassword: server.superPassword });
    try {
      const findings = await step.inspect(site.ctx);
      const superuser = findings.find((f) => f.id === 'db.superuser-account');
      expect(superuser?.severity).toBe('critical');
      expect(findings.map((f) => f.id)).not.toContain('db.login-failed');
      expect(JSON.stringify(findings)).not.toContain(server.superPassword);
    } finally {
      site.cleanup();
    }
  });

  test('superuser app gets a runtime role; postgres stays', async () => {
    const site = await makeSite({ database: 'su_db', line: '2.x', owner: 'postgres', ownerPassword: server.superPassword, prefix: 'chq_' });
    try {
      const plan = await planFor(site, runuserChoices({ runtimeUser: 'su_app', retireOld: 'lock' }));
      expect(plan.changes.map((c) => c.kind)).toEqual(['run-sql', 'run-sql', 'db-login', 'edit-env']);
      expect(plan.notes.join('\n')).toMatch(/postgres is left alone because it is a superuser/);
      const password = (plan.changes.find((c) => c.kind === 'db-login') as DbLoginChange).password.reveal();
      expect(JSON.stringify(plan)).not.toContain(password);

      const result = await applyPlans(site.ctx, [plan], { stateDir: site.stateDir });
      expect(result.outcomes[0]).toEqual({ step: 'database', status: 'applied', applied: 4 });

      const insert = await phpLogin(site.tree.root, "INSERT INTO chq_incidents (name) VALUES ('outage') RETURNING id");
      expect(insert).toEqual({ ok: true, user: 'su_app', rows: [[1]] });
      const denied = await phpLogin(site.tree.root, 'CREATE TABLE chq_evil (id int)');
      expect(denied.ok).toBe(false);
      expect(denied.error).toMatch(/permission denied for schema public/);
      expect(await scalar('postgres', "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'postgres'")).toBe(true);
    } finally {
      site.cleanup();
    }
  });

  test('owner role takes the tables; runtime role gets DML and sequences', async () => {
    const site = await makeSite({ database: 'cachet3', line: '3.x', owner: 'homestead', ownerPassword: 'secret' });
    try {
      const findings = await step.inspect(site.ctx);
      const severities = Object.fromEntries(findings.map((f) => [f.id, f.severity]));
      expect(severities['db.default-credentials']).toBe('critical');
      expect(severities['db.ddl-privileges']).toBe('medium');
      expect(severities['db.public-connect']).toBe('low');
      expect(severities['db.public-schema-create']).toBeUndefined();

      const plan = await step.plan(site.ctx, findings, runuserChoices({ migrationUser: 'yes', retireOld: 'lock' }));
      expect(plan.changes.map((c) => c.kind)).toEqual([
        'run-sql',
        'run-sql',
        'run-sql',
        'db-login',
        'db-login',
        'write-file',
        'edit-env',
        'run-sql',
      ]);
      const runtime = plan.changes[1] as RunSqlChange;
      expect(runtime.statements[0]!.preview).toBe(
        'CREATE ROLE "cachet_app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD \'********\'',
      );
      expect(runtime.statements.map((s) => s.preview)).toContain(
        'ALTER DEFAULT PRIVILEGES FOR ROLE "cachet_owner" IN SCHEMA "public" GRANT USAGE, SELECT ON SEQUENCES TO "cachet_app"',
      );
      const owner = plan.changes[0] as RunSqlChange;
      expect(owner.statements.map((s) => s.sql).join('\n')).not.toMatch(/REASSIGN/);

      const result = await applyPlans(site.ctx, [plan], { stateDir: site.stateDir });
      expect(result.outcomes[0]).toEqual({ step: 'database', status: 'applied', applied: 8 });

      expect(await scalar('cachet3', "SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'cachet_owner'")).toBe(0);
      expect(
        await scalar(
          'cachet3',
          `SELECT bool_and(CASE WHEN c.relkind = 'S' THEN has_sequence_privilege('cachet_app', c.oid, 'USAGE') END) FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'S'`,
        ),
      ).toBe(true);
      expect(await scalar('cachet3', "SELECT has_schema_privilege('cachet_app', 'public', 'CREATE')")).toBe(false);
      expect(await scalar('cachet3', "SELECT has_schema_privilege('cachet_owner', 'public', 'CREATE')")).toBe(true);
      expect(await scalar('postgres', "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'homestead'")).toBe(false);

      const insert = await phpLogin(site.tree.root, "INSERT INTO components (name) VALUES ('api') RETURNING id");
      expect(insert).toEqual({ ok: true, user: 'cachet_app', rows: [[1]] });
      const settings = await phpLogin(site.tree.root, "SELECT payload FROM settings WHERE name = 'name'");
      expect(settings.rows).toEqual([['"Status"']]);
      const denied = await phpLogin(site.tree.root, 'CREATE TABLE evil (id int)');
      expect(denied.ok).toBe(false);

      // A table a later migration creates as the owner is usable by the runtime role at once.
      const credentials = readFileSync(join(site.stateDir, 'credentials', 'cachet3-migration.env'), 'utf8');
      const ownerPassword = /DB_PASSWORD=(\S+)/.exec(credentials)![1]!;
      const pg = (await import('pg')).default;
      const ownerClient = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'cachet_owner', password: ownerPassword, database: 'cachet3' });
      await ownerClient.connect();
      await ownerClient.query('CREATE TABLE later_table (id serial PRIMARY KEY, name text)');
      await ownerClient.end();
      const later = await phpLogin(site.tree.root, "INSERT INTO later_table (name) VALUES ('x') RETURNING id");
      expect(later).toEqual({ ok: true, user: 'cachet_app', rows: [[1]] });

      const again = await makeContext(site.tree.root, site.stateDir);
      const findingsAfter = await step.inspect(again);
      expect(findingsAfter).toEqual([]);
      expect((await step.plan(again, findingsAfter, runuserChoices())).changes).toEqual([]);
    } finally {
      site.cleanup();
    }
  });

  test('revokes CREATE on public from PUBLIC', async () => {
    const site = await makeSite({ database: 'upgraded_db', line: '2.x', owner: 'legacy', ownerPassword: 'legacy' });
    try {
      // Clusters upgraded from PostgreSQL 14 or older keep the old grant.
      await server.superQuery('upgraded_db', 'GRANT CREATE ON SCHEMA public TO PUBLIC');
      const fresh = await makeContext(site.tree.root, site.stateDir);
      const findings = await step.inspect(fresh);
      expect(findings.find((f) => f.id === 'db.public-schema-create')?.severity).toBe('medium');

      const plan = await step.plan(fresh, findings, runuserChoices({ runtimeUser: 'legacy_app', retireOld: 'keep' }));
      const result = await applyPlans(fresh, [plan], { stateDir: site.stateDir });
      expect(result.outcomes[0]?.status).toBe('applied');
      const publicCreate = await scalar(
        'upgraded_db',
        `SELECT EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
          WHERE n.nspname = 'public' AND a.grantee = 0 AND a.privilege_type = 'CREATE')`,
      );
      expect(publicCreate).toBe(false);
      // The old owner keeps what migrations need.
      expect(await scalar('upgraded_db', "SELECT has_schema_privilege('legacy', 'public', 'CREATE')")).toBe(true);
    } finally {
      site.cleanup();
    }
  });

  test('failed login check drops the new role and restores .env', async () => {
    const site = await makeSite({ database: 'undo_pg', line: '3.x', owner: 'undo_owner', ownerPassword: 'undo_owner' });
    try {
      const before = readFileSync(site.ctx.install.envPath);
      const plan = await planFor(site, runuserChoices({ runtimeUser: 'undo_app', migrationUser: 'yes', migrationUserName: 'undo_own', retireOld: 'lock' }));
      const index = plan.changes.findIndex((c) => c.kind === 'db-login');
      plan.changes[index] = { ...(plan.changes[index] as DbLoginChange), password: new Secret('not-the-generated-password') };

      const result = await applyPlans(site.ctx, [plan], { stateDir: site.stateDir });
      const outcome = result.outcomes[0]!;
      expect(outcome.status).toBe('failed');
      expect(outcome.status === 'failed' && outcome.undoErrors).toEqual([]);
      expect(await scalar('postgres', "SELECT count(*)::int FROM pg_roles WHERE rolname IN ('undo_app', 'undo_own')")).toBe(0);
      expect(await scalar('undo_pg', "SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'undo_owner'")).toBe(0);
      expect(readFileSync(site.ctx.install.envPath)).toEqual(before);
      expect(await phpLogin(site.tree.root, 'SELECT 1')).toEqual({ ok: true, user: 'undo_owner', rows: [[1]] });
    } finally {
      site.cleanup();
    }
  });
});
