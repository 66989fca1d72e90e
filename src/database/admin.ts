// Administrator access from the step's answers. Passwords come from a prompt or an environment variable
// named in the answers file, are wrapped in Secret at once, and are never stored.

import { UsageError } from '../errors.js';
import type { DbAdminAccess } from '../plan/changes.js';
import type { Choices, Context } from '../types.js';
import { Secret } from '../util/secret.js';
import { DEFAULT_MYSQL_SOCKET } from './mysql.js';

export const DEFAULT_PG_SOCKET_DIR = '/var/run/postgresql';

export function parseAdminAccess(
  engine: 'mysql' | 'pgsql',
  choices: Choices,
  ctx: Pick<Context, 'env' | 'install'>,
): DbAdminAccess {
  const db = ctx.install.db;
  const via = choices.adminVia ?? (engine === 'mysql' ? 'socket' : 'runuser');
  const password = adminPassword(choices, ctx);

  if (engine === 'mysql') {
    const user = choices.adminUser || 'root';
    if (via === 'socket') return { engine, via, socket: choices.adminSocket || db.socket || DEFAULT_MYSQL_SOCKET, user, ...(password ? { password } : {}) };
    if (via === 'tcp') return { engine, via, host: choices.adminHost || db.host || '127.0.0.1', port: port(choices.adminPort, db.port ?? 3306), user, ...(password ? { password } : {}) };
    throw new UsageError(`Invalid value '${via}' for database.adminVia: use 'socket' or 'tcp'.`);
  }
  const database = db.database ?? 'postgres';
  if (via === 'runuser') {
    return { engine, via, osUser: 'postgres', host: choices.adminSocket || (db.socket ?? DEFAULT_PG_SOCKET_DIR), port: port(choices.adminPort, db.port ?? 5432), database };
  }
  if (via === 'tcp') {
    return {
      engine,
      via,
      host: choices.adminHost || db.host || '127.0.0.1',
      port: port(choices.adminPort, db.port ?? 5432),
      user: choices.adminUser || 'postgres',
      database,
      ...(password ? { password } : {}),
    };
  }
  throw new UsageError(`Invalid value '${via}' for database.adminVia: use 'runuser' or 'tcp'.`);
}

function adminPassword(choices: Choices, ctx: Pick<Context, 'env'>): Secret | undefined {
  const variable = choices.adminPasswordEnv;
  if (variable) {
    const value = ctx.env[variable];
    if (value === undefined) {
      throw new UsageError(`database.adminPasswordEnv names '${variable}', but that environment variable is not set: export it before the run.`);
    }
    return new Secret(value);
  }
  return choices.adminPassword ? new Secret(choices.adminPassword) : undefined;
}

function port(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    throw new UsageError(`Invalid value '${value}' for database.adminPort: use a TCP port number (1-65535).`);
  }
  return Number(value);
}

/** Describes in one line who runs the SQL and how it reaches the server, for previews. */
export function describeAdmin(access: DbAdminAccess): string {
  if (access.engine === 'mysql') {
    return access.via === 'socket' ? `as ${access.user} over socket ${access.socket}` : `as ${access.user} at ${access.host}:${access.port}`;
  }
  return access.via === 'runuser'
    ? `as ${access.osUser} (runuser psql, socket ${access.host}, port ${access.port})`
    : `as ${access.user} at ${access.host}:${access.port}`;
}
