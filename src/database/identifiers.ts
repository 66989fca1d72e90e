// Validation and quoting of SQL identifiers and literals. Every name that reaches SQL passes through a
// validator first and a quoting function second, so no statement is built from unquoted input.

import { createRequire } from 'node:module';

import { UsageError } from '../errors.js';
import { Secret } from '../util/secret.js';

// MySQL user names are at most 80 characters in MariaDB 10.x and 32 in MySQL 5.7+; PostgreSQL names at
// most 63 bytes. The character set is deliberately narrower than either server allows.
const ACCOUNT_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,31}$/;
const DATABASE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_$-]{0,62}$/;
const MYSQL_HOST = /^[A-Za-z0-9_.:%-]{1,255}$/;

/** Throws a UsageError unless `name` is a plain account (user or role) name. */
export function validateAccountName(name: string, what = 'account name'): string {
  if (!ACCOUNT_NAME.test(name)) {
    throw new UsageError(
      `Invalid ${what} '${name}': use 1-32 letters, digits, '_' or '-', starting with a letter or '_'.`,
    );
  }
  return name;
}

/** Throws a UsageError unless `name` is a database or schema name we can quote safely. */
export function validateDatabaseName(name: string, what = 'database name'): string {
  if (!DATABASE_NAME.test(name)) {
    throw new UsageError(`Invalid ${what} '${name}': use 1-63 letters, digits, '_', '$' or '-'.`);
  }
  return name;
}

export function validateMysqlHost(host: string): string {
  if (!MYSQL_HOST.test(host)) {
    throw new UsageError(`Invalid account host '${host}': use a host name, an IP address or 'localhost'.`);
  }
  return host;
}

/**
 * Validates the host of an account this tool creates. `%` and `_` are wildcards in an account host, and an
 * account open to any client is what the database step replaces, so they are rejected here. Existing
 * accounts such as 'homestead'@'%' can still be named through validateMysqlHost, to lock them.
 */
export function validateNewAccountHost(host: string): string {
  if (/[%_]/.test(host)) {
    throw new UsageError(`Invalid account host '${host}' for the new account: give one host name, IP address or 'localhost' (no % or _ wildcards).`);
  }
  return validateMysqlHost(host);
}

/** Quotes a MySQL identifier with backticks, doubling any backtick inside. */
export function quoteMysqlIdentifier(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/**
 * Quotes a database name for a database-level GRANT. GRANT treats `_` and `%` in that position as
 * wildcards even inside backticks, so `cachet_prod` must be written `cachet\_prod` (MySQL 8.0 manual,
 * "GRANT Statement": "the _ and % wildcards are permitted when specifying database names").
 */
export function quoteMysqlGrantDatabase(name: string): string {
  return quoteMysqlIdentifier(name.replace(/([\\_%])/g, '\\$1'));
}

/**
 * Quotes a string literal for MySQL with the driver's own escaping (mysql2 `escape`, from sqlstring),
 * which backslash-escapes quotes, backslashes and control characters. Assumes the server does not run
 * with the NO_BACKSLASH_ESCAPES SQL mode; generated passwords contain no character it would affect.
 */
export function quoteMysqlLiteral(value: string): string {
  // Loaded on first use so `check` on a file-only install never loads the driver.
  mysqlEscape ??= (createRequire(import.meta.url)('mysql2') as { escape(value: string): string }).escape;
  return mysqlEscape(value);
}

let mysqlEscape: ((value: string) => string) | undefined;

/** `'user'@'host'` with both parts validated and quoted as string literals. */
export function mysqlAccount(user: string, host: string): string {
  return `${quoteMysqlLiteral(validateAccountName(user))}@${quoteMysqlLiteral(validateMysqlHost(host))}`;
}

/** Quotes a PostgreSQL identifier with double quotes, doubling any double quote inside. */
export function quotePgIdentifier(name: string): string {
  if (name.includes('\0')) throw new UsageError('Invalid identifier: contains a NUL byte.');
  return '"' + name.replace(/"/g, '""') + '"';
}

/**
 * Quotes a PostgreSQL string literal as quote_literal() does: single quotes doubled, and with an E''
 * string whose backslashes are doubled when the value contains one (independent of
 * standard_conforming_strings).
 */
export function quotePgLiteral(value: string): string {
  if (value.includes('\0')) throw new UsageError('Invalid string literal: contains a NUL byte.');
  const quoted = value.replace(/'/g, "''");
  if (!value.includes('\\')) return `'${quoted}'`;
  return `E'${quoted.replace(/\\/g, '\\\\')}'`;
}

export type Placeholder = 'mysql' | 'pgsql';

/**
 * Substitutes parameters into SQL text as quoted literals: `?` for MySQL, `$1`, `$2`, ... for
 * PostgreSQL. Placeholders inside quoted identifiers or literals are left alone. Used for statements
 * that cannot take bind parameters (CREATE USER, CREATE ROLE ... PASSWORD) and for SQL sent to psql
 * on stdin; the result contains secrets and must only go to the server.
 */
export function bindParameters(sql: string, params: ReadonlyArray<string | Secret>, style: Placeholder): string {
  const quote = style === 'mysql' ? quoteMysqlLiteral : quotePgLiteral;
  const reveal = (param: string | Secret): string => (param instanceof Secret ? param.reveal() : param);
  let out = '';
  let next = 0;
  let i = 0;
  while (i < sql.length) {
    const character = sql[i]!;
    if (character === "'" || character === '"' || character === '`') {
      const end = findClosingQuote(sql, i, style);
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (style === 'mysql' && character === '?') {
      if (next >= params.length) throw new Error(`SQL has more placeholders than parameters: ${sql}`);
      out += quote(reveal(params[next++]!));
      i++;
      continue;
    }
    if (style === 'pgsql' && character === '$' && /[0-9]/.test(sql[i + 1] ?? '')) {
      const digits = /^[0-9]+/.exec(sql.slice(i + 1))![0];
      const index = Number(digits) - 1;
      if (index < 0 || index >= params.length) throw new Error(`SQL refers to missing parameter $${digits}: ${sql}`);
      out += quote(reveal(params[index]!));
      next = Math.max(next, index + 1);
      i += 1 + digits.length;
      continue;
    }
    out += character;
    i++;
  }
  if (next !== params.length) throw new Error(`SQL uses ${next} of ${params.length} parameters: ${sql}`);
  return out;
}

// Returns the index just past the quoted section starting at `start`. Quotes are escaped by doubling;
// in MySQL string literals a backslash also escapes the next character.
function findClosingQuote(sql: string, start: number, style: Placeholder): number {
  const quote = sql[start]!;
  let i = start + 1;
  while (i < sql.length) {
    const character = sql[i]!;
    if (character === '\\' && quote !== '`' && (style === 'mysql' || sql[start - 1] === 'E')) {
      i += 2;
      continue;
    }
    if (character === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}
