// The run manifest: a versioned journal in <stateDir>/runs/<id>/manifest.json. Entries are only ever
// appended; each append rewrites the file atomically and fsyncs it, so a run killed at any point leaves
// a readable manifest. It never holds a secret: file contents live in the backups beside it.

import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { UndoRecord } from './types.js';
import { PreconditionError } from '../errors.js';
import type { StepId } from '../types.js';
import { isNotFound, writeDurable } from './fs.js';

export const MANIFEST_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

/**
 * running: started and not finished (a crash or SIGKILL leaves this); completed: finished, whether or not
 * a step failed (a failed step was undone); rolled-back: `rollback` restored it; rollback-incomplete:
 * `rollback` ran but could not restore everything.
 */
export type RunStatus = 'running' | 'completed' | 'rolled-back' | 'rollback-incomplete';

export type ManifestEntry =
  | { type: 'step-started'; step: StepId; at: string }
  | { type: 'undo'; step: StepId; change: number; summary: string; record: UndoRecord; at: string }
  | { type: 'step-applied'; step: StepId; at: string }
  | { type: 'step-undone'; step: StepId; reason: string; undoErrors: string[]; at: string }
  | { type: 'rollback'; restored: number; errors: string[]; at: string };

export interface Manifest {
  manifestVersion: number;
  tool: 'cachet-harden';
  toolVersion: string;
  runId: string;
  appRoot: string;
  pid: number;
  startedAt: string;
  status: RunStatus;
  /** Set when the run ended normally or after an interruption it handled; null after a crash. */
  completedAt: string | null;
  rolledBackAt: string | null;
  entries: ManifestEntry[];
}

export function manifestPath(runDir: string): string {
  return join(runDir, MANIFEST_FILE);
}

export async function writeManifest(runDir: string, manifest: Manifest): Promise<void> {
  await writeDurable(manifestPath(runDir), `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
}

export async function readManifest(runDir: string): Promise<Manifest> {
  const path = manifestPath(runDir);
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if (isNotFound(error)) throw new PreconditionError(`${path}: no manifest found; ${runDir} is not a cachet-harden run.`);
    throw new PreconditionError(`${path}: unreadable manifest (${(error as Error).message}).`);
  }
  const manifest = data as Partial<Manifest>;
  if (manifest.manifestVersion !== MANIFEST_VERSION || !Array.isArray(manifest.entries) || !manifest.runId) {
    throw new PreconditionError(
      `${path}: unsupported manifest (version ${String(manifest.manifestVersion)}); this cachet-harden reads version ${MANIFEST_VERSION}.`,
    );
  }
  return manifest as Manifest;
}

export function runsDir(stateDir: string): string {
  return join(stateDir, 'runs');
}

/** Run ids under the state directory, oldest first (ids start with a UTC timestamp). */
export async function listRunIds(stateDir: string): Promise<string[]> {
  try {
    const names = await readdir(runsDir(stateDir));
    return names.filter((name) => RUN_ID_PATTERN.test(name)).sort();
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

export const RUN_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{4}$/;

/** Undo entries still in effect: those of steps that were not already undone after a failure. */
export function activeUndoEntries(manifest: Manifest): Array<Extract<ManifestEntry, { type: 'undo' }>> {
  const undoneSteps = new Set<string>();
  const active: Array<Extract<ManifestEntry, { type: 'undo' }>> = [];
  // A step id may appear once per run; an undone step's records are already reversed.
  for (const entry of manifest.entries) if (entry.type === 'step-undone') undoneSteps.add(entry.step);
  for (const entry of manifest.entries) {
    if (entry.type === 'undo' && !undoneSteps.has(entry.step)) active.push(entry);
  }
  return active;
}

/** Runs that started and never finished: the process died before it could mark them. */
export async function findUnfinishedRuns(stateDir: string): Promise<Manifest[]> {
  const unfinished: Manifest[] = [];
  for (const id of await listRunIds(stateDir)) {
    try {
      const manifest = await readManifest(join(runsDir(stateDir), id));
      if (manifest.status === 'running' && manifest.completedAt === null && !isAlive(manifest.pid)) {
        unfinished.push(manifest);
      }
    } catch {
      // An unreadable run directory is not ours to judge here; `rollback RUN` reports it when named.
    }
  }
  return unfinished;
}

export function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
