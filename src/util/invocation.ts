// The command line that runs this tool again, for hints such as "to undo it: … rollback RUN".

import { realpathSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

let cached: string | null = null;

/**
 * Returns `cachet-harden` when that name on PATH is this very program, else `node <absolute path of the
 * entry script>`, so a hint can be pasted as it is after a plain `npm ci` as well as after a global install.
 */
export function invocation(): string {
  cached ??= compute();
  return cached;
}

function compute(): string {
  const script = process.argv[1];
  if (!script) return 'cachet-harden';
  const real = realOrNull(script);
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && real !== null && realOrNull(join(dir, 'cachet-harden')) === real) return 'cachet-harden';
  }
  // An absolute path works from any directory the hint is pasted in.
  const path = isAbsolute(script) ? script : resolve(script);
  return `node ${path.includes(' ') ? `'${path}'` : path}`;
}

function realOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}
