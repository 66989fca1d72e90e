// Inspection as the application: log in with the credentials Cachet resolves from `.env`, read what the
// account may do, and turn it into findings. No statement here changes anything.

import type { Context, DbSettings, Finding } from '../types.js';
import { maskValue, redact } from '../util/secret.js';
import { definitionOf } from './catalogue.js';
import { excessDatabasePrivileges, summariseMysqlGrants } from './grants.js';
import type { MysqlAccountView, MysqlEndpoint } from './mysql.js';
import { MIN_PASSWORD_LENGTH, assessPassword } from './password.js';
import type { PgRoleView } from './postgres.js';
import type { SqliteView } from './sqlite.js';

export type DbEngineName = 'mysql' | 'pgsql' | 'sqlite';

export interface DbInspection {
  engine: DbEngineName | null;
  /** The settings inspected: `.env` with any server-config overrides applied. */
  db: DbSettings;
  findings: Finding[];
  /** null when no login was attempted (sqlite, no driver). */
  login: { ok: true } | { ok: false; error: string } | null;
  mysql?: { endpoint: MysqlEndpoint; view: MysqlAccountView | null };
  pg?: { schema: string; view: PgRoleView | null };
  sqlite?: SqliteView;
}

export function engineOf(driver: string | null): DbEngineName | 'other' | null {
  if (driver === null) return null;
  const name = driver.toLowerCase();
  if (name === 'mysql' || name === 'mariadb') return 'mysql';
  if (name === 'pgsql' || name === 'postgres' || name === 'postgresql') return 'pgsql';
  if (name === 'sqlite') return 'sqlite';
  return 'other';
}

/**
 * Inspects Cachet's database account. `overrides` are DB_* variables set in server config (Apache SetEnv,
 * nginx fastcgi_param, PHP-FPM env[]); on Cachet 2.x they win over `.env` (phpdotenv 2.x never
 * overwrites a variable already set).
 */
export async function inspectDatabase(
  ctx: Pick<Context, 'install'>,
  overrides: Partial<Record<'DB_HOST' | 'DB_PORT' | 'DB_USERNAME' | 'DB_PASSWORD' | 'DB_DATABASE', string>> = {},
): Promise<DbInspection> {
  const db = applyOverrides(ctx.install.db, overrides);
  const engine = engineOf(db.driver);
  const findings: Finding[] = [];
  const inspection: DbInspection = { engine: engine === 'other' ? null : engine, db, findings, login: null };

  if (engine === 'other') {
    findings.push(finding('db.unsupported-driver', [`${db.driverKey ?? 'driver'}=${db.driver}`]));
    return inspection;
  }
  if (engine === null || engine === 'sqlite') {
    const { inspectSqlite } = await import('./sqlite.js');
    const view = await inspectSqlite(ctx.install, db);
    if (view) {
      inspection.sqlite = view;
      findings.push(...view.findings);
    }
    return inspection;
  }
  if (!db.database) return inspection;

  findings.push(...credentialFindings(db, engine));
  if (engine === 'mysql') await inspectMysqlAccount(db, inspection);
  else await inspectPgAccount(db, inspection);
  return inspection;
}

function applyOverrides(db: DbSettings, overrides: Partial<Record<string, string>>): DbSettings {
  const port = overrides.DB_PORT !== undefined && /^\d+$/.test(overrides.DB_PORT) ? Number(overrides.DB_PORT) : db.port;
  return {
    ...db,
    host: overrides.DB_HOST ?? db.host,
    port,
    username: overrides.DB_USERNAME ?? db.username,
    password: overrides.DB_PASSWORD ?? db.password,
    database: overrides.DB_DATABASE ?? db.database,
  };
}

export function finding(id: string, evidence: string[], path?: string): Finding {
  const definition = definitionOf(id);
  return {
    id,
    step: 'database',
    severity: definition.severity,
    title: definition.title,
    evidence,
    why: definition.why,
    fix: definition.fix,
    ...(path === undefined ? {} : { path }),
  };
}

/** Findings from the credentials alone, before any login. */
export function credentialFindings(db: DbSettings, engine: 'mysql' | 'pgsql'): Finding[] {
  const user = db.username ?? '';
  const evidence = [`DB_USERNAME=${user || '(empty)'}`, `DB_PASSWORD=${maskValue(db.password)}`];
  const findings: Finding[] = [];
  for (const weakness of assessPassword(db.username, db.password)) {
    if (weakness === 'default') findings.push(finding('db.default-credentials', evidence));
    if (weakness === 'empty') findings.push(finding('db.empty-password', evidence));
    if (weakness === 'equals-user') findings.push(finding('db.password-equals-user', evidence));
    if (weakness === 'common' || weakness === 'short') {
      const reason = weakness === 'common' ? 'the password is a common word' : `the password is shorter than ${MIN_PASSWORD_LENGTH} characters`;
      if (!findings.some((f) => f.id === 'db.weak-password')) findings.push(finding('db.weak-password', [...evidence, reason]));
    }
  }
  if (engine === 'mysql' && user === 'root') findings.push(finding('db.root-account', evidence.slice(0, 1)));
  return findings;
}

async function inspectMysqlAccount(db: DbSettings, inspection: DbInspection): Promise<void> {
  const { connectMysql, mysqlEndpoint, readMysqlAccountView, describeEndpoint } = await import('./mysql.js');
  const endpoint = mysqlEndpoint(db);
  inspection.mysql = { endpoint, view: null };
  let view: MysqlAccountView;
  try {
    const connection = await connectMysql({ ...endpoint, user: db.username ?? '', password: db.password, database: db.database! });
    try {
      view = await readMysqlAccountView(connection);
    } finally {
      await connection.end().catch(() => undefined);
    }
  } catch (error) {
    const message = errorText(error, db.password);
    inspection.login = { ok: false, error: message };
    inspection.findings.push(
      finding('db.login-failed', [`${db.username ?? ''} at ${describeEndpoint(endpoint)}, database ${db.database}: ${message}`]),
    );
    return;
  }
  inspection.login = { ok: true };
  inspection.mysql.view = view;
  inspection.findings.push(...mysqlAccountFindings(view, db.database!));
}

/** Findings from an account's grants as SHOW GRANTS prints them. */
export function mysqlAccountFindings(view: MysqlAccountView, database: string): Finding[] {
  const account = `'${view.account.user}'@'${view.account.host}'`;
  const summary = summariseMysqlGrants(view.grants, database);
  const findings: Finding[] = [];

  if (summary.global.length > 0) findings.push(finding('db.global-privileges', [`${account}: ${summary.global.join(', ')} ON *.*`]));
  if (summary.grantOption) findings.push(finding('db.grant-option', [`${account}: WITH GRANT OPTION`]));
  if (summary.elsewhere.length > 0) findings.push(finding('db.other-databases', summary.elsewhere.map(stripPasswordHash)));

  const excess = excessDatabasePrivileges(summary.onDatabase);
  if (summary.onDatabase.has('ALL PRIVILEGES')) {
    findings.push(finding('db.all-privileges', [`${account}: ALL PRIVILEGES ON \`${database}\`.*`]));
  } else if (excess.length > 0) {
    findings.push(finding('db.ddl-privileges', [`${account}: ${excess.join(', ')} on \`${database}\``]));
  }
  if (view.account.host.includes('%') || view.account.host === '') findings.push(finding('db.any-host', [account]));
  if (view.plugin === 'mysql_old_password') findings.push(finding('db.legacy-auth-plugin', [`${account}: plugin ${view.plugin}`]));
  return findings;
}

// MariaDB prints the account's password hash on the USAGE line; it is not evidence anyone needs.
function stripPasswordHash(line: string): string {
  return line.replace(/ IDENTIFIED (BY PASSWORD|VIA|WITH) .*$/, '');
}

async function inspectPgAccount(db: DbSettings, inspection: DbInspection): Promise<void> {
  const { connectPg, pgAppLogin, readPgRoleView } = await import('./postgres.js');
  const schema = db.schema ?? 'public';
  inspection.pg = { schema, view: null };
  const login = pgAppLogin(db);
  let view: PgRoleView;
  try {
    const session = await connectPg(login);
    try {
      view = await readPgRoleView(session, schema);
    } finally {
      await session.close();
    }
  } catch (error) {
    const message = errorText(error, db.password);
    inspection.login = { ok: false, error: message };
    inspection.findings.push(
      finding('db.login-failed', [`${login.user} at ${login.host}:${login.port}, database ${login.database}: ${message}`]),
    );
    // The name alone says enough when the login cannot tell: `postgres` is the bootstrap superuser.
    if (login.user === 'postgres') inspection.findings.push(finding('db.superuser-account', ['DB_USERNAME=postgres']));
    return;
  }
  inspection.login = { ok: true };
  inspection.pg.view = view;
  inspection.findings.push(...pgRoleFindings(view, db.database!));
}

/** Findings from what a PostgreSQL role may do in Cachet's database. */
export function pgRoleFindings(view: PgRoleView, database: string): Finding[] {
  const role = `role ${view.role}`;
  const findings: Finding[] = [];
  if (view.isSuperuser) findings.push(finding('db.superuser-account', [`${role}: rolsuper = true`]));
  const attributes = [view.canCreateRole ? 'CREATEROLE' : null, view.canCreateDb ? 'CREATEDB' : null].filter(Boolean);
  if (attributes.length > 0) findings.push(finding('db.role-attributes', [`${role}: ${attributes.join(', ')}`]));

  if (!view.isSuperuser) {
    const owned = view.tables.filter((table) => table.owner === view.role).length;
    const evidence: string[] = [];
    if (owned > 0) evidence.push(`${role} owns ${owned} of ${view.tables.length} tables in schema ${view.schema}`);
    if (view.ownsDatabase) evidence.push(`${role} owns database ${database}`);
    if (view.canCreateInSchema) evidence.push(`${role} has CREATE on schema ${view.schema}`);
    if (evidence.length > 0) findings.push(finding('db.ddl-privileges', evidence));
  }
  if (view.publicCanCreateInSchema) findings.push(finding('db.public-schema-create', [`schema ${view.schema}: PUBLIC has CREATE`]));
  if (view.publicCanConnect) findings.push(finding('db.public-connect', [`database ${database}: PUBLIC has CONNECT`]));
  return findings;
}

/** Returns the driver's message without the password, which some drivers echo in connection errors. */
export function errorText(error: unknown, password: string | null): string {
  const message = error instanceof Error ? error.message : String(error);
  return password ? redact(message, [password]) : message;
}
