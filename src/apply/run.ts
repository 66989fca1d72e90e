// One apply run on disk: its id, its 0700 directory under the state directory, the backups and the
// manifest journal that `rollback` reads.

import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, open } from 'node:fs/promises';
import { basename, join } from 'node:path';

import type { UndoRecord } from './types.js';
import type { StepId } from '../types.js';
import { VERSION } from '../version.js';
import { makeDirectories, syncDirectory } from './fs.js';
import { MANIFEST_VERSION, runsDir, writeManifest, type Manifest, type ManifestEntry } from './manifest.js';

/** A run id: the UTC start time and 4 random hex digits, e.g. 20261204T194500Z-ab12; ids sort by time. */
export function createRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Creates the state directory (0700) when missing and tightens it when it is looser. */
export async function ensureStateDir(stateDir: string): Promise<void> {
  await makeDirectories(stateDir, 0o700);
  await mkdir(runsDir(stateDir), { recursive: true, mode: 0o700 });
  await chmod(runsDir(stateDir), 0o700);
}

export class RunJournal {
  readonly manifest: Manifest;
  #backups = 0;

  private constructor(
    readonly id: string,
    readonly dir: string,
    manifest: Manifest,
  ) {
    this.manifest = manifest;
  }

  /** Starts a new run directory with an empty manifest. The caller holds the state lock. */
  static async create(stateDir: string, appRoot: string, now: Date): Promise<RunJournal> {
    await ensureStateDir(stateDir);
    const id = createRunId(now);
    const dir = join(runsDir(stateDir), id);
    await mkdir(dir, { mode: 0o700 });
    await chmod(dir, 0o700);
    await mkdir(join(dir, 'backups'), { mode: 0o700 });
    await chmod(join(dir, 'backups'), 0o700);
    const manifest: Manifest = {
      manifestVersion: MANIFEST_VERSION,
      tool: 'cachet-harden',
      toolVersion: VERSION,
      runId: id,
      appRoot,
      pid: process.pid,
      startedAt: now.toISOString(),
      status: 'running',
      completedAt: null,
      rolledBackAt: null,
      entries: [],
    };
    await writeManifest(dir, manifest);
    return new RunJournal(id, dir, manifest);
  }

  static open(id: string, dir: string, manifest: Manifest): RunJournal {
    return new RunJournal(id, dir, manifest);
  }

  async append(entry: ManifestEntry): Promise<void> {
    this.manifest.entries.push(entry);
    await writeManifest(this.dir, this.manifest);
  }

  async recordUndo(step: StepId, change: number, summary: string, record: UndoRecord, at: Date): Promise<void> {
    await this.append({ type: 'undo', step, change, summary, record, at: at.toISOString() });
  }

  async update(fields: Partial<Pick<Manifest, 'status' | 'completedAt' | 'rolledBackAt'>>): Promise<void> {
    Object.assign(this.manifest, fields);
    await writeManifest(this.dir, this.manifest);
  }

  /** Copies a file into backups/ with mode 0600 and fsyncs it; returns the backup's path. */
  async backupFile(path: string): Promise<string> {
    this.#backups += 1;
    const target = join(this.dir, 'backups', `${String(this.#backups).padStart(3, '0')}-${basename(path)}`);
    await copyFile(path, target);
    await chmod(target, 0o600);
    const handle = await open(target, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await syncDirectory(join(this.dir, 'backups'));
    return target;
  }

  quarantineDir(): string {
    return join(this.dir, 'quarantine');
  }
}
