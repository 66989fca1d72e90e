// Generated passwords for new accounts, and the weakness rules for existing ones.

import { randomInt } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// Safe unquoted in both phpdotenv dialects, in sed templates, compose files and DSN URLs.
const SPECIALS = '-_.';

/** Laravel's env() turns these (any case, also in parentheses) into keywords instead of strings. */
const LARAVEL_KEYWORDS = new Set(['true', 'false', 'null', 'empty']);

export interface PasswordOptions {
  /** Number of characters; at least 32. */
  length?: number;
  /**
   * Also use `-_.` and include at least one of them, for servers whose password policy demands a
   * special character (MySQL validate_password, MariaDB simple_password_check).
   */
  specials?: boolean;
}

/**
 * Generates a password from node:crypto: 40 alphanumeric characters by default (about 238 bits), so it
 * never needs quoting in `.env`. Always contains an upper-case letter, a lower-case letter and a digit,
 * which satisfies the character-class rules of the MySQL and MariaDB policy plugins.
 */
export function generatePassword(options: PasswordOptions = {}): string {
  const length = options.length ?? 40;
  if (length < 32) throw new RangeError(`Password length ${length} is below the minimum of 32`);
  const alphabet = options.specials ? ALPHANUMERIC + SPECIALS : ALPHANUMERIC;

  for (;;) {
    let password = '';
    for (let i = 0; i < length; i++) password += alphabet[randomInt(alphabet.length)];
    if (isAcceptableGenerated(password, options.specials === true)) return password;
  }
}

function isAcceptableGenerated(password: string, specials: boolean): boolean {
  if (isLaravelKeyword(password)) return false;
  if (!/[A-Z]/.test(password) || !/[a-z]/.test(password) || !/[0-9]/.test(password)) return false;
  // A leading or trailing special could be trimmed by careless tooling; keep them inside.
  if (specials && !/^[A-Za-z0-9].*[-_.].*[A-Za-z0-9]$/.test(password)) return false;
  return true;
}

/** Tells whether Laravel's env() would read this value as a keyword: true, false, null, empty, or (true) etc. */
export function isLaravelKeyword(value: string): boolean {
  const lower = value.toLowerCase();
  const bare = lower.startsWith('(') && lower.endsWith(')') ? lower.slice(1, -1) : lower;
  return LARAVEL_KEYWORDS.has(bare);
}

// Credentials published in Cachet's example files, its Docker image, Laravel Homestead and common
// install guides (Cachet 2.x .env.example: homestead/secret; cachethq/docker: postgres/postgres).
const DEFAULT_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['homestead', 'secret'],
  ['postgres', 'postgres'],
  ['root', 'root'],
  ['root', ''],
  ['cachet', 'cachet'],
  ['forge', 'secret'],
  ['sail', 'password'],
];

const COMMON_PASSWORDS = new Set([
  'secret',
  'password',
  'passw0rd',
  'changeme',
  'postgres',
  'root',
  'toor',
  'admin',
  'mysql',
  'cachet',
  'homestead',
  'qwerty',
  '123456',
  '12345678',
  'letmein',
]);

/** Shorter passwords are reported as weak; 16 characters is what the generator would never undercut. */
export const MIN_PASSWORD_LENGTH = 16;

export type PasswordWeakness = 'default' | 'empty' | 'equals-user' | 'common' | 'short';

/** Returns every rule the credentials break, most serious first; empty when none. */
export function assessPassword(username: string | null, password: string | null): PasswordWeakness[] {
  const user = username ?? '';
  const value = password ?? '';
  const found: PasswordWeakness[] = [];

  if (DEFAULT_PAIRS.some(([u, p]) => u === user.toLowerCase() && p === value)) found.push('default');
  if (value === '') {
    found.push('empty');
    return found;
  }
  if (user !== '' && value.toLowerCase() === user.toLowerCase()) found.push('equals-user');
  if (COMMON_PASSWORDS.has(value.toLowerCase())) found.push('common');
  if (value.length < MIN_PASSWORD_LENGTH) found.push('short');
  return found;
}
