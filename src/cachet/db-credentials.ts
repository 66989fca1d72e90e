// Database credentials judged from `.env` alone (no connection): defaults from example files, images and
// tutorials, and weak passwords. The database step owns every check that needs a connection.

import type { DbSettings } from '../types.js';

/** Pairs that ship in public examples: Cachet 2.x `.env.example`, the 2.x Docker image, common roles. */
const DEFAULT_PAIRS: ReadonlyArray<[string, string]> = [
  ['homestead', 'secret'],
  ['postgres', 'postgres'],
  ['root', 'root'],
  ['root', ''],
  ['cachet', 'cachet'],
  ['root', 'password'],
];

/** Accounts that are database superusers by default. */
const SUPERUSERS = new Set(['root', 'postgres', 'sa']);

const COMMON_PASSWORDS = new Set(['secret', 'password', 'changeme', 'cachet', 'admin', 'root', 'postgres', '123456', 'homestead', 'test']);

/** Passwords shorter than this are weak; generated ones are 32 characters or more. */
export const MIN_PASSWORD_LENGTH = 16;

export interface CredentialProblems {
  /** Reasons the account is a well-known default; empty when it is not. */
  defaults: string[];
  /** Reasons the password is weak; empty when it is not. */
  weak: string[];
}

/** Judges DB_USERNAME and DB_PASSWORD for servers with accounts (not SQLite). Reasons never hold the password. */
export function judgeDbCredentials(db: Pick<DbSettings, 'driver' | 'username' | 'password'>): CredentialProblems | null {
  if (db.driver === null || db.driver === 'sqlite') return null;
  const user = db.username ?? '';
  const password = db.password ?? '';
  const defaults: string[] = [];
  const weak: string[] = [];

  if (user !== '' && user === password) {
    defaults.push(`DB_PASSWORD equals DB_USERNAME (${user})`);
  } else if (DEFAULT_PAIRS.some(([defaultUser, defaultPassword]) => defaultUser === user && defaultPassword === password)) {
    defaults.push(`DB_USERNAME=${user} with the password that public examples use for it`);
  }
  if (SUPERUSERS.has(user)) defaults.push(`DB_USERNAME=${user} is a superuser account by default`);

  if (password === '') weak.push('DB_PASSWORD is empty');
  else {
    if (COMMON_PASSWORDS.has(password.toLowerCase())) weak.push('DB_PASSWORD is a common word from examples');
    if (password.length < MIN_PASSWORD_LENGTH) {
      weak.push(`DB_PASSWORD is shorter than ${MIN_PASSWORD_LENGTH} characters`);
    }
  }
  return { defaults, weak };
}
