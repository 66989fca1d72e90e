// run-sql: runs administrator statements on MySQL/MariaDB (one by one) or PostgreSQL (in one
// transaction). The undo record contains the undo statements and the administrator access without its
// password; a password given for this run stays in memory only, so a later `rollback` over TCP asks
// for the statements to be run by hand unless the access needs no password.

import { ApplyError, InternalError, RollbackError } from '../../errors.js';
import type { DbAdminAccess, RunSqlChange, SqlStatement } from '../../plan/changes.js';
import type { Context } from '../../types.js';
import { redact, Secret } from '../../util/secret.js';
import { secretValuesIn } from '../secrets.js';
import type { ApplyContext, ChangeHandler, UndoRecord } from '../types.js';

type WithoutPassword<T> = T extends unknown ? Omit<T, 'password'> & { hasPassword: boolean } : never;
type StoredAccess = WithoutPassword<DbAdminAccess>;

/** The fields that name an administrator access, for keys and messages. */
interface AccessFields {
  engine: string;
  via: string;
  socket?: string;
  host?: string;
  port?: number;
  user?: string;
  osUser?: string;
}

export interface RunSqlUndo extends UndoRecord {
  kind: 'run-sql';
  admin: StoredAccess;
  database: string | null;
  /** Undo statements; they never carry a Secret (checked before recording). */
  statements: Array<{ sql: string; params: string[]; preview: string }>;
}

// Administrator passwords given during this process, by access; never written anywhere.
const passwords = new Map<string, Secret>();

export const handler: ChangeHandler<RunSqlChange> = {
  async preview(change) {
    const { describeAdmin } = await import('../../database/admin.js');
    const lines = [`  SQL ${describeAdmin(change.admin)}${change.database ? `, database ${change.database}` : ''}:`];
    for (const statement of change.statements) lines.push(...indent(`${statement.preview};`, '    '));
    if (change.undo.length > 0) {
      lines.push('    on undo:');
      for (const statement of change.undo) lines.push(...indent(`${statement.preview};`, '      '));
    } else {
      lines.push('    on undo: nothing (this cannot be undone)');
    }
    return lines;
  },

  async apply(change, actx) {
    if (change.guard) {
      const rows = await query(change.admin, change.database, change.guard, actx.ctx);
      if (rows > 0) {
        throw new ApplyError(`${change.summary}: rejected, because it already exists (${change.guard.preview} returned a row). Nothing was changed.`);
      }
    }
    const password = (change.admin as { password?: Secret }).password;
    if (password) passwords.set(accessKey(change.admin), password);
    await actx.record(undoRecord(change));

    try {
      await execute(change.admin, change.database, change.statements, actx.ctx);
    } catch (error) {
      throw new ApplyError(`${change.summary} failed: ${message(error, change.statements)}`, { cause: error });
    }
  },

  async verify(change, actx) {
    if (!change.guard) return;
    const rows = await query(change.admin, change.database, change.guard, actx.ctx);
    if (rows === 0) throw new ApplyError(`${change.summary}: not in effect (${change.guard.preview} returned no row).`);
  },

  async undo(record, actx) {
    const undo = record as RunSqlUndo;
    if (undo.statements.length === 0) return;
    const statements: SqlStatement[] = undo.statements.map((statement) => ({ ...statement }));
    const stored = undo.admin;
    const password = passwords.get(accessKey(stored));
    if (stored.hasPassword && !password) {
      throw new RollbackError(
        `Cannot undo "${stored.engine}" SQL without the administrator password, which is never stored. Run these statements ${describeStored(stored)}:\n${statements.map((s) => `  ${s.preview};`).join('\n')}`,
      );
    }
    const { hasPassword: _hasPassword, ...access } = stored;
    const admin = { ...access, ...(password ? { password } : {}) } as unknown as DbAdminAccess;
    try {
      await execute(admin, undo.database ?? undefined, statements, actx.ctx);
    } catch (error) {
      throw new RollbackError(`Undoing SQL ${describeStored(stored)} failed: ${message(error, statements)}`, { cause: error });
    }
  },
};

function undoRecord(change: RunSqlChange): RunSqlUndo {
  if (secretValuesIn(change.undo).size > 0) throw new InternalError(`undo statements of "${change.summary}" contain a secret`);
  const { password, ...access } = change.admin as DbAdminAccess & { password?: Secret };
  return {
    kind: 'run-sql',
    admin: { ...access, hasPassword: password !== undefined } as unknown as StoredAccess,
    database: change.database ?? null,
    statements: change.undo.map((statement) => ({
      sql: statement.sql,
      params: (statement.params ?? []).map(String),
      preview: statement.preview,
    })),
  };
}

function accessKey(access: DbAdminAccess | StoredAccess): string {
  const fields = access as AccessFields;
  return [fields.engine, fields.via, fields.socket, fields.host, fields.port, fields.user, fields.osUser].join('|');
}

function describeStored(access: StoredAccess): string {
  const fields = access as AccessFields;
  if (fields.via === 'runuser') return `as ${fields.osUser} through psql`;
  if (fields.via === 'socket') return `as ${fields.user} over ${fields.socket}`;
  return `as ${fields.user} at ${fields.host}:${fields.port}`;
}

async function execute(admin: DbAdminAccess, database: string | undefined, statements: SqlStatement[], ctx: Context): Promise<void> {
  if (admin.engine === 'mysql') {
    const { withMysqlAdmin, runMysqlStatements } = await import('../../database/mysql.js');
    await withMysqlAdmin(admin, (connection) => runMysqlStatements(connection, statements));
    return;
  }
  const { openPgAdmin } = await import('../../database/postgres.js');
  const session = await openPgAdmin(admin, ctx.exec, database);
  try {
    await session.runTransaction(statements);
  } finally {
    await session.close();
  }
}

/** Runs one read-only statement and returns its row count. */
async function query(admin: DbAdminAccess, database: string | undefined, statement: SqlStatement, ctx: Context): Promise<number> {
  if (admin.engine === 'mysql') {
    const { withMysqlAdmin, runMysqlStatements } = await import('../../database/mysql.js');
    const [rows] = await withMysqlAdmin(admin, (connection) => runMysqlStatements(connection, [statement]));
    return rows!.length;
  }
  const { openPgAdmin } = await import('../../database/postgres.js');
  const session = await openPgAdmin(admin, ctx.exec, database);
  try {
    return (await session.query(statement.sql, statement.params ?? [])).length;
  } finally {
    await session.close();
  }
}

// Driver messages can quote the failing statement, bound password included.
function message(error: unknown, statements: SqlStatement[]): string {
  const text = error instanceof Error ? error.message : String(error);
  return redact(text, secretValuesIn(statements));
}

function indent(text: string, prefix: string): string[] {
  return text.split('\n').map((line) => `${prefix}${line}`);
}

export default handler;
