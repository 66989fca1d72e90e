// set-mode: chmod on each target (following symlinks, as `.env` may be one); undo restores the mode each
// target had at apply time.

import { chmod, stat } from 'node:fs/promises';

import type { SetModeChange } from '../../plan/changes.js';
import type { ChangeHandler, UndoRecord } from '../types.js';
import { ApplyError, PreconditionError } from '../../errors.js';
import { isNotFound } from '../fs.js';
import { octal } from './preview-text.js';

interface SetModeUndo extends UndoRecord {
  kind: 'set-mode';
  targets: Array<{ path: string; mode: number }>;
}

export const handler: ChangeHandler<SetModeChange> = {
  async preview(change) {
    const lines: string[] = [];
    for (const target of change.targets) {
      const current = await currentMode(target.path);
      let note = '';
      if (current === null) note = '  ! missing';
      else if (current !== target.from) note = `  ! now ${octal(current)}`;
      lines.push(`  chmod ${target.path}: ${octal(target.from)} → ${octal(target.to)}${note}`);
    }
    return lines;
  },

  async apply(change, actx) {
    const previous: SetModeUndo['targets'] = [];
    for (const target of change.targets) {
      const mode = await currentMode(target.path);
      if (mode === null) throw new PreconditionError(`${change.summary}: ${target.path} does not exist.`);
      // The mode seen now is what undo restores, which is `from` unless the file changed since planning.
      previous.push({ path: target.path, mode });
    }
    const record: SetModeUndo = { kind: 'set-mode', targets: previous };
    await actx.record(record);
    for (const target of change.targets) await chmod(target.path, target.to);
  },

  async verify(change) {
    for (const target of change.targets) {
      const mode = await currentMode(target.path);
      if (mode !== target.to) {
        throw new ApplyError(
          `${change.summary}: ${target.path} has mode ${mode === null ? '(missing)' : octal(mode)}, expected ${octal(target.to)}`,
        );
      }
    }
  },

  async undo(record) {
    const undo = record as SetModeUndo;
    for (const target of [...undo.targets].reverse()) await chmod(target.path, target.mode);
  },
};

async function currentMode(path: string): Promise<number | null> {
  try {
    return (await stat(path)).mode & 0o7777;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
