// The check behind every rewrite: only the keys meant to change may change.

import { InternalError } from '../errors.js';
import type { EnvDocument } from './index.js';

/** Keys outside `keys` whose effective value differs between the two documents (changed, added or removed). */
export function findChangedKeys(before: EnvDocument, after: EnvDocument, keys: Iterable<string>): string[] {
  const allowed = new Set(keys);
  const beforeMap = before.toMap();
  const afterMap = after.toMap();
  const changed: string[] = [];

  for (const [key, value] of beforeMap) {
    if (!allowed.has(key) && afterMap.get(key) !== value) changed.push(key);
  }
  for (const key of afterMap.keys()) {
    if (!allowed.has(key) && !beforeMap.has(key)) changed.push(key);
  }
  return changed;
}

/**
 * Throws InternalError when the key → value map of `after` differs from `before` in any key other than
 * `keys`: a value changed, a key disappeared or a key appeared. Messages name keys, never values.
 */
export function assertOnlyKeysChanged(before: EnvDocument, after: EnvDocument, keys: string[]): void {
  const changed = findChangedKeys(before, after, keys);
  if (changed.length === 0) return;

  const afterMap = after.toMap();
  const details = changed.map((key) => {
    if (!afterMap.has(key)) return `${key} is no longer set`;
    if (!before.has(key)) return `${key} appeared`;
    return `${key} has a different value`;
  });
  const expected = keys.length > 0 ? `only ${keys.join(', ')}` : 'nothing';
  throw new InternalError(`The rewritten .env changes more than ${expected}: ${details.join('; ')}.`);
}
