// Laravel's env() reading of a value that phpdotenv has loaded, and PHP's (bool) cast of it.

import type { Dialect } from './index.js';

/** A value as Laravel's env() returns it: keywords become true, false, '' or null. */
export type LaravelValue = string | boolean | null;

const KEYWORDS: Record<string, LaravelValue> = {
  true: true,
  '(true)': true,
  false: false,
  '(false)': false,
  empty: '',
  '(empty)': '',
  null: null,
  '(null)': null,
};

/**
 * Maps a loaded value as env() does; undefined (variable not set) stays undefined, where env() returns its
 * default. Keywords are matched case-insensitively before any quote stripping, then one pair of surrounding
 * quotes is removed. For 'phpdotenv5' (Cachet 3.x, Laravel 11+) that is a matching pair of `'` or `"` around a
 * value without `\n`, as Illuminate\Support\Env::getOption does in laravel/framework 12.x. For 'phpdotenv2'
 * (Cachet 2.x, Laravel 5.2 to 5.7) it is a pair of `"` around a value longer than one character, as the
 * env() helper of Laravel 5 does.
 */
export function laravelEnv(value: string | undefined, dialect: Dialect = 'phpdotenv5'): LaravelValue | undefined {
  if (value === undefined) return undefined;

  const lower = value.toLowerCase();
  if (Object.hasOwn(KEYWORDS, lower)) return KEYWORDS[lower];

  if (dialect === 'phpdotenv5') {
    const quoted = /^(['"])([^\n]*)\1$/.exec(value);
    return quoted === null ? value : quoted[2];
  }
  if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1);
  return value;
}

/** PHP's `(bool)` cast: '' and '0' are false, every other string true; null and undefined are false. */
export function phpBool(value: LaravelValue | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  return value !== '' && value !== '0';
}

/**
 * Computes `(bool) env('KEY')` for a loaded value, as Cachet reads APP_DEBUG. So `off`, `no`, `yes` and `1`
 * are true, while `false`, `(false)`, `0`, '', `null`, `empty` (any case) and an unset variable are false.
 */
export function envBool(value: string | undefined, dialect: Dialect = 'phpdotenv5'): boolean {
  return phpBool(laravelEnv(value, dialect));
}
