// The undo record shared by the handlers that replace a file's content (write-file, edit-env), and the
// restore that reverses it from the run's backup without reading or validating anything else.

import { readFile, rmdir } from 'node:fs/promises';

import type { ApplyContext, UndoRecord } from '../types.js';
import type { FileAttributes } from '../fs.js';
import { readAttributes, removeFileIfPresent, writeFileAtomic } from '../fs.js';

export interface FileUndoRecord extends UndoRecord {
  kind: 'write-file' | 'edit-env';
  /** The file actually written (a symlink's target). */
  path: string;
  /** Copy of the previous content in the run directory; null when the file did not exist. */
  backup: string | null;
  /** Previous owner, group and mode; null when the file did not exist. */
  attributes: FileAttributes | null;
  /** Directories the write created, outermost first; removed on undo when empty. */
  createdDirs: string[];
}

/** Backs up `target` (when it exists) and records how to restore it, before anything is written. */
export async function recordFileUndo(
  kind: FileUndoRecord['kind'],
  target: string,
  createdDirs: string[],
  actx: ApplyContext,
): Promise<void> {
  const attributes = await readAttributes(target);
  const backup = attributes ? await actx.backupFile(target) : null;
  const record: FileUndoRecord = { kind, path: target, backup, attributes, createdDirs };
  await actx.record(record);
}

export async function restoreFile(record: UndoRecord): Promise<void> {
  const undo = record as FileUndoRecord;
  if (undo.backup !== null && undo.attributes !== null) {
    await writeFileAtomic(undo.path, await readFile(undo.backup), undo.attributes);
    return;
  }
  await removeFileIfPresent(undo.path);
  for (const dir of [...undo.createdDirs].reverse()) {
    try {
      await rmdir(dir);
    } catch (error) {
      // Something else now lives there, or it is already gone: leave it.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'ENOENT' && code !== 'EEXIST') throw error;
    }
  }
}
