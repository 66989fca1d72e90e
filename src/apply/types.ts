// The contract between the executor and the per-kind change handlers in src/apply/handlers/.

import type { Change } from '../plan/changes.js';
import type { Context } from '../types.js';

/**
 * What the executor needs to undo one applied change, stored in the run's manifest as JSON.
 * It must never contain a secret: file contents go to backup files, not into the record.
 */
export interface UndoRecord {
  kind: string;
  [field: string]: unknown;
}

export interface ApplyContext {
  ctx: Context;
  runId: string;
  /** The run's 0700 directory under the state directory. */
  runDir: string;
  /**
   * Copies a file into the run directory (mode 0600) and returns the backup path.
   * Call it before the first write to that file.
   */
  backupFile(path: string): Promise<string>;
  /**
   * Appends an undo record to the manifest and flushes it to disk. Handlers call it *before* they
   * change anything, so a run killed mid-change can still be rolled back.
   */
  record(undo: UndoRecord): Promise<void>;
}

export interface ChangeHandler<C extends Change = Change> {
  /** Preview lines for dry-run and the wizard, secrets masked; diffs for files. */
  preview(change: C, ctx: Context): Promise<string[]>;
  /** Applies the change; records how to undo it before touching anything. */
  apply(change: C, actx: ApplyContext): Promise<void>;
  /** Throws when the applied change is not in effect. */
  verify(change: C, actx: ApplyContext): Promise<void>;
  /** Reverses one record written by apply; must work even when the current config is broken. */
  undo(record: UndoRecord, actx: ApplyContext): Promise<void>;
}
