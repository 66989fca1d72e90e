// Finds the secret values a preview, an error message or the manifest must never show.

import { laravelEnv } from '../dotenv/laravel.js';
import type { Install } from '../types.js';
import { isSecretKey } from '../scan/server-config.js';
import { Secret } from '../util/secret.js';

/**
 * Tells whether previews mask the value of a `.env` key. This is broader than isSecretKey, which decides
 * findings: any name that contains PASSWORD, KEY, SECRET or TOKEN, or that isSecretKey matches.
 */
export function isMaskedKey(key: string): boolean {
  return isSecretKey(key) || /PASSWORD|KEY|SECRET|TOKEN/i.test(key);
}

/** Collects the revealed values of every Secret inside a change, plan or any other plain data. */
export function secretValuesIn(value: unknown, found: Set<string> = new Set(), seen = new Set<object>()): Set<string> {
  if (value instanceof Secret) {
    found.add(value.reveal());
    return found;
  }
  if (typeof value !== 'object' || value === null || seen.has(value)) return found;
  seen.add(value);
  for (const item of Array.isArray(value) ? value : Object.values(value)) secretValuesIn(item, found, seen);
  return found;
}

/** Collects the install's own secrets: the DB password and every `.env` value under a masked key. */
export function installSecretValues(install: Pick<Install, 'db' | 'env'> | null | undefined): Set<string> {
  const found = new Set<string>();
  if (!install) return found;
  if (install.db.password) found.add(install.db.password);
  if (install.env) {
    for (const entry of install.env.entries()) {
      if (!isMaskedKey(entry.key) || !entry.value) continue;
      // Laravel reads null, true, false and empty as keywords, not as secret text. Masking them would
      // also hide every "null" in a preview, such as the "/dev/null" of a new file's diff header.
      const resolved = laravelEnv(entry.value, install.env.dialect);
      if (typeof resolved === 'string' && resolved !== '') found.add(entry.value);
    }
  }
  return found;
}
