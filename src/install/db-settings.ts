// Database settings as Cachet resolves them from `.env`, for both lines' key sets.

import { laravelEnv, type EnvDocument } from '../dotenv/index.js';
import type { CachetLine, DbSettings } from '../types.js';

export function readDbSettings(env: EnvDocument | null, line: CachetLine): DbSettings {
  // 2.x reads DB_DRIVER and DB_UNIX_SOCKET; 3.x (Laravel 11) reads DB_CONNECTION and DB_SOCKET.
  const driverKeys = line === '3.x' ? (['DB_CONNECTION', 'DB_DRIVER'] as const) : (['DB_DRIVER', 'DB_CONNECTION'] as const);
  const driverKey = driverKeys.find((key) => text(env, key) !== null) ?? null;
  const socketKey = line === '3.x' ? 'DB_SOCKET' : 'DB_UNIX_SOCKET';
  const port = text(env, 'DB_PORT');

  return {
    driver: driverKey ? text(env, driverKey) : null,
    driverKey,
    host: text(env, 'DB_HOST'),
    port: port !== null && /^\d+$/.test(port) ? Number(port) : null,
    database: text(env, 'DB_DATABASE'),
    username: text(env, 'DB_USERNAME'),
    password: text(env, 'DB_PASSWORD'),
    socket: text(env, socketKey) ?? text(env, line === '3.x' ? 'DB_UNIX_SOCKET' : 'DB_SOCKET'),
    prefix: line === '3.x' ? '' : (text(env, 'DB_PREFIX') ?? ''),
    schema: text(env, 'DB_SCHEMA'),
  };
}

/** The value Laravel's env() gives, as text; null for an absent key, `null`/`(null)` and the empty string. */
function text(env: EnvDocument | null, key: string): string | null {
  if (!env) return null;
  const value = laravelEnv(env.get(key));
  if (value === null || value === undefined || value === '') return null;
  return String(value);
}
