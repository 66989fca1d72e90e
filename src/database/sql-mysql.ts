// SQL for MySQL/MariaDB accounts. Names are validated and quoted here; the password is a parameter that
// the run-sql handler binds as a quoted literal, because CREATE USER takes no bind parameters.

import type { SqlStatement } from '../plan/changes.js';
import type { Secret } from '../util/secret.js';
import { mysqlAccount, quoteMysqlGrantDatabase, validateDatabaseName } from './identifiers.js';
import type { MysqlServerInfo } from './mysql.js';
import { sqlStatement } from './statement.js';

export interface MysqlAccountSpec {
  user: string;
  host: string;
  database: string;
  privileges: readonly string[];
  password: Secret;
  /** `mysql_native_password` to force that plugin; null for the server's default. */
  plugin: string | null;
}

export interface SqlBatch {
  guard?: SqlStatement;
  statements: SqlStatement[];
  undo: SqlStatement[];
}

/** CREATE USER plus one database-level GRANT; undone by dropping the account. */
export function mysqlCreateAccount(spec: MysqlAccountSpec): SqlBatch {
  const account = mysqlAccount(spec.user, spec.host);
  const database = quoteMysqlGrantDatabase(validateDatabaseName(spec.database));
  const identified = spec.plugin ? `IDENTIFIED WITH ${spec.plugin} BY ?` : 'IDENTIFIED BY ?';
  return {
    guard: sqlStatement('mysql', 'SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?', [spec.user, spec.host]),
    statements: [
      sqlStatement('mysql', `CREATE USER ${account} ${identified}`, [spec.password]),
      sqlStatement('mysql', `GRANT ${spec.privileges.join(', ')} ON ${database}.* TO ${account}`),
    ],
    undo: [sqlStatement('mysql', `DROP USER IF EXISTS ${account}`)],
  };
}

/** ACCOUNT LOCK (MySQL 5.7.6+, MariaDB 10.4.2+) refuses new logins and keeps the account for rollback. */
export function mysqlLockAccount(user: string, host: string): SqlBatch {
  const account = mysqlAccount(user, host);
  return {
    statements: [sqlStatement('mysql', `ALTER USER ${account} ACCOUNT LOCK`)],
    undo: [sqlStatement('mysql', `ALTER USER ${account} ACCOUNT UNLOCK`)],
  };
}

/** DROP USER cannot be undone: the old password hash is not kept. */
export function mysqlDropAccount(user: string, host: string): SqlBatch {
  return { statements: [sqlStatement('mysql', `DROP USER ${mysqlAccount(user, host)}`)], undo: [] };
}

export interface AuthPluginDecision {
  plugin: string | null;
  note: string | null;
}

/**
 * Picks the authentication plugin for a new account. MySQL 8.0 creates accounts with
 * caching_sha2_password, which PHP before 7.4 cannot use (error 2054), so for such PHP builds the account
 * gets mysql_native_password; MySQL 8.4 disables that plugin by default, so there PHP must be upgraded.
 * MariaDB and MySQL 5.x defaults suit every PHP that Cachet supports.
 */
export function chooseAuthPlugin(server: MysqlServerInfo, phpVersionId: number | null): AuthPluginDecision {
  if (server.isMariaDb || server.major < 8) return { plugin: null, note: null };
  const usesSha2 = server.defaultAuthPlugin === null || server.defaultAuthPlugin === 'caching_sha2_password';
  if (!usesSha2 || phpVersionId === null || phpVersionId >= 70400) return { plugin: null, note: null };
  if (server.major > 8 || server.minor >= 4) {
    return {
      plugin: null,
      note: `PHP ${formatPhpVersion(phpVersionId)} cannot log in with caching_sha2_password, and MySQL ${server.version} disables mysql_native_password by default: upgrade PHP to 7.4 or later.`,
    };
  }
  return { plugin: 'mysql_native_password', note: null };
}

function formatPhpVersion(id: number): string {
  return `${Math.floor(id / 10000)}.${Math.floor(id / 100) % 100}`;
}
