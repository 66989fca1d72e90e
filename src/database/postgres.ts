// PostgreSQL adapter: connect as Cachet would, read a role's powers and the schema's privileges, run
// administrator statements over TCP (pg) or as the local superuser through `runuser -u postgres --
// psql` with the SQL on stdin, and exercise a login. pg is imported on first use.

import type { Client } from 'pg';

import { ApplyError } from '../errors.js';
import type { DbAdminAccess, SqlStatement } from '../plan/changes.js';
import type { DbSettings, Exec } from '../types.js';
import { redact, Secret } from '../util/secret.js';
import { bindParameters, quotePgIdentifier } from './identifiers.js';

export interface PgLogin {
  /** Host name, address, or a socket directory (starts with `/`). */
  host: string;
  port: number;
  user: string;
  password: string | Secret | null;
  database: string;
}

/** A connection that returns every value as text (or null), whatever carries it. */
export interface PgSession {
  query(sql: string, params?: Array<string | Secret>): Promise<Array<Array<string | null>>>;
  /** Runs the statements in one transaction; nothing stays applied when one fails. */
  runTransaction(statements: SqlStatement[]): Promise<void>;
  close(): Promise<void>;
}

/** Returns the login Cachet makes from `.env`: Laravel's pgsql connector defaults to port 5432. */
export function pgAppLogin(db: DbSettings): PgLogin {
  return {
    host: db.socket ?? db.host ?? '127.0.0.1',
    port: db.port ?? 5432,
    user: db.username ?? '',
    password: db.password,
    database: db.database ?? '',
  };
}

export async function connectPg(login: PgLogin): Promise<PgSession> {
  const pg = (await import('pg')).default;
  const password = login.password instanceof Secret ? login.password.reveal() : login.password;
  const client: Client = new pg.Client({
    host: login.host,
    port: login.port,
    user: login.user,
    password: password ?? undefined,
    database: login.database,
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  return clientSession(client);
}

function clientSession(client: Client): PgSession {
  const query = async (sql: string, params: Array<string | Secret> = []) => {
    const values = params.map((param) => (param instanceof Secret ? param.reveal() : param));
    const result = await client.query({ text: sql, values, rowMode: 'array' });
    return (result.rows as unknown[][]).map((row) => row.map((value) => (value === null ? null : String(value))));
  };
  return {
    query,
    async runTransaction(statements) {
      await client.query('BEGIN');
      try {
        // Utility statements (CREATE ROLE ... PASSWORD) cannot take bind parameters, so parameters
        // are bound here as quoted literals; the text goes to the server only.
        for (const statement of statements) await client.query(bindParameters(statement.sql, statement.params ?? [], 'pgsql'));
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}

type PgAdmin = Extract<DbAdminAccess, { engine: 'pgsql' }>;

/** Opens an administrator session in `database` (defaults to the access's own database). */
export async function openPgAdmin(access: PgAdmin, exec: Exec, database?: string): Promise<PgSession> {
  const target = database ?? access.database;
  if (access.via === 'tcp') {
    return connectPg({ host: access.host, port: access.port, user: access.user, password: access.password ?? null, database: target });
  }
  return psqlSession(access, exec, target);
}

const FIELD_SEPARATOR = '\x1f';
const RECORD_SEPARATOR = '\x1e';

// Each call runs one psql as the OS user; peer authentication on the local socket needs no password,
// and the SQL (with any secret bound into it) travels on stdin, never in the argument list.
function psqlSession(access: Extract<PgAdmin, { via: 'runuser' }>, exec: Exec, database: string): PgSession {
  const argv = [
    'psql',
    '-X',
    '-q',
    '-A',
    '-t',
    '-v',
    'ON_ERROR_STOP=1',
    '-F',
    FIELD_SEPARATOR,
    '-R',
    RECORD_SEPARATOR,
    '-h',
    access.host,
    '-p',
    String(access.port),
    '-d',
    database,
    '-f',
    '-',
  ];
  const run = async (sql: string, secrets: string[]): Promise<string> => {
    const result = await exec(argv, { user: access.osUser, input: sql, timeoutMs: 60_000 });
    if (result.exitCode !== 0) {
      const output = redact(`${result.stderr}${result.stdout}`.trim(), secrets);
      throw new ApplyError(`psql as ${access.osUser} on ${access.host}:${access.port}/${database} failed (exit ${result.exitCode}): ${output}`);
    }
    return result.stdout;
  };
  return {
    async query(sql, params = []) {
      const stdout = await run(`${bindParameters(sql, params, 'pgsql')};\n`, revealAll(params));
      // psql ends the last record with a newline instead of the record separator.
      const text = stdout.replace(/\n$/, '');
      if (text === '') return [];
      return text.split(RECORD_SEPARATOR).map((record) => record.split(FIELD_SEPARATOR));
    },
    async runTransaction(statements) {
      const body = statements.map((statement) => `${bindParameters(statement.sql, statement.params ?? [], 'pgsql')};\n`).join('');
      await run(`BEGIN;\n${body}COMMIT;\n`, statements.flatMap((statement) => revealAll(statement.params ?? [])));
    },
    async close() {},
  };
}

function revealAll(params: Array<string | Secret>): string[] {
  return params.filter((param): param is Secret => param instanceof Secret).map((secret) => secret.reveal());
}

export interface PgRoleView {
  role: string;
  serverVersion: number;
  isSuperuser: boolean;
  canCreateRole: boolean;
  canCreateDb: boolean;
  /** Whether the role owns the database itself. */
  ownsDatabase: boolean;
  databaseOwner: string;
  schema: string;
  schemaExists: boolean;
  schemaOwner: string | null;
  /** Tables (and views, sequences) in the schema, with owners. */
  tables: Array<{ name: string; owner: string }>;
  sequences: Array<{ name: string; owner: string }>;
  canCreateInSchema: boolean;
  publicCanCreateInSchema: boolean;
  publicCanConnect: boolean;
}

/** Reads what the logged-in role may do; every query reads catalogs that any role can read. */
export async function readPgRoleView(session: PgSession, schema: string): Promise<PgRoleView> {
  const [row] = await session.query(
    `SELECT current_user::text, current_setting('server_version_num'),
            r.rolsuper::text, r.rolcreaterole::text, r.rolcreatedb::text,
            (d.datdba = r.oid)::text, pg_get_userbyid(d.datdba)::text
       FROM pg_roles r, pg_database d
      WHERE r.rolname = current_user AND d.datname = current_database()`,
  );
  const [role, version, isSuperuser, canCreateRole, canCreateDb, ownsDatabase, databaseOwner] = row!;
  const facts = await readPgSchemaFacts(session, schema);
  const [[canCreate]] = (await session.query(
    `SELECT coalesce((SELECT has_schema_privilege(oid, 'CREATE') FROM pg_namespace WHERE nspname = $1), false)::text`,
    [schema],
  )) as [[string]];
  return {
    role: role!,
    serverVersion: Number(version),
    isSuperuser: isSuperuser === 'true',
    canCreateRole: canCreateRole === 'true',
    canCreateDb: canCreateDb === 'true',
    ownsDatabase: ownsDatabase === 'true',
    databaseOwner: databaseOwner!,
    canCreateInSchema: canCreate === 'true',
    ...facts,
  };
}

export interface PgSchemaFacts {
  schema: string;
  schemaExists: boolean;
  schemaOwner: string | null;
  tables: Array<{ name: string; owner: string }>;
  sequences: Array<{ name: string; owner: string }>;
  publicCanCreateInSchema: boolean;
  publicCanConnect: boolean;
}

/** Reads owners and PUBLIC's privileges for a schema in the current database. */
export async function readPgSchemaFacts(session: PgSession, schema: string): Promise<PgSchemaFacts> {
  const owner = await session.query(`SELECT pg_get_userbyid(nspowner)::text FROM pg_namespace WHERE nspname = $1`, [schema]);
  const relations = await session.query(
    `SELECT c.relname::text, pg_get_userbyid(c.relowner)::text, c.relkind::text
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
      ORDER BY c.relname`,
    [schema],
  );
  // grantee 0 is PUBLIC in aclexplode(); a NULL ACL means the built-in defaults, hence acldefault().
  const [[publicCreate]] = (await session.query(
    `SELECT EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
                     WHERE n.nspname = $1 AND a.grantee = 0 AND a.privilege_type = 'CREATE')::text`,
    [schema],
  )) as [[string]];
  const [[publicConnect]] = (await session.query(
    `SELECT EXISTS (SELECT 1 FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                     WHERE d.datname = current_database() AND a.grantee = 0 AND a.privilege_type = 'CONNECT')::text`,
  )) as [[string]];
  return {
    schema,
    schemaExists: owner.length > 0,
    schemaOwner: owner[0]?.[0] ?? null,
    tables: relations.filter((r) => r[2] !== 'S').map((r) => ({ name: r[0]!, owner: r[1]! })),
    sequences: relations.filter((r) => r[2] === 'S').map((r) => ({ name: r[0]!, owner: r[1]! })),
    publicCanCreateInSchema: publicCreate === 'true',
    publicCanConnect: publicConnect === 'true',
  };
}

export async function pgRoleExists(session: PgSession, role: string): Promise<boolean> {
  const rows = await session.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  return rows.length > 0;
}

export async function readPgRoleFlags(session: PgSession, role: string): Promise<{ isSuperuser: boolean; canLogin: boolean } | null> {
  const rows = await session.query('SELECT rolsuper::text, rolcanlogin::text FROM pg_roles WHERE rolname = $1', [role]);
  if (rows.length === 0) return null;
  return { isSuperuser: rows[0]![0] === 'true', canLogin: rows[0]![1] === 'true' };
}

/**
 * Runs Cachet's kinds of query in a transaction that is rolled back: SELECT on each table that exists,
 * INSERT, UPDATE and DELETE matching no rows on the first (privileges are checked all the same), and
 * USAGE on every sequence in the schema, which every INSERT through a serial column needs.
 * Returns the tables exercised; throws when a sequence is not usable.
 */
export async function exercisePg(session: PgSession, schema: string, tables: string[]): Promise<string[]> {
  const existingRows = await session.query(
    `SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')`,
    [schema],
  );
  const existing = new Set(existingRows.map((row) => row[0]!));
  const present = tables.filter((table) => existing.has(table));
  const qualify = (table: string) => `${quotePgIdentifier(schema)}.${quotePgIdentifier(table)}`;

  await session.query('BEGIN');
  try {
    for (const table of present) await session.query(`SELECT * FROM ${qualify(table)} LIMIT 1`);
    const first = present[0];
    if (first !== undefined) {
      const [[column]] = (await session.query(
        `SELECT attname::text FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum LIMIT 1`,
        [qualify(first)],
      )) as [[string]];
      const quotedColumn = quotePgIdentifier(column);
      await session.query(`INSERT INTO ${qualify(first)} SELECT * FROM ${qualify(first)} WHERE false`);
      await session.query(`UPDATE ${qualify(first)} SET ${quotedColumn} = ${quotedColumn} WHERE false`);
      await session.query(`DELETE FROM ${qualify(first)} WHERE false`);
    }
    const denied = await session.query(
      `SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind = 'S'
          -- CASE keeps the planner from calling has_sequence_privilege() on rows that are not sequences.
          AND NOT CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(c.oid, 'USAGE') ELSE true END`,
      [schema],
    );
    if (denied.length > 0) {
      throw new ApplyError(`No USAGE on sequence(s) ${denied.map((row) => row[0]).join(', ')} in schema ${schema}: INSERTs would fail.`);
    }
  } finally {
    await session.query('ROLLBACK').catch(() => undefined);
  }
  return present;
}
