// db-login: logs in as an account the way PHP will, and runs Cachet's kinds of query in a transaction
// that is rolled back. It changes nothing, so it records nothing and has nothing to undo.

import { ApplyError } from '../../errors.js';
import type { DbLoginChange } from '../../plan/changes.js';
import { redact } from '../../util/secret.js';
import type { ChangeHandler } from '../types.js';

export const handler: ChangeHandler<DbLoginChange> = {
  async preview(change) {
    const first = change.tables[0];
    return [
      `  log in as ${change.user} at ${where(change)}, database ${change.database}`,
      `    SELECT from Cachet's tables${first ? `; INSERT, UPDATE, DELETE matching no rows on ${first}` : ''}; then ROLLBACK`,
    ];
  },

  async apply(change) {
    try {
      if (change.engine === 'mysql') await exerciseMysqlLogin(change);
      else await exercisePgLogin(change);
    } catch (error) {
      const text = redact(error instanceof Error ? error.message : String(error), [change.password.reveal()]);
      throw new ApplyError(`Login check as ${change.user} at ${where(change)}, database ${change.database} failed: ${text}`, { cause: error });
    }
  },

  // apply is the check; it leaves nothing behind to verify.
  async verify() {},

  async undo() {},
};

function where(change: DbLoginChange): string {
  return change.socket ? `socket ${change.socket}` : `${change.host ?? 'localhost'}:${change.port ?? ''}`;
}

async function exerciseMysqlLogin(change: DbLoginChange): Promise<void> {
  const { connectMysql, exerciseMysql } = await import('../../database/mysql.js');
  const connection = await connectMysql({
    ...(change.socket ? { socketPath: change.socket } : { host: change.host ?? 'localhost', port: change.port ?? 3306 }),
    user: change.user,
    password: change.password,
    database: change.database,
  });
  try {
    await exerciseMysql(connection, change.tables);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

async function exercisePgLogin(change: DbLoginChange): Promise<void> {
  const { connectPg, exercisePg } = await import('../../database/postgres.js');
  const session = await connectPg({
    host: change.socket ?? change.host ?? '127.0.0.1',
    port: change.port ?? 5432,
    user: change.user,
    password: change.password,
    database: change.database,
  });
  try {
    await exercisePg(session, change.schema ?? 'public', change.tables);
  } finally {
    await session.close();
  }
}

export default handler;
