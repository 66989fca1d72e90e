// The state-directory lock that keeps two runs (or a run and a rollback) from interleaving their changes.
// proper-lockfile keeps the lock as a directory whose mtime it refreshes. An owner file beside it names the
// process, so a lock left by a killed process is taken over at once instead of after the stale delay.

import { readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

import { PreconditionError } from '../errors.js';
import { isAlive } from './manifest.js';
import { writeDurable } from './fs.js';

export interface LockOwner {
  pid: number;
  purpose: string;
  since: string;
}

export type ReleaseLock = () => Promise<void>;

export function lockPath(stateDir: string): string {
  return join(stateDir, 'lock');
}

function ownerPath(stateDir: string): string {
  return join(stateDir, 'lock.owner');
}

/** Takes the state-directory lock or throws a PreconditionError naming the process that holds it. */
export async function acquireStateLock(stateDir: string, purpose: string): Promise<ReleaseLock> {
  const lockfile = await import('proper-lockfile');
  const options = {
    realpath: false,
    lockfilePath: lockPath(stateDir),
    // Losing the lock mid-run cannot be undone safely; the owner file still identifies this process.
    onCompromised: () => undefined,
  };

  let release: ReleaseLock;
  try {
    release = await lockfile.lock(stateDir, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const owner = await readOwner(stateDir);
    if (owner === null || isAlive(owner.pid)) throw lockedError(stateDir, owner);
    // The holder died without releasing it (SIGKILL, power loss).
    // NOTE: two processes that both find the dead owner at the same instant can race here.
    // proper-lockfile only unlocks its own locks, so the dead holder's lock directory is removed here.
    await rmdir(lockPath(stateDir)).catch((rmError: NodeJS.ErrnoException) => {
      if (rmError.code !== 'ENOENT') throw rmError;
    });
    try {
      release = await lockfile.lock(stateDir, options);
    } catch (retryError) {
      if ((retryError as NodeJS.ErrnoException).code !== 'ELOCKED') throw retryError;
      throw lockedError(stateDir, await readOwner(stateDir));
    }
  }

  const owner: LockOwner = { pid: process.pid, purpose, since: new Date().toISOString() };
  await writeDurable(ownerPath(stateDir), `${JSON.stringify(owner)}\n`, 0o600);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await rm(ownerPath(stateDir), { force: true });
    await release();
  };
}

async function readOwner(stateDir: string): Promise<LockOwner | null> {
  try {
    return JSON.parse(await readFile(ownerPath(stateDir), 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

function lockedError(stateDir: string, owner: LockOwner | null): PreconditionError {
  const holder = owner ? `process ${owner.pid} (${owner.purpose}, since ${owner.since})` : 'another process';
  return new PreconditionError(
    `another cachet-harden run is in progress: ${holder} holds the lock ${lockPath(stateDir)}. ` +
      'Wait for it to finish, then run the command again.',
  );
}
