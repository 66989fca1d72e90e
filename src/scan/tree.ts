// One walk of the app root, shared by the files and storage steps through memo(ctx, 'tree').
//
// The walk keeps only what those steps report or fix, never a record per file, so a storage/ with
// hundreds of thousands of session or cache files costs one lstat each and little memory:
// - entries other users can write (o+w), anywhere in the tree, vendor/ and node_modules/ included,
//   because world-writable code is as dangerous there as anywhere;
// - entries of the app's writable areas (storage/, bootstrap/cache/, and 2.x's bootstrap/cachet/) whose
//   owner or mode differs from the target in `writableTarget`;
// - code the web user can write (counted, with examples);
// - logs, sessions, SQLite files and 2.3's database backups that other users can read;
// - names that matter only in the app root and under public/: copies and editor leftovers of `.env`,
//   `.git` directories, logs and SQLite files. vendor/ and node_modules/ are skipped for names, since
//   packages ship their own `.env.example`, `.git` and test databases that tell nothing about this install.
//
// Symlinked directories are not followed, except the app's own storage/, public/ and bootstrap/cache/
// (deploy tools such as Deployer link storage/ to a shared directory); every other one is listed.

import { readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';

import type { Context } from '../types.js';
import { memo } from '../util/memo.js';
import { ANY_EXEC, GROUP_WRITE, OTHERS_EXEC, OTHERS_READ, OTHERS_WRITE, isReachableByOthers, lstatOrNull, statOrNull } from './modes.js';
import { isEnvCopyName } from './names.js';

export type Area = 'storage' | 'bootstrap-cache' | 'bootstrap-cachet' | 'public' | 'vendor' | 'code';

export interface TreeEntry {
  /** Absolute path as reached through the app root (a followed storage/ link keeps its link name). */
  path: string;
  /** Path relative to the app root, `/`-separated. */
  rel: string;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  type: 'file' | 'dir' | 'other';
  area: Area;
  /** Whether users other than owner and group can search every directory above this entry. */
  reachable: boolean;
}

export interface Sample {
  count: number;
  examples: TreeEntry[];
}

export interface TreeScan {
  root: string;
  /** Entries looked at (directories and files). */
  visited: number;
  /** Entries with o+w (symlinks excluded: their own mode means nothing). */
  worldWritable: TreeEntry[];
  /** Entries in the writable areas whose owner or mode differs from `writableTarget`. */
  writableMismatches: TreeEntry[];
  /** Code (outside the writable areas and `.env`) that the web user can write. */
  webWritableCode: Sample;
  /** The top directories of the writable areas that exist. */
  writableTops: TreeEntry[];
  /** storage/logs and storage/debugbar files other users can read. */
  exposedLogs: TreeEntry[];
  /** storage/framework/sessions files other users can read. */
  exposedSessions: TreeEntry[];
  /** Copies and editor leftovers of `.env` in the app root and under public/. */
  envCopies: TreeEntry[];
  /** `.git` directories under public/. */
  publicGitDirs: TreeEntry[];
  /** Log files under public/. */
  publicLogs: TreeEntry[];
  /** SQLite files anywhere outside vendor/ and node_modules/. */
  sqliteFiles: TreeEntry[];
  /** Files under database/backups/ (Cachet 2.3). */
  dbBackups: TreeEntry[];
  /** Symlinks under public/ with the real path of their target. */
  publicLinks: Array<{ entry: TreeEntry; target: string | null }>;
  /** Symlinked directories that were not followed. */
  skippedLinks: Sample;
  /** Directories that could not be listed (typically when not running as root). */
  unreadable: string[];
}

export interface WebIds {
  uid: number | null;
  gid: number | null;
}

interface Frame {
  dir: string;
  rel: string;
  area: Area;
  /** Whether other users can reach entries inside this directory. */
  reachable: boolean;
  /** Inside vendor/ or node_modules/: no name checks. */
  noNames: boolean;
}

const MAX_EXAMPLES = 10;
const FOLLOWED_LINKS = new Set(['storage', 'public', 'bootstrap/cache', 'bootstrap/cachet']);
const SQLITE_NAME = /\.(sqlite3?|db)(-wal|-shm|-journal)?$/i;

/** Returns the walk of this run's app root, computed once and shared between steps. */
export function readTree(ctx: Pick<Context, 'shared' | 'install'>): Promise<TreeScan> {
  return memo(ctx, 'tree', async () =>
    scanTree(ctx.install.realRoot, { uid: ctx.install.webUser.uid, gid: ctx.install.webUser.gid }),
  );
}

/**
 * The app's writable areas: the directories the web user must be able to write. bootstrap/cachet/ is
 * 2.x's settings cache (PHP code loaded on every request); 3.x has no such directory.
 */
export const WRITABLE_TOPS: ReadonlySet<string> = new Set(['storage', 'bootstrap/cache', 'bootstrap/cachet']);

/** Laravel's config cache: every secret of `.env` in plain text once `php artisan config:cache` ran. */
export const CONFIG_CACHE = 'bootstrap/cache/config.php';

/**
 * Returns the owner and mode an entry of a writable area should have: owned by the web user and group,
 * never writable by others, no execute bits on files. The top directories (and the config cache) also
 * lose o+rx, which closes the whole area to other users. Below them only o+w and execute bits on files
 * are removed. Files the web user creates later with its usual umask (0644) are then unreachable, so
 * they need no change on the next run.
 */
export function writableTarget(
  entry: Pick<TreeEntry, 'mode' | 'uid' | 'gid' | 'type' | 'rel'>,
  web: WebIds,
): { mode: number; uid: number; gid: number } {
  const uid = web.uid ?? entry.uid;
  const gid = web.gid ?? entry.gid;
  let mode = entry.mode;
  if (entry.type === 'dir') {
    if (WRITABLE_TOPS.has(entry.rel) || mode & OTHERS_WRITE) mode &= ~0o007;
    mode = (mode & 0o2777) | 0o700;
  } else if (entry.type === 'file') {
    if (entry.rel === CONFIG_CACHE) mode = (mode & 0o640) | 0o600;
    else if (mode & (OTHERS_WRITE | ANY_EXEC)) mode = (mode & 0o660) | 0o600;
    else mode = (mode & 0o666) | 0o600;
  }
  return { mode, uid, gid };
}

export function scanTree(root: string, web: WebIds): TreeScan {
  const scan: TreeScan = {
    root,
    visited: 0,
    worldWritable: [],
    writableMismatches: [],
    webWritableCode: { count: 0, examples: [] },
    writableTops: [],
    exposedLogs: [],
    exposedSessions: [],
    envCopies: [],
    publicGitDirs: [],
    publicLogs: [],
    sqliteFiles: [],
    dbBackups: [],
    publicLinks: [],
    skippedLinks: { count: 0, examples: [] },
    unreadable: [],
  };
  const writableTops = WRITABLE_TOPS;
  const rootStats = statSync(root);
  const rootReachable = isReachableByOthers(root);
  const rootEntry: TreeEntry = {
    path: root,
    rel: '.',
    mode: rootStats.mode & 0o7777,
    uid: rootStats.uid,
    gid: rootStats.gid,
    type: 'dir',
    area: 'code',
    reachable: rootReachable,
  };
  noteCode(scan, rootEntry, web);
  const visitedDirs = new Set<string>([root]);

  // Depth-first with an explicit stack: recursion depth is no limit, and memory is one frame per
  // pending directory rather than per file.
  const stack: Frame[] = [
    { dir: root, rel: '', area: 'code', reachable: rootReachable && (rootStats.mode & OTHERS_EXEC) !== 0, noNames: false },
  ];

  while (stack.length > 0) {
    const frame = stack.pop()!;
    let dirents: Dirent[];
    try {
      dirents = readdirSync(frame.dir, { withFileTypes: true });
    } catch {
      scan.unreadable.push(frame.dir);
      continue;
    }

    const writableFrame = isWritableArea(frame.area);
    for (const dirent of dirents) {
      const name = dirent.name;
      const path = frame.dir + sep + name;
      const stats = lstatOrNull(path);
      if (!stats) continue;
      scan.visited += 1;

      // Fast path for the bulk of a large tree (session, cache and view files, vendor code): a file
      // with nothing to record costs no allocation beyond its lstat.
      if (frame.rel !== '' && frame.rel !== 'bootstrap/cache' && stats.isFile() && isQuietFile(stats, name, frame, writableFrame, web)) {
        continue;
      }

      const rel = frame.rel === '' ? name : `${frame.rel}/${name}`;
      const area = frame.rel === '' || frame.area === 'code' ? areaOf(rel, frame.area, writableTops) : frame.area;
      const noNames = frame.noNames || name === 'vendor' || name === 'node_modules';

      if (stats.isSymbolicLink()) {
        const followed = followLink(scan, path, rel, area, frame.reachable, visitedDirs);
        if (followed) {
          inspectEntry(scan, followed, name, frame.rel === '', noNames, writableTops.has(rel), web);
          const reachable = followed.reachable && (followed.mode & OTHERS_EXEC) !== 0;
          stack.push({ dir: path, rel, area, reachable, noNames });
        }
        continue;
      }

      const type: TreeEntry['type'] = stats.isDirectory() ? 'dir' : stats.isFile() ? 'file' : 'other';
      const entry: TreeEntry = {
        path,
        rel,
        mode: stats.mode & 0o7777,
        uid: stats.uid,
        gid: stats.gid,
        type,
        area,
        reachable: frame.reachable,
      };
      inspectEntry(scan, entry, name, frame.rel === '', noNames, writableTops.has(rel), web);

      if (type === 'dir') {
        stack.push({ dir: path, rel, area, reachable: frame.reachable && (entry.mode & OTHERS_EXEC) !== 0, noNames });
      }
    }
  }
  return scan;
}

function isWritableArea(area: Area): boolean {
  return area === 'storage' || area === 'bootstrap-cache' || area === 'bootstrap-cachet';
}

/** Returns whether a regular file below the root needs no record at all (see inspectEntry). */
function isQuietFile(stats: Stats, name: string, frame: Frame, writableFrame: boolean, web: WebIds): boolean {
  const mode = stats.mode & 0o7777;
  if (mode & OTHERS_WRITE) return false;
  if (writableFrame) {
    // A SQLite database kept under storage/ (DB_DATABASE=storage/...) still needs its name check.
    if (SQLITE_NAME.test(name)) return false;
    if (frame.reachable && mode & OTHERS_READ) return false;
    if (mode & 0o7111 || (mode & 0o600) !== 0o600) return false;
    return (web.uid === null || stats.uid === web.uid) && (web.gid === null || stats.gid === web.gid);
  }
  if (!frame.noNames) return false;
  const ownedByWeb = web.uid !== null && stats.uid === web.uid && web.uid !== 0;
  const groupWritable = web.gid !== null && stats.gid === web.gid && (mode & GROUP_WRITE) !== 0;
  return !ownedByWeb && !groupWritable;
}

function areaOf(rel: string, parentArea: Area, writableTops: ReadonlySet<string>): Area {
  if (writableTops.has(rel)) {
    if (rel === 'storage') return 'storage';
    return rel === 'bootstrap/cache' ? 'bootstrap-cache' : 'bootstrap-cachet';
  }
  if (rel === 'public') return 'public';
  if (rel === 'vendor' || rel === 'node_modules') return 'vendor';
  return parentArea;
}

function inspectEntry(
  scan: TreeScan,
  entry: TreeEntry,
  name: string,
  inRoot: boolean,
  noNames: boolean,
  isTop: boolean,
  web: WebIds,
): void {
  if (entry.mode & OTHERS_WRITE && entry.type !== 'other') scan.worldWritable.push(entry);

  if (isWritableArea(entry.area)) {
    if (isTop) scan.writableTops.push(entry);
    if (entry.type !== 'other') {
      const target = writableTarget(entry, web);
      if (target.mode !== entry.mode || target.uid !== entry.uid || target.gid !== entry.gid) {
        scan.writableMismatches.push(entry);
      }
    }
  } else if (!(inRoot && name === '.env') && !(entry.type === 'file' && SQLITE_NAME.test(name))) {
    // `.env` has its own profiles, and a SQLite database must be writable by the web user.
    noteCode(scan, entry, web);
  }

  if (entry.type === 'file') inspectFile(scan, entry, name, inRoot, noNames);
  else if (entry.type === 'dir' && name === '.git' && entry.area === 'public') scan.publicGitDirs.push(entry);
}

function inspectFile(scan: TreeScan, entry: TreeEntry, name: string, inRoot: boolean, noNames: boolean): void {
  const othersRead = entry.reachable && (entry.mode & OTHERS_READ) !== 0;
  const rel = entry.rel;

  if (othersRead && entry.area === 'storage') {
    if (rel.startsWith('storage/logs/') || rel.startsWith('storage/debugbar/')) {
      if (name !== '.gitignore') scan.exposedLogs.push(entry);
    } else if (rel.startsWith('storage/framework/sessions/') && name !== '.gitignore') {
      scan.exposedSessions.push(entry);
    }
  }
  if (rel.startsWith('database/backups/')) scan.dbBackups.push(entry);
  if (noNames) return;

  if ((inRoot || entry.area === 'public') && isEnvCopyName(name)) scan.envCopies.push(entry);
  if (SQLITE_NAME.test(name)) scan.sqliteFiles.push(entry);
  if (entry.area === 'public' && /\.log(\.\d+)?$/i.test(name)) scan.publicLogs.push(entry);
}

function noteCode(scan: TreeScan, entry: TreeEntry, web: WebIds): void {
  if (entry.type === 'other') return;
  // A SQLite database (3.x's default is database/database.sqlite) is data the app must write, and SQLite
  // creates its -journal and -wal files beside it, so database/ must stay writable by the web user too.
  if (entry.rel === 'database' || (entry.type === 'file' && SQLITE_NAME.test(entry.rel))) return;
  const ownedByWeb = web.uid !== null && entry.uid === web.uid && web.uid !== 0;
  const groupWritable = web.gid !== null && entry.gid === web.gid && (entry.mode & GROUP_WRITE) !== 0;
  if (ownedByWeb || groupWritable) addSample(scan.webWritableCode, entry);
}

function addSample(sample: Sample, entry: TreeEntry): void {
  sample.count += 1;
  if (sample.examples.length < MAX_EXAMPLES) sample.examples.push(entry);
}

/**
 * Returns the directory entry to walk, with the target's owner and mode, when the link is the app's own
 * storage/, public/ or bootstrap/cache/. Any other linked directory is listed, and the result is null.
 */
function followLink(
  scan: TreeScan,
  path: string,
  rel: string,
  area: Area,
  parentReachable: boolean,
  visitedDirs: Set<string>,
): TreeEntry | null {
  let target: string | null = null;
  try {
    target = realpathSync(path);
  } catch {
    // A dangling link: nothing to walk.
  }
  const targetStats = target ? statOrNull(target) : null;
  const linkEntry: TreeEntry = { path, rel, mode: 0o777, uid: 0, gid: 0, type: 'other', area, reachable: parentReachable };
  if (area === 'public') scan.publicLinks.push({ entry: linkEntry, target });
  if (!target || !targetStats?.isDirectory()) return null;

  if (FOLLOWED_LINKS.has(rel) && !visitedDirs.has(target)) {
    visitedDirs.add(target);
    return {
      path,
      rel,
      mode: targetStats.mode & 0o7777,
      uid: targetStats.uid,
      gid: targetStats.gid,
      type: 'dir',
      area,
      // The target's own ancestors decide who can reach it, not the directory that contains the link.
      reachable: isReachableByOthers(join(target, '..')),
    };
  }
  addSample(scan.skippedLinks, { ...linkEntry, path: `${path} -> ${target}` });
  return null;
}

/** Path of an entry relative to the app root, for evidence lines. */
export function relativeToRoot(scan: Pick<TreeScan, 'root'>, path: string): string {
  return relative(scan.root, path) || '.';
}
