// File-system primitives for the executor: atomic replacement that keeps owner, group and mode, durable
// small writes, and moves that also work across file systems.

import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  chmod,
  chown,
  copyFile,
  lchown,
  lstat,
  mkdir,
  open,
  readFile,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  unlink,
  utimes,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export interface FileAttributes {
  mode: number;
  uid: number;
  gid: number;
}

/**
 * Resolves the file a write to `path` must replace: the final target of a symlink chain (so a symlinked
 * `.env` stays a symlink), or `path` itself with its directory resolved when nothing exists there yet.
 */
export async function resolveWriteTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  // A dangling symlink: follow it by hand, since realpath needs the target to exist.
  try {
    const link = await lstat(path);
    if (link.isSymbolicLink()) return resolveWriteTarget(resolve(dirname(path), await readlink(path)));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  let dir: string;
  try {
    dir = await realpath(dirname(path));
  } catch (error) {
    if (!isNotFound(error)) throw error;
    dir = dirname(path);
  }
  return join(dir, basename(path));
}

/** Reads the owner, group and permission bits of a file (following symlinks); null when it does not exist. */
export async function readAttributes(path: string): Promise<FileAttributes | null> {
  try {
    const info = await stat(path);
    return { mode: info.mode & 0o7777, uid: info.uid, gid: info.gid };
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/**
 * Replaces `path` atomically: writes a temporary file in the same directory, sets its owner, group and
 * mode (given ones, else the existing file's), fsyncs it, renames it over the target and fsyncs the
 * directory. Returns the path written, which is the symlink target when `path` is a symlink.
 * NOTE: the SELinux label is not copied, so the new file gets its directory's default label.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Buffer,
  attributes: Partial<FileAttributes> = {},
): Promise<string> {
  const target = await resolveWriteTarget(path);
  const existing = await readAttributes(target);
  const mode = attributes.mode ?? existing?.mode ?? 0o644;
  const uid = attributes.uid ?? existing?.uid;
  const gid = attributes.gid ?? existing?.gid;

  const temp = join(dirname(target), `.${basename(target)}.cachet-harden-${randomBytes(6).toString('hex')}`);
  // O_EXCL so a planted file or symlink at the temporary name is never followed.
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    try {
      await handle.writeFile(data);
      if (uid !== undefined && gid !== undefined) {
        const created = await handle.stat();
        if (created.uid !== uid || created.gid !== gid) await handle.chown(uid, gid);
      }
      // chmod after chown: chown clears set-user-ID and set-group-ID bits.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dirname(target));
  return target;
}

/** Writes a small file durably (fsync of the file and its directory), replacing it atomically. */
export async function writeDurable(path: string, data: string, mode: number): Promise<void> {
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await syncDirectory(dirname(path));
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Lists the directories `makeDirectories(dir)` would create, outermost first. */
export async function findMissingDirectories(dir: string): Promise<string[]> {
  const missing: string[] = [];
  let current = resolve(dir);
  while (!(await exists(current))) {
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return missing;
}

/** Creates `dir` and any missing parents with `mode`; returns the directories it created, outermost first. */
export async function makeDirectories(dir: string, mode: number): Promise<string[]> {
  const missing = await findMissingDirectories(dir);
  for (const path of missing) {
    await mkdir(path, { mode });
    // mkdir's mode is filtered by the umask; set it exactly.
    await chmod(path, mode);
  }
  return missing;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

export async function sha256File(path: string): Promise<string> {
  return sha256(await readFile(path));
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Moves a file, directory or symlink. Within one file system this is a rename. Across file systems
 * (EXDEV) the tree is copied with owners, modes and times, then the source is removed.
 */
export async function moveEntry(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
  }
  await copyTree(from, to);
  await rm(from, { recursive: true, force: true });
}

async function copyTree(from: string, to: string): Promise<void> {
  const info = await lstat(from);
  if (info.isSymbolicLink()) {
    await symlink(await readlink(from), to);
    await lchown(to, info.uid, info.gid);
    return;
  }
  if (info.isDirectory()) {
    await mkdir(to, { mode: 0o700 });
    for (const name of await readdir(from)) await copyTree(join(from, name), join(to, name));
  } else if (info.isFile()) {
    await copyFile(from, to, constants.COPYFILE_EXCL);
  } else {
    throw new Error(`${from}: cannot move a ${describeType(info)} across file systems`);
  }
  await chown(to, info.uid, info.gid);
  await chmod(to, info.mode & 0o7777);
  await utimes(to, info.atime, info.mtime);
}

function describeType(info: Awaited<ReturnType<typeof lstat>>): string {
  if (info.isSocket()) return 'socket';
  if (info.isFIFO()) return 'FIFO';
  return 'device file';
}

export async function removeFileIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

export async function linkCount(path: string): Promise<number | null> {
  try {
    return (await stat(path)).nlink;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
