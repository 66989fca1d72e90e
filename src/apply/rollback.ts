// Restores a whole run from its manifest: steps from last to first, each step's records in strict reverse
// order with deferred ones last. Reads nothing but the manifest and the backups, so it works when the
// current config or `.env` is broken.

import { join } from 'node:path';

import type { ApplyContext } from './types.js';
import { InternalError, PreconditionError, UsageError } from '../errors.js';
import type { Context, StepId } from '../types.js';
import { exists } from './fs.js';
import { acquireStateLock } from './lock.js';
import {
  RUN_ID_PATTERN,
  activeUndoEntries,
  listRunIds,
  readManifest,
  runsDir,
  type Manifest,
} from './manifest.js';
import { RunJournal } from './run.js';
import { undoInReverse, type UndoItem } from './undo.js';

export interface RollbackResult {
  runId: string;
  restored: UndoItem[];
  errors: string[];
}

/** Rolls back `runId`, or the newest run that still has changes in place when runId is null. */
export async function rollbackRun(
  ctx: Context,
  stateDir: string,
  runId: string | null,
  onUndone?: (item: UndoItem) => void,
): Promise<RollbackResult> {
  if (runId !== null && !RUN_ID_PATTERN.test(runId)) {
    throw new UsageError(`rollback ${runId}: invalid run id. Run ids look like 20261204T194500Z-ab12; see ${runsDir(stateDir)}.`);
  }
  if (!(await exists(runsDir(stateDir)))) {
    throw new PreconditionError(`no runs recorded in ${stateDir}; nothing to roll back. Pass --state-dir if the runs are elsewhere.`);
  }

  const release = await acquireStateLock(stateDir, 'rollback');
  try {
    const id = runId ?? (await pickDefaultRun(stateDir));
    const dir = join(runsDir(stateDir), id);
    if (!(await exists(dir))) {
      const known = (await listRunIds(stateDir)).slice(-5).join(', ') || 'none';
      throw new UsageError(`rollback ${id}: no such run in ${runsDir(stateDir)}. Recent runs: ${known}.`);
    }
    const manifest = await readManifest(dir);
    if (manifest.status === 'rolled-back') {
      throw new PreconditionError(
        `run ${id} was already rolled back at ${manifest.rolledBackAt ?? 'an earlier time'}; nothing was changed. ` +
          'To restore an older run, name it: cachet-harden rollback <run id>.',
      );
    }
    return await restore(ctx, id, dir, manifest, onUndone);
  } finally {
    await release();
  }
}

async function restore(
  ctx: Context,
  id: string,
  dir: string,
  manifest: Manifest,
  onUndone?: (item: UndoItem) => void,
): Promise<RollbackResult> {
  const journal = RunJournal.open(id, dir, manifest);
  const actx: ApplyContext = {
    ctx,
    runId: id,
    runDir: dir,
    backupFile: () => Promise.reject(new InternalError('rollback never backs up files')),
    record: () => Promise.reject(new InternalError('rollback never records undo entries')),
  };

  const byStep = new Map<StepId, UndoItem[]>();
  for (const entry of activeUndoEntries(manifest)) {
    const items = byStep.get(entry.step) ?? [];
    items.push({ step: entry.step, summary: entry.summary, record: entry.record });
    byStep.set(entry.step, items);
  }

  const result: RollbackResult = { runId: id, restored: [], errors: [] };
  // Manifests hold no secrets, and messages come from file and command errors; mask nothing extra.
  for (const items of [...byStep.values()].reverse()) {
    const undo = await undoInReverse(items, actx, [], onUndone);
    result.restored.push(...undo.undone);
    result.errors.push(...undo.errors);
  }

  const now = ctx.now().toISOString();
  await journal.append({ type: 'rollback', restored: result.restored.length, errors: result.errors, at: now });
  await journal.update({
    status: result.errors.length === 0 ? 'rolled-back' : 'rollback-incomplete',
    rolledBackAt: now,
    completedAt: manifest.completedAt ?? now,
  });
  return result;
}

/** Picks the newest run with changes still in place, or a newer rolled-back one, which the caller then rejects. */
async function pickDefaultRun(stateDir: string): Promise<string> {
  const ids = await listRunIds(stateDir);
  for (const id of [...ids].reverse()) {
    let manifest: Manifest;
    try {
      manifest = await readManifest(join(runsDir(stateDir), id));
    } catch {
      continue;
    }
    if (manifest.status === 'rolled-back' || activeUndoEntries(manifest).length > 0) return id;
  }
  throw new PreconditionError(`no run in ${runsDir(stateDir)} has changes to roll back.`);
}
