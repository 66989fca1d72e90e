// SQL for PostgreSQL roles. Names are validated and double-quoted; the password is a parameter that the
// run-sql handler binds as a quoted literal, because CREATE ROLE takes no bind parameters.

import type { Secret } from '../util/secret.js';
import { quotePgIdentifier, quotePgLiteral, validateAccountName, validateDatabaseName } from './identifiers.js';
import type { SqlBatch } from './sql-mysql.js';
import { sqlStatement } from './statement.js';
import type { SqlStatement } from '../plan/changes.js';

const ROLE_LIMITS = 'NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';

export interface PgRuntimeSpec {
  role: string;
  database: string;
  schema: string;
  password: Secret;
  /** Roles that create Cachet's tables (the migration owner): new tables of theirs get the runtime grants. */
  creators: string[];
}

/**
 * Creates a login role with DML on every table and USAGE, SELECT on every sequence in the schema (an INSERT
 * through a serial column calls nextval()), plus default privileges so tables that later migrations
 * create are covered too.
 */
export function pgCreateRuntimeRole(spec: PgRuntimeSpec): SqlBatch {
  const role = quotePgIdentifier(validateAccountName(spec.role, 'role name'));
  const database = quotePgIdentifier(validateDatabaseName(spec.database));
  const schema = quotePgIdentifier(validateDatabaseName(spec.schema, 'schema name'));
  const creators = spec.creators.map((creator) => quotePgIdentifier(validateAccountName(creator, 'role name')));

  const statements = [
    sqlStatement('pgsql', `CREATE ROLE ${role} LOGIN ${ROLE_LIMITS} PASSWORD $1`, [spec.password]),
    sqlStatement('pgsql', `GRANT CONNECT ON DATABASE ${database} TO ${role}`),
    sqlStatement('pgsql', `GRANT USAGE ON SCHEMA ${schema} TO ${role}`),
    sqlStatement('pgsql', `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role}`),
    sqlStatement('pgsql', `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role}`),
  ];
  for (const creator of creators) {
    statements.push(
      sqlStatement('pgsql', `ALTER DEFAULT PRIVILEGES FOR ROLE ${creator} IN SCHEMA ${schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${role}`),
      sqlStatement('pgsql', `ALTER DEFAULT PRIVILEGES FOR ROLE ${creator} IN SCHEMA ${schema} GRANT USAGE, SELECT ON SEQUENCES TO ${role}`),
    );
  }

  const revokes = [
    ...creators.flatMap((creator) => [
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${creator} IN SCHEMA ${schema} REVOKE ALL ON TABLES FROM ${role}`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${creator} IN SCHEMA ${schema} REVOKE ALL ON SEQUENCES FROM ${role}`,
    ]),
    `REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${role}`,
    `REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${schema} FROM ${role}`,
    `REVOKE ALL ON SCHEMA ${schema} FROM ${role}`,
    `REVOKE ALL ON DATABASE ${database} FROM ${role}`,
  ];
  return {
    guard: roleGuard(spec.role),
    statements,
    undo: [ifRoleExists(spec.role, revokes), sqlStatement('pgsql', `DROP ROLE IF EXISTS ${role}`)],
  };
}

export interface PgOwnedObject {
  kind: 'TABLE' | 'VIEW' | 'MATERIALIZED VIEW' | 'FOREIGN TABLE' | 'SEQUENCE';
  name: string;
  owner: string;
}

export interface PgOwnerSpec {
  role: string;
  database: string;
  schema: string;
  password: Secret;
  /** Cachet's objects to hand over, with their current owners (restored on undo). */
  objects: PgOwnedObject[];
}

/**
 * Creates a non-superuser login role that owns Cachet's objects, so migrations (ALTER TABLE needs ownership) run
 * as it. Ownership moves object by object, inside Cachet's schema only; REASSIGN OWNED BY would also take
 * the bootstrap superuser's system objects. A sequence owned by a serial column follows its table.
 */
export function pgCreateOwnerRole(spec: PgOwnerSpec): SqlBatch {
  const role = quotePgIdentifier(validateAccountName(spec.role, 'role name'));
  const database = quotePgIdentifier(validateDatabaseName(spec.database));
  const schema = quotePgIdentifier(validateDatabaseName(spec.schema, 'schema name'));
  const qualify = (name: string) => `${schema}.${quotePgIdentifier(name)}`;

  const statements = [
    sqlStatement('pgsql', `CREATE ROLE ${role} LOGIN ${ROLE_LIMITS} PASSWORD $1`, [spec.password]),
    sqlStatement('pgsql', `GRANT CONNECT ON DATABASE ${database} TO ${role}`),
    sqlStatement('pgsql', `GRANT USAGE, CREATE ON SCHEMA ${schema} TO ${role}`),
    ...spec.objects.map((object) => sqlStatement('pgsql', `ALTER ${object.kind} ${qualify(object.name)} OWNER TO ${role}`)),
  ];
  const restore = [...spec.objects]
    .reverse()
    .map((object) => `ALTER ${object.kind} ${qualify(object.name)} OWNER TO ${quotePgIdentifier(validateAccountName(object.owner, 'role name'))}`);
  const revokes = [`REVOKE ALL ON SCHEMA ${schema} FROM ${role}`, `REVOKE ALL ON DATABASE ${database} FROM ${role}`];
  return {
    guard: roleGuard(spec.role),
    statements,
    undo: [ifRoleExists(spec.role, [...restore, ...revokes]), sqlStatement('pgsql', `DROP ROLE IF EXISTS ${role}`)],
  };
}

export interface PgPublicSpec {
  database: string;
  schema: string;
  revokeCreate: boolean;
  revokeConnect: boolean;
  /** Roles that keep CREATE on the schema (those that run migrations) and had no own grant of it. */
  createGrantees: string[];
  /** Roles that must keep connecting, and had no own grant of CONNECT. */
  connectGrantees: string[];
}

/** Takes CREATE on the schema and CONNECT on the database from PUBLIC, keeping them for named roles. */
export function pgRevokePublic(spec: PgPublicSpec): SqlBatch {
  const database = quotePgIdentifier(validateDatabaseName(spec.database));
  const schema = quotePgIdentifier(validateDatabaseName(spec.schema, 'schema name'));
  const quoteRole = (name: string) => quotePgIdentifier(validateAccountName(name, 'role name'));
  const statements: SqlStatement[] = [];
  const undo: SqlStatement[] = [];

  if (spec.revokeCreate) {
    for (const grantee of spec.createGrantees) {
      statements.push(sqlStatement('pgsql', `GRANT CREATE ON SCHEMA ${schema} TO ${quoteRole(grantee)}`));
    }
    statements.push(sqlStatement('pgsql', `REVOKE CREATE ON SCHEMA ${schema} FROM PUBLIC`));
  }
  if (spec.revokeConnect) {
    for (const grantee of spec.connectGrantees) {
      statements.push(sqlStatement('pgsql', `GRANT CONNECT ON DATABASE ${database} TO ${quoteRole(grantee)}`));
    }
    statements.push(sqlStatement('pgsql', `REVOKE CONNECT ON DATABASE ${database} FROM PUBLIC`));
    undo.push(sqlStatement('pgsql', `GRANT CONNECT ON DATABASE ${database} TO PUBLIC`));
    for (const grantee of [...spec.connectGrantees].reverse()) {
      undo.push(ifRoleExists(grantee, [`REVOKE CONNECT ON DATABASE ${database} FROM ${quoteRole(grantee)}`]));
    }
  }
  if (spec.revokeCreate) {
    undo.push(sqlStatement('pgsql', `GRANT CREATE ON SCHEMA ${schema} TO PUBLIC`));
    for (const grantee of [...spec.createGrantees].reverse()) {
      undo.push(ifRoleExists(grantee, [`REVOKE CREATE ON SCHEMA ${schema} FROM ${quoteRole(grantee)}`]));
    }
  }
  return { statements, undo };
}

/** NOLOGIN refuses new sessions and keeps the role (and what it owns) for rollback. */
export function pgLockRole(role: string): SqlBatch {
  const quoted = quotePgIdentifier(validateAccountName(role, 'role name'));
  return {
    statements: [sqlStatement('pgsql', `ALTER ROLE ${quoted} NOLOGIN`)],
    undo: [sqlStatement('pgsql', `ALTER ROLE ${quoted} LOGIN`)],
  };
}

/** DROP ROLE cannot be undone, and fails while the role owns objects or has privileges. */
export function pgDropRole(role: string): SqlBatch {
  return { statements: [sqlStatement('pgsql', `DROP ROLE ${quotePgIdentifier(validateAccountName(role, 'role name'))}`)], undo: [] };
}

function roleGuard(role: string): SqlStatement {
  return sqlStatement('pgsql', 'SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
}

// Undo runs even when the transaction that created the role never committed (a run killed between
// recording and COMMIT); REVOKE ... FROM a missing role would fail, so the block checks first.
function ifRoleExists(role: string, statements: string[]): SqlStatement {
  const body = statements.map((statement) => `    ${statement};`).join('\n');
  return sqlStatement(
    'pgsql',
    `DO $cachet_harden$\nBEGIN\n  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${quotePgLiteral(role)}) THEN\n${body}\n  END IF;\nEND\n$cachet_harden$`,
  );
}
