// Mode and reachability helpers shared by the tree walk and the steps that read it.

import { lstatSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

export const OTHERS_READ = 0o004;
export const OTHERS_WRITE = 0o002;
export const OTHERS_EXEC = 0o001;
export const GROUP_WRITE = 0o020;
export const ANY_EXEC = 0o111;

/** Permission bits as four octal digits, e.g. `0640`. */
export function formatMode(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`.slice(-4);
}

/**
 * Returns whether users other than owner and group can search every directory from `/` down to `dir`,
 * so that the "others" bits of entries inside `dir` take effect. Results are cached per directory.
 */
export function isReachableByOthers(dir: string, cache: Map<string, boolean> = new Map()): boolean {
  const cached = cache.get(dir);
  if (cached !== undefined) return cached;

  let reachable: boolean;
  const stats = statOrNull(dir);
  if (!stats || !stats.isDirectory()) reachable = false;
  else if ((stats.mode & OTHERS_EXEC) === 0) reachable = false;
  else {
    const parent = dirname(dir);
    reachable = parent === dir ? true : isReachableByOthers(parent, cache);
  }
  cache.set(dir, reachable);
  return reachable;
}

/** lstat that returns null for a path that vanished or cannot be read. */
export function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

/** stat (following links) that returns null for a path that vanished or cannot be read. */
export function statOrNull(path: string): Stats | null {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}
