// MySQL/MariaDB adapter: connect as Cachet would, read an account's grants, run administrator
// statements, and exercise a login. mysql2 is imported on first use.

import type { Connection } from 'mysql2/promise';

import type { DbAdminAccess, SqlStatement } from '../plan/changes.js';
import type { DbSettings } from '../types.js';
import { Secret } from '../util/secret.js';
import { bindParameters, quoteMysqlIdentifier } from './identifiers.js';

/** Socket PHP's mysqlnd uses when DB_HOST is `localhost` and no socket is set (Debian's build). */
export const DEFAULT_MYSQL_SOCKET = '/run/mysqld/mysqld.sock';

export interface MysqlEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
}

export interface MysqlLogin extends MysqlEndpoint {
  user: string;
  password: string | Secret | null;
  database?: string;
}

/**
 * Returns where PHP's PDO connects for these settings: a configured socket wins; PDO reads host `localhost`
 * as "the default unix socket"; anything else is TCP (port 3306 by default).
 */
export function mysqlEndpoint(db: DbSettings, defaultSocket = DEFAULT_MYSQL_SOCKET): MysqlEndpoint {
  if (db.socket) return { socketPath: db.socket };
  const host = db.host ?? 'localhost';
  if (host === 'localhost') return { socketPath: defaultSocket };
  return { host, port: db.port ?? 3306 };
}

export function describeEndpoint(endpoint: MysqlEndpoint): string {
  return endpoint.socketPath ? `socket ${endpoint.socketPath}` : `${endpoint.host}:${endpoint.port}`;
}

export async function connectMysql(login: MysqlLogin): Promise<Connection> {
  const mysql = await import('mysql2/promise');
  const password = login.password instanceof Secret ? login.password.reveal() : login.password;
  return mysql.createConnection({
    ...(login.socketPath ? { socketPath: login.socketPath } : { host: login.host, port: login.port }),
    user: login.user,
    // An empty password and a missing one are the same to the server; mysql2 wants undefined for none.
    password: password === null || password === '' ? undefined : password,
    database: login.database,
    connectTimeout: 10_000,
    multipleStatements: false,
    supportBigNumbers: true,
  });
}

export interface MysqlServerInfo {
  version: string;
  isMariaDb: boolean;
  major: number;
  minor: number;
  /** default_authentication_plugin (MySQL 8.0), or null where the variable does not exist. */
  defaultAuthPlugin: string | null;
  /** Whether a password policy plugin demands a character outside letters and digits. */
  requiresSpecialCharacter: boolean;
}

export async function readMysqlServer(connection: Connection): Promise<MysqlServerInfo> {
  const version = String(await scalar(connection, 'SELECT VERSION()'));
  const isMariaDb = /mariadb/i.test(version);
  const [major = 0, minor = 0] = version.split(/[.-]/).map(Number);
  const defaultAuthPlugin = isMariaDb
    ? null
    : ((await scalar(connection, 'SELECT @@default_authentication_plugin').catch(() => null)) as string | null);
  return {
    version,
    isMariaDb,
    major,
    minor,
    defaultAuthPlugin,
    requiresSpecialCharacter: await readSpecialCharacterPolicy(connection, isMariaDb),
  };
}

async function readSpecialCharacterPolicy(connection: Connection, isMariaDb: boolean): Promise<boolean> {
  if (isMariaDb) {
    // simple_password_check requires one non-alphanumeric character by default; cracklib does not.
    const [rows] = await connection.query(
      "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_VARIABLES WHERE VARIABLE_NAME = 'SIMPLE_PASSWORD_CHECK_OTHER_CHARACTERS'",
    );
    const value = (rows as Array<{ VARIABLE_VALUE: string }>)[0]?.VARIABLE_VALUE;
    return value !== undefined && Number(value) > 0;
  }
  // MySQL validate_password: the component (8.0) names it validate_password.special_char_count, the
  // old plugin validate_password_special_char_count; policy LOW (0) checks only the length.
  const [rows] = await connection.query("SHOW VARIABLES LIKE 'validate\\_password%'");
  const variables = new Map((rows as Array<{ Variable_name: string; Value: string }>).map((row) => [row.Variable_name, row.Value]));
  if (variables.size === 0) return false;
  const policy = variables.get('validate_password.policy') ?? variables.get('validate_password_policy') ?? 'MEDIUM';
  const specials = variables.get('validate_password.special_char_count') ?? variables.get('validate_password_special_char_count') ?? '1';
  return !['LOW', '0'].includes(policy.toUpperCase()) && Number(specials) > 0;
}

export interface MysqlAccountView {
  /** CURRENT_USER(): the account the server matched. */
  account: { user: string; host: string };
  /** Host part of USER(): the client as the server saw it. */
  clientHost: string;
  grants: string[];
  server: MysqlServerInfo;
  /** Authentication plugin of the account, when the account may read it; otherwise null. */
  plugin: string | null;
}

/** Reads the logged-in account: which account matched, its grants and the server. */
export async function readMysqlAccountView(connection: Connection): Promise<MysqlAccountView> {
  const [rows] = await connection.query('SELECT CURRENT_USER() AS account, USER() AS client');
  const { account, client } = (rows as Array<{ account: string; client: string }>)[0]!;
  const [grantRows] = await connection.query('SHOW GRANTS');
  const grants = (grantRows as Array<Record<string, string>>).map((row) => Object.values(row)[0]!);
  const [user, host] = splitAccount(account);
  const plugin = (await scalar(connection, 'SELECT plugin FROM mysql.user WHERE User = ? AND Host = ?', [user, host]).catch(
    () => null,
  )) as string | null;
  return {
    account: { user, host },
    clientHost: splitAccount(client)[1],
    grants,
    server: await readMysqlServer(connection),
    plugin,
  };
}

// CURRENT_USER() and USER() return `user@host`; the user part may itself contain `@`.
function splitAccount(value: string): [string, string] {
  const at = value.lastIndexOf('@');
  return at < 0 ? [value, ''] : [value.slice(0, at), value.slice(at + 1)];
}

export async function scalar(connection: Connection, sql: string, params: unknown[] = []): Promise<unknown> {
  const [rows] = await connection.query(sql, params);
  const first = (rows as Array<Record<string, unknown>>)[0];
  return first === undefined ? null : Object.values(first)[0];
}

type MysqlAdmin = Extract<DbAdminAccess, { engine: 'mysql' }>;

export function adminLogin(access: MysqlAdmin): MysqlLogin {
  return access.via === 'socket'
    ? { socketPath: access.socket, user: access.user, password: access.password ?? null }
    : { host: access.host, port: access.port, user: access.user, password: access.password ?? null };
}

export async function withMysqlAdmin<T>(access: MysqlAdmin, work: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await connectMysql(adminLogin(access));
  try {
    return await work(connection);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

export async function mysqlAccountExists(connection: Connection, user: string, host: string): Promise<boolean> {
  return Number(await scalar(connection, 'SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = ?', [user, host])) > 0;
}

/** Runs statements one by one; parameters are bound client-side as quoted literals. */
export async function runMysqlStatements(connection: Connection, statements: SqlStatement[]): Promise<unknown[][]> {
  const results: unknown[][] = [];
  for (const statement of statements) {
    const [rows] = await connection.query(bindParameters(statement.sql, statement.params ?? [], 'mysql'));
    results.push(Array.isArray(rows) ? (rows as unknown[]) : []);
  }
  return results;
}

/**
 * Runs the kinds of query Cachet runs, inside a transaction that is rolled back: SELECT on every table
 * that exists, and INSERT, UPDATE and DELETE on the first one. The writes match no rows, but the server
 * checks their privileges all the same. Returns the tables exercised.
 */
export async function exerciseMysql(connection: Connection, tables: string[]): Promise<string[]> {
  const [existingRows] = await connection.query(
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
  );
  const existing = new Set((existingRows as Array<{ name: string }>).map((row) => row.name));
  const present = tables.filter((table) => existing.has(table));

  await connection.query('START TRANSACTION');
  try {
    await connection.query('SELECT 1');
    for (const table of present) await connection.query(`SELECT * FROM ${quoteMysqlIdentifier(table)} LIMIT 1`);
    const first = present[0];
    if (first !== undefined) {
      const quoted = quoteMysqlIdentifier(first);
      const column = String(
        await scalar(
          connection,
          'SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION LIMIT 1',
          [first],
        ),
      );
      const quotedColumn = quoteMysqlIdentifier(column);
      await connection.query(`INSERT INTO ${quoted} SELECT * FROM ${quoted} WHERE 1 = 0`);
      await connection.query(`UPDATE ${quoted} SET ${quotedColumn} = ${quotedColumn} WHERE 1 = 0`);
      await connection.query(`DELETE FROM ${quoted} WHERE 1 = 0`);
    }
  } finally {
    await connection.query('ROLLBACK').catch(() => undefined);
  }
  return present;
}
