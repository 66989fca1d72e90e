// Plans the replacement of Cachet's database account: new runtime account (and on request a migration
// account), a login check as the new account, the `.env` edit, the config-cache rebuild, and only then
// the old account's retirement. Administrator reads here only look; every change is a planned change.

import { access } from 'node:fs/promises';
import { join } from 'node:path';

import { PreconditionError, UsageError } from '../errors.js';
import type { Change, DbAdminAccess, DbLoginChange, RunSqlChange } from '../plan/changes.js';
import type { Choices, Context, Finding, Plan } from '../types.js';
import { Secret } from '../util/secret.js';
import { describeAdmin, parseAdminAccess } from './admin.js';
import { cachetTables } from './cachet-tables.js';
import { ACCOUNT_FINDINGS } from './catalogue.js';
import { migrationPrivileges, RUNTIME_PRIVILEGES } from './grants.js';
import { validateAccountName, validateNewAccountHost } from './identifiers.js';
import type { DbInspection } from './inspect.js';
import { DEFAULT_MYSQL_SOCKET, type MysqlServerInfo } from './mysql.js';
import { generatePassword } from './password.js';
import { readFpmPhpVersionId } from './php-version.js';
import type { PgSchemaFacts } from './postgres.js';
import { chooseAuthPlugin, mysqlCreateAccount, mysqlDropAccount, mysqlLockAccount, type SqlBatch } from './sql-mysql.js';
import { pgCreateOwnerRole, pgCreateRuntimeRole, pgDropRole, pgLockRole, pgRevokePublic, type PgOwnedObject } from './sql-pgsql.js';

export type RetireOld = 'keep' | 'lock' | 'drop';

export interface OldAccount {
  user: string;
  /** MySQL host part; null for PostgreSQL. */
  host: string | null;
  /** Reason it cannot be locked or dropped (root, superuser, the administrator), or null when it can. */
  keepReason: string | null;
}

type PlanContext = Pick<Context, 'install' | 'options' | 'exec' | 'env' | 'isRoot'>;

export async function planDatabase(ctx: PlanContext, inspection: DbInspection, findings: Finding[], choices: Choices): Promise<Plan> {
  const plan: Plan = { step: 'database', changes: [], notes: [] };
  const ids = new Set(findings.map((f) => f.id));

  if (inspection.engine === 'sqlite' || inspection.engine === null) {
    planSqlite(inspection, ids, plan);
    return plan;
  }
  const replaceAccount = [...ids].some((id) => ACCOUNT_FINDINGS.has(id));
  const revokeCreate = ids.has('db.public-schema-create');
  const revokeConnect = ids.has('db.public-connect');
  if (!replaceAccount && !revokeCreate && !revokeConnect) return plan;

  const admin = parseAdminAccess(inspection.engine, choices, ctx);
  if (!replaceAccount) {
    if (inspection.engine === 'pgsql') await planPgPublicOnly(ctx, inspection, admin, { revokeCreate, revokeConnect }, plan);
    return plan;
  }
  if (!ctx.install.env) throw new PreconditionError(`${ctx.install.envPath} could not be read, so Cachet's credentials cannot be replaced.`);

  const retire =
    inspection.engine === 'mysql'
      ? await planMysql(ctx, inspection, admin, choices, plan)
      : await planPg(ctx, inspection, admin, choices, { revokeCreate, revokeConnect }, plan);
  // The old account is retired only after the new one is proven and .env and the cache point at it.
  await planConfigCache(ctx, plan);
  if (retire) plan.changes.push(retire);
  return plan;
}

function planSqlite(inspection: DbInspection, ids: Set<string>, plan: Plan): void {
  const view = inspection.sqlite;
  if (!view) return;
  if (ids.has('db.sqlite-permissions')) {
    const targets = view.files.filter((file) => (file.mode & 0o007) !== 0).map((file) => ({ path: file.path, from: file.mode, to: file.mode & ~0o007 }));
    if (targets.length > 0) plan.changes.push({ kind: 'set-mode', summary: `remove "other" permissions from ${view.realPath}`, targets });
  }
  if (ids.has('db.sqlite-in-webroot')) {
    plan.notes.push(`Move ${view.realPath} out of public/ (for example to database/), set DB_DATABASE to the new absolute path, then run php artisan config:cache if Cachet caches its config.`);
  }
}

// ---- MySQL / MariaDB -------------------------------------------------------------------------

async function planMysql(ctx: PlanContext, inspection: DbInspection, admin: DbAdminAccess, choices: Choices, plan: Plan): Promise<RunSqlChange | null> {
  const db = inspection.db;
  const database = db.database!;
  const view = inspection.mysql?.view ?? null;
  const host = validateNewAccountHost(choices.accountHost || recommendedMysqlHost(inspection) || missingHost());
  const runtimeUser = validateAccountName(choices.runtimeUser || defaultRuntimeUser(db.username), 'database.runtimeUser');
  const wantsMigration = choices.migrationUser === 'yes';
  const migrationUser = wantsMigration ? validateAccountName(choices.migrationUserName || 'cachet_migrate', 'database.migrationUserName') : null;
  const old = oldMysqlAccount(inspection, admin);
  rejectNameClash(runtimeUser, migrationUser, old);

  const adminFacts = await readMysqlAdminFacts(admin, [runtimeUser, migrationUser].filter((u): u is string => u !== null), host).catch(
    (error: unknown) => {
      plan.notes.push(`Could not read the server as administrator (${describeAdmin(admin)}): ${String((error as Error).message ?? error)}. The plan assumes no account of the new names exists; apply checks again.`);
      return null;
    },
  );
  for (const user of adminFacts?.existing ?? []) {
    throw new PreconditionError(`The account '${user}'@'${host}' already exists: choose another name with database.runtimeUser / database.migrationUserName, or drop it first.`);
  }
  const server = view?.server ?? adminFacts?.server ?? null;
  const specials = server?.requiresSpecialCharacter ?? false;
  const auth = server ? chooseAuthPlugin(server, await readFpmPhpVersionId()) : { plugin: null, note: null };
  if (auth.note) plan.notes.push(auth.note);

  const password = new Secret(generatePassword({ specials }));
  plan.changes.push(
    runSql(admin, `create MySQL account '${runtimeUser}'@'${host}' with ${RUNTIME_PRIVILEGES.join(', ')} on ${database}`, mysqlCreateAccount({
      user: runtimeUser,
      host,
      database,
      privileges: RUNTIME_PRIVILEGES,
      password,
      plugin: auth.plugin,
    })),
  );

  let migrationPassword: Secret | null = null;
  if (migrationUser) {
    migrationPassword = new Secret(generatePassword({ specials }));
    const privileges = migrationPrivileges(ctx.install.line);
    plan.changes.push(
      runSql(admin, `create MySQL migration account '${migrationUser}'@'${host}' with ${privileges.join(', ')} on ${database}`, mysqlCreateAccount({
        user: migrationUser,
        host,
        database,
        privileges,
        password: migrationPassword,
        plugin: auth.plugin,
      })),
    );
  }

  const endpoint = inspection.mysql?.endpoint ?? { socketPath: db.socket ?? DEFAULT_MYSQL_SOCKET };
  const login = (user: string, secret: Secret): DbLoginChange => ({
    kind: 'db-login',
    summary: `log in as '${user}' and run Cachet's queries in a rolled-back transaction`,
    engine: 'mysql',
    host: endpoint.host ?? null,
    port: endpoint.port ?? null,
    socket: endpoint.socketPath ?? null,
    database,
    user,
    password: secret,
    tables: cachetTables(ctx.install.line, db.prefix),
  });
  finishPlan(ctx, plan, { runtimeUser, password, migrationUser, migrationPassword, login });
  return retireOld(plan, admin, old, choices, (o) => (choices.retireOld === 'drop' ? mysqlDropAccount(o.user, o.host!) : mysqlLockAccount(o.user, o.host!)));
}

/** Returns the host PHP connects from, as the server matches it: localhost for the socket, the client address for TCP. */
export function recommendedMysqlHost(inspection: DbInspection): string | null {
  const view = inspection.mysql?.view;
  if (view) {
    const matched = view.account.host;
    if (matched !== '' && !matched.includes('%') && !matched.includes('_')) return matched;
    return view.clientHost || null;
  }
  const endpoint = inspection.mysql?.endpoint;
  if (!endpoint || endpoint.socketPath) return 'localhost';
  if (endpoint.host === '127.0.0.1' || endpoint.host === '::1') return endpoint.host;
  return null;
}

function missingHost(): never {
  throw new UsageError("Cannot tell which host Cachet connects from: set database.accountHost (e.g. '10.0.0.5').");
}

function oldMysqlAccount(inspection: DbInspection, admin: DbAdminAccess): OldAccount | null {
  const view = inspection.mysql?.view;
  if (!view) return null;
  const { user, host } = view.account;
  let keepReason: string | null = null;
  if (user === 'root') keepReason = 'it is root';
  else if (user === '') keepReason = 'it is the anonymous account';
  else if (admin.engine === 'mysql' && admin.user === user) keepReason = 'it is the administrator account used for this run';
  return { user, host, keepReason };
}

async function readMysqlAdminFacts(admin: DbAdminAccess, users: string[], host: string): Promise<{ existing: string[]; server: MysqlServerInfo }> {
  if (admin.engine !== 'mysql') throw new Error('not a MySQL administrator');
  const { withMysqlAdmin, mysqlAccountExists, readMysqlServer } = await import('./mysql.js');
  return withMysqlAdmin(admin, async (connection) => {
    const existing: string[] = [];
    for (const user of users) if (await mysqlAccountExists(connection, user, host)) existing.push(user);
    return { existing, server: await readMysqlServer(connection) };
  });
}

// ---- PostgreSQL ------------------------------------------------------------------------------

interface PublicRevokes {
  revokeCreate: boolean;
  revokeConnect: boolean;
}

async function planPg(
  ctx: PlanContext,
  inspection: DbInspection,
  admin: DbAdminAccess,
  choices: Choices,
  revokes: PublicRevokes,
  plan: Plan,
): Promise<RunSqlChange | null> {
  const db = inspection.db;
  const database = db.database!;
  const schema = inspection.pg?.schema ?? db.schema ?? 'public';
  const runtimeRole = validateAccountName(choices.runtimeUser || defaultRuntimeUser(db.username), 'database.runtimeUser');
  const ownerRole = choices.migrationUser === 'yes' ? validateAccountName(choices.migrationUserName || 'cachet_owner', 'database.migrationUserName') : null;
  const facts = await readPgAdminFacts(ctx, admin, database, schema, [runtimeRole, ownerRole].filter((r): r is string => r !== null)).catch(
    (error: unknown) => {
      plan.notes.push(`Could not read the database as administrator (${describeAdmin(admin)}): ${String((error as Error).message ?? error)}.`);
      return null;
    },
  );
  const schemaFacts = facts?.schema ?? pgFactsFromView(inspection, schema);
  if (!schemaFacts) throw new PreconditionError(`Cannot read schema ${schema} of ${database}, neither as Cachet nor as administrator: check database.adminVia.`);
  for (const role of facts?.existing ?? []) {
    throw new PreconditionError(`The role '${role}' already exists: choose another name with database.runtimeUser / database.migrationUserName, or drop it first.`);
  }
  const old = oldPgAccount(inspection, admin, db.username);
  rejectNameClash(runtimeRole, ownerRole, old);

  let ownerPassword: Secret | null = null;
  if (ownerRole) {
    ownerPassword = new Secret(generatePassword());
    const objects = pgObjectsToTransfer(schemaFacts, facts?.linkedSequences ?? new Set(), ownerRole);
    plan.changes.push(
      runSql(admin, `create PostgreSQL owner role ${ownerRole} and hand it ${objects.length} object(s) in schema ${schema}`, pgCreateOwnerRole({
        role: ownerRole,
        database,
        schema,
        password: ownerPassword,
        objects,
      }), database),
    );
  }

  // Tables created later (by migrations) get the runtime grants when their creator is named here.
  const owners = [...new Set(schemaFacts.tables.map((table) => table.owner))];
  let creators = owners.length > 0 ? owners : [db.username ?? 'postgres'];
  if (ownerRole) creators = [ownerRole];
  const password = new Secret(generatePassword());
  plan.changes.push(
    runSql(admin, `create PostgreSQL role ${runtimeRole} with SELECT, INSERT, UPDATE, DELETE on schema ${schema} and USAGE on its sequences`, pgCreateRuntimeRole({
      role: runtimeRole,
      database,
      schema,
      password,
      creators,
    }), database),
  );

  if (revokes.revokeCreate || revokes.revokeConnect) {
    plan.changes.push(
      publicRevokeChange(admin, database, schema, revokes, facts, schemaFacts, {
        migrators: ownerRole ? [ownerRole] : owners,
        connectors: [...owners, ...(db.username ? [db.username] : [])],
        created: [runtimeRole, ...(ownerRole ? [ownerRole] : [])],
      }),
    );
  }

  const login = (user: string, secret: Secret): DbLoginChange => ({
    kind: 'db-login',
    summary: `log in as ${user} and run Cachet's queries in a rolled-back transaction`,
    engine: 'pgsql',
    host: db.socket ?? db.host ?? '127.0.0.1',
    port: db.port ?? 5432,
    socket: null,
    database,
    user,
    password: secret,
    tables: cachetTables(ctx.install.line, db.prefix),
    schema,
  });
  finishPlan(ctx, plan, { runtimeUser: runtimeRole, password, migrationUser: ownerRole, migrationPassword: ownerPassword, login });
  if (!ownerRole && old && owners.includes(old.user)) {
    plan.notes.push(`${old.user} still owns Cachet's tables, so upgrades (php artisan migrate) must run as ${old.user}${choices.retireOld === 'lock' ? ' after ALTER ROLE ... LOGIN' : ''}.`);
  }
  return retireOld(plan, admin, old, choices, (o) => (choices.retireOld === 'drop' ? pgDropRole(o.user) : pgLockRole(o.user)), database);
}

async function planPgPublicOnly(ctx: PlanContext, inspection: DbInspection, admin: DbAdminAccess, revokes: PublicRevokes, plan: Plan): Promise<void> {
  const db = inspection.db;
  const schema = inspection.pg?.schema ?? 'public';
  const facts = await readPgAdminFacts(ctx, admin, db.database!, schema, []).catch(() => null);
  const schemaFacts = facts?.schema ?? pgFactsFromView(inspection, schema);
  if (!schemaFacts) return;
  const owners = [...new Set(schemaFacts.tables.map((table) => table.owner))];
  const connectors = [db.username ?? '', ...owners].filter((name) => name !== '');
  plan.changes.push(publicRevokeChange(admin, db.database!, schema, revokes, facts, schemaFacts, { migrators: owners, connectors, created: [] }));
}

interface PgAdminFacts {
  existing: string[];
  schema: PgSchemaFacts;
  /** Sequences owned by a column (serial, identity): they follow their table's owner. */
  linkedSequences: Set<string>;
  /** Roles with their own (not PUBLIC's) CREATE on the schema and CONNECT on the database. */
  explicitCreate: Set<string>;
  explicitConnect: Set<string>;
  superusers: Set<string>;
}

async function readPgAdminFacts(ctx: PlanContext, admin: DbAdminAccess, database: string, schema: string, roles: string[]): Promise<PgAdminFacts> {
  if (admin.engine !== 'pgsql') throw new Error('not a PostgreSQL administrator');
  const { openPgAdmin, pgRoleExists, readPgSchemaFacts } = await import('./postgres.js');
  const session = await openPgAdmin(admin, ctx.exec, database);
  try {
    const existing: string[] = [];
    for (const role of roles) if (await pgRoleExists(session, role)) existing.push(role);
    const linked = await session.query(
      `SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
        WHERE n.nspname = $1 AND c.relkind = 'S'`,
      [schema],
    );
    const createGrantees = await session.query(
      `SELECT pg_get_userbyid(a.grantee)::text FROM pg_namespace n, aclexplode(n.nspacl) a
        WHERE n.nspname = $1 AND a.grantee <> 0 AND a.privilege_type = 'CREATE'`,
      [schema],
    );
    const connectGrantees = await session.query(
      `SELECT pg_get_userbyid(a.grantee)::text FROM pg_database d, aclexplode(d.datacl) a
        WHERE d.datname = current_database() AND a.grantee <> 0 AND a.privilege_type = 'CONNECT'`,
    );
    const superusers = await session.query(`SELECT rolname::text FROM pg_roles WHERE rolsuper`);
    return {
      existing,
      schema: await readPgSchemaFacts(session, schema),
      linkedSequences: new Set(linked.map((row) => row[0]!)),
      explicitCreate: new Set(createGrantees.map((row) => row[0]!)),
      explicitConnect: new Set(connectGrantees.map((row) => row[0]!)),
      superusers: new Set(superusers.map((row) => row[0]!)),
    };
  } finally {
    await session.close();
  }
}

function pgFactsFromView(inspection: DbInspection, schema: string): PgSchemaFacts | null {
  const view = inspection.pg?.view;
  if (!view) return null;
  return {
    schema,
    schemaExists: view.schemaExists,
    schemaOwner: view.schemaOwner,
    tables: view.tables,
    sequences: view.sequences,
    publicCanCreateInSchema: view.publicCanCreateInSchema,
    publicCanConnect: view.publicCanConnect,
  };
}

function pgObjectsToTransfer(facts: PgSchemaFacts, linked: Set<string>, ownerRole: string): PgOwnedObject[] {
  // Tables first: ALTER TABLE ... OWNER TO moves the sequences their columns own along with them.
  const tables = facts.tables.filter((table) => table.owner !== ownerRole).map((table) => ({ kind: 'TABLE' as const, ...table }));
  const sequences = facts.sequences
    .filter((sequence) => sequence.owner !== ownerRole && !linked.has(sequence.name))
    .map((sequence) => ({ kind: 'SEQUENCE' as const, ...sequence }));
  return [...tables, ...sequences];
}

/**
 * PUBLIC's CREATE and CONNECT go; roles that relied on them get their own grant first: `migrators`
 * keep CREATE, `connectors` keep CONNECT. Superusers, the schema owner, roles with their own grant and
 * roles this plan creates (their batch grants what they need) are skipped.
 */
function publicRevokeChange(
  admin: DbAdminAccess,
  database: string,
  schema: string,
  revokes: PublicRevokes,
  facts: PgAdminFacts | null,
  schemaFacts: PgSchemaFacts,
  roles: { migrators: string[]; connectors: string[]; created: string[] },
): RunSqlChange {
  const superusers = facts?.superusers ?? new Set(['postgres']);
  const needsOwnGrant = (role: string, explicit: Set<string> | undefined) =>
    !superusers.has(role) && role !== schemaFacts.schemaOwner && !roles.created.includes(role) && !(explicit?.has(role) ?? false);
  const createGrantees = [...new Set(roles.migrators)].filter((role) => needsOwnGrant(role, facts?.explicitCreate));
  const connectGrantees = [...new Set([...roles.migrators, ...roles.connectors])].filter((role) => needsOwnGrant(role, facts?.explicitConnect));
  const what = [revokes.revokeCreate ? `CREATE on schema ${schema}` : null, revokes.revokeConnect ? `CONNECT on database ${database}` : null].filter(Boolean);
  return runSql(
    admin,
    `revoke ${what.join(' and ')} from PUBLIC`,
    pgRevokePublic({ database, schema, ...revokes, createGrantees, connectGrantees }),
    database,
  );
}

function oldPgAccount(inspection: DbInspection, admin: DbAdminAccess, username: string | null): OldAccount | null {
  if (!username) return null;
  let keepReason: string | null = null;
  if (inspection.pg?.view?.isSuperuser || username === 'postgres') keepReason = 'it is a superuser';
  else if (admin.engine === 'pgsql' && admin.via === 'tcp' && admin.user === username) keepReason = 'it is the administrator account used for this run';
  return { user: username, host: null, keepReason };
}

// ---- Shared ----------------------------------------------------------------------------------

export function defaultRuntimeUser(current: string | null): string {
  return current === 'cachet_app' ? 'cachet_runtime' : 'cachet_app';
}

function rejectNameClash(runtime: string, migration: string | null, old: OldAccount | null): void {
  if (migration !== null && migration === runtime) {
    throw new UsageError(`database.runtimeUser and database.migrationUserName are both '${runtime}': use two names.`);
  }
  if (old && (old.user === runtime || old.user === migration)) {
    throw new UsageError(`'${old.user}' is the account Cachet uses now: choose a different new name with database.runtimeUser / database.migrationUserName.`);
  }
}

function runSql(admin: DbAdminAccess, summary: string, batch: SqlBatch, database?: string): RunSqlChange {
  return {
    kind: 'run-sql',
    summary,
    admin,
    ...(database ? { database } : {}),
    statements: batch.statements,
    undo: batch.undo,
    ...(batch.guard ? { guard: batch.guard } : {}),
  };
}

interface NewCredentials {
  runtimeUser: string;
  password: Secret;
  migrationUser: string | null;
  migrationPassword: Secret | null;
  login(user: string, password: Secret): DbLoginChange;
}

/** Appends the checks and the switch-over: login as the new account(s), `.env`, config cache. */
function finishPlan(ctx: PlanContext, plan: Plan, credentials: NewCredentials): void {
  const install = ctx.install;
  const changes: Change[] = [];
  changes.push(credentials.login(credentials.runtimeUser, credentials.password));

  if (credentials.migrationUser && credentials.migrationPassword) {
    changes.push(credentials.login(credentials.migrationUser, credentials.migrationPassword));
    const file = migrationCredentialsPath(ctx.options.stateDir, install.db.database!);
    changes.push({
      kind: 'write-file',
      summary: `store the migration account's credentials in ${file} (mode 0600)`,
      path: file,
      content: `# Credentials for Cachet upgrades (php artisan migrate). Use them only for the upgrade:\n#   set -a; . ${file}; set +a; php artisan migrate --force\nDB_USERNAME=${credentials.migrationUser}\nDB_PASSWORD=${credentials.migrationPassword.reveal()}\n`,
      mode: 0o600,
      owner: { uid: 0, gid: 0, display: 'root:root' },
      expectSha256: null,
      secrets: [credentials.migrationPassword],
    });
    plan.notes.push(`Run upgrades with the migration account: set -a; . ${file}; set +a; php artisan migrate --force (variables in the environment win over .env).`);
  }

  changes.push({
    kind: 'edit-env',
    summary: `set DB_USERNAME=${credentials.runtimeUser} and a new DB_PASSWORD in ${install.envPath}`,
    path: install.envPath,
    dialect: install.dialect,
    set: [
      { key: 'DB_USERNAME', value: credentials.runtimeUser },
      { key: 'DB_PASSWORD', value: credentials.password },
    ],
    // TODO: pass expectSha256 of install.env's bytes once the edit-env handler's verify stops comparing
    // the edited file against it. Until then a dashboard save between plan and apply goes undetected.
  });
  plan.changes.push(...changes);
}

/** Appends the config-cache rebuild when Laravel caches its config; call after finishPlan. */
export async function planConfigCache(ctx: PlanContext, plan: Plan): Promise<void> {
  const cached = join(ctx.install.root, 'bootstrap', 'cache', 'config.php');
  const exists = await access(cached).then(
    () => true,
    () => false,
  );
  if (!exists) return;
  const user = ctx.isRoot ? ctx.install.webUser.user : undefined;
  plan.changes.push({
    kind: 'run-command',
    summary: `rebuild Laravel's config cache (${cached}) with the new credentials`,
    argv: ['php', 'artisan', 'config:cache'],
    ...(user ? { user, undoUser: user } : {}),
    cwd: ctx.install.root,
    timeoutMs: 120_000,
    // The cache may have been stale before the run, so undo restores its bytes rather than rebuilding.
    restores: [cached],
  });
}

function retireOld(
  plan: Plan,
  admin: DbAdminAccess,
  old: OldAccount | null,
  choices: Choices,
  build: (old: OldAccount) => SqlBatch,
  database?: string,
): RunSqlChange | null {
  const choice = (choices.retireOld ?? 'keep') as RetireOld;
  if (!['keep', 'lock', 'drop'].includes(choice)) {
    throw new UsageError(`Invalid value '${choice}' for database.retireOld: use 'keep', 'lock' or 'drop'.`);
  }
  if (!old) {
    if (choice !== 'keep') plan.notes.push('The old account could not be identified (the login failed), so it is left as it is.');
    return null;
  }
  const name = old.host === null ? old.user : `'${old.user}'@'${old.host}'`;
  if (old.keepReason) {
    plan.notes.push(`The old account ${name} is left alone because ${old.keepReason}; change its password if it was ever shared.`);
    return null;
  }
  if (choice === 'keep') {
    plan.notes.push(`The old account ${name} still works; lock or drop it once nothing else uses it.`);
    return null;
  }
  const verb = choice === 'drop' ? 'drop (cannot be undone)' : 'lock';
  return runSql(admin, `${verb} the old account ${name}`, build(old), database);
}

export function migrationCredentialsPath(stateDir: string, database: string): string {
  return join(stateDir, 'credentials', `${database}-migration.env`);
}
