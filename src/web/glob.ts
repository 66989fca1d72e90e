// Expands the shell-style patterns that nginx `include` and Apache `Include` accept (`*`, `?`, `[...]` in
// any path segment), sorted the way both servers read them: byte order of the full path.

import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/** Lists existing paths that match an absolute pattern; a pattern without wildcards lists itself if it exists. */
export function expandGlob(pattern: string): string[] {
  if (!isAbsolute(pattern)) throw new Error(`expandGlob needs an absolute pattern, got ${pattern}`);
  const segments = pattern.split('/').filter((segment) => segment !== '');
  let current = ['/'];
  for (const segment of segments) {
    const next: string[] = [];
    if (!hasWildcard(segment)) {
      for (const dir of current) {
        const candidate = join(dir, segment);
        if (exists(candidate)) next.push(candidate);
      }
    } else {
      const matcher = globSegmentToRegExp(segment);
      for (const dir of current) {
        for (const name of readDirNames(dir)) {
          // A leading dot is matched only by a pattern that starts with one, as glob(3) does.
          if (name.startsWith('.') && !segment.startsWith('.')) continue;
          if (matcher.test(name)) next.push(join(dir, name));
        }
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current.sort(compareBytes);
}

export function hasWildcard(text: string): boolean {
  return /[*?[]/.test(text);
}

/** Converts one path segment of a glob into an anchored regular expression. */
export function globSegmentToRegExp(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i]!;
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else if (ch === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close === -1) {
        source += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, close);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      source += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else source += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function readDirNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
