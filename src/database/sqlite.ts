// SQLite: no accounts, so what matters is who can read the file and whether the web server can serve it.

import { lstat, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

import type { DbSettings, Finding, Install } from '../types.js';
import { finding } from './inspect.js';

export interface SqliteView {
  path: string;
  realPath: string;
  mode: number;
  uid: number;
  gid: number;
  insidePublic: boolean;
  /** The database file and the -wal, -shm and -journal files beside it that exist. */
  files: Array<{ path: string; mode: number }>;
  findings: Finding[];
}

/**
 * Where Laravel opens the file: DB_DATABASE as given when absolute; a relative path is relative to the
 * process's working directory, which is public/ for web requests and the app root for artisan, so both
 * are tried. Without DB_DATABASE, 3.x uses database/database.sqlite and 2.x storage/database.sqlite.
 */
export function sqliteCandidates(install: Pick<Install, 'root' | 'line'>, db: DbSettings): string[] {
  if (db.database) {
    if (db.database === ':memory:') return [];
    if (isAbsolute(db.database)) return [db.database];
    return [resolve(install.root, db.database), resolve(install.root, 'public', db.database)];
  }
  const defaults = install.line === '3.x' ? ['database/database.sqlite'] : ['storage/database.sqlite', 'database/database.sqlite'];
  return defaults.map((path) => join(install.root, path));
}

export async function inspectSqlite(install: Pick<Install, 'root' | 'realRoot' | 'line'>, db: DbSettings): Promise<SqliteView | null> {
  for (const path of sqliteCandidates(install, db)) {
    const stats = await lstat(path).catch(() => null);
    if (!stats) continue;
    const realPath = await realpath(path);
    const file = await lstat(realPath);
    const publicDir = await realpath(join(install.realRoot, 'public')).catch(() => join(install.realRoot, 'public'));
    const fromPublic = relative(publicDir, realPath);
    const insidePublic = fromPublic !== '' && !fromPublic.startsWith('..') && !isAbsolute(fromPublic);

    const files: SqliteView['files'] = [];
    for (const candidate of [realPath, `${realPath}-wal`, `${realPath}-shm`, `${realPath}-journal`]) {
      const sidecar = await lstat(candidate).catch(() => null);
      if (sidecar?.isFile()) files.push({ path: candidate, mode: sidecar.mode & 0o7777 });
    }

    const findings: Finding[] = [];
    if (insidePublic) findings.push(finding('db.sqlite-in-webroot', [`${realPath} is under ${publicDir}${sep}`], realPath));
    const loose = files.filter((entry) => (entry.mode & 0o006) !== 0);
    if (loose.length > 0) {
      findings.push(
        finding(
          'db.sqlite-permissions',
          loose.map((entry) => `${entry.path} mode ${entry.mode.toString(8).padStart(4, '0')}`),
          realPath,
        ),
      );
    }
    return { path, realPath, mode: file.mode & 0o7777, uid: file.uid, gid: file.gid, insidePublic, files, findings };
  }
  return null;
}
