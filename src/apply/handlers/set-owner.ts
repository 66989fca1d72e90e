// set-owner: chown on each target (following symlinks); undo restores the owner and group each target had
// at apply time. chown clears set-user-ID and set-group-ID bits, so the mode is recorded and put back too.

import { chmod, chown, stat } from 'node:fs/promises';

import type { SetOwnerChange } from '../../plan/changes.js';
import type { ChangeHandler, UndoRecord } from '../types.js';
import { ApplyError, PreconditionError } from '../../errors.js';
import { isNotFound } from '../fs.js';
import { owner } from './preview-text.js';

interface SetOwnerUndo extends UndoRecord {
  kind: 'set-owner';
  targets: Array<{ path: string; uid: number; gid: number; mode: number }>;
}

export const handler: ChangeHandler<SetOwnerChange> = {
  async preview(change) {
    const lines: string[] = [];
    for (const target of change.targets) {
      const current = await currentOwner(target.path);
      const changed = current !== null && (current.uid !== target.from.uid || current.gid !== target.from.gid);
      let note = '';
      if (current === null) note = '  ! missing';
      else if (changed) note = `  ! now ${owner(current.uid, current.gid)}`;
      lines.push(`  chown ${target.path}: ${target.from.display} → ${target.to.display}${note}`);
    }
    return lines;
  },

  async apply(change, actx) {
    const previous: SetOwnerUndo['targets'] = [];
    for (const target of change.targets) {
      const current = await currentOwner(target.path);
      if (current === null) throw new PreconditionError(`${change.summary}: ${target.path} does not exist.`);
      previous.push({ path: target.path, ...current });
    }
    const record: SetOwnerUndo = { kind: 'set-owner', targets: previous };
    await actx.record(record);
    for (const [index, target] of change.targets.entries()) {
      await chown(target.path, target.to.uid, target.to.gid);
      const mode = previous[index]!.mode;
      if ((mode & 0o6000) !== 0) await chmod(target.path, mode);
    }
  },

  async verify(change) {
    for (const target of change.targets) {
      const current = await currentOwner(target.path);
      if (current === null || current.uid !== target.to.uid || current.gid !== target.to.gid) {
        const seen = current === null ? '(missing)' : owner(current.uid, current.gid);
        throw new ApplyError(`${change.summary}: ${target.path} is owned by ${seen}, expected ${target.to.display}`);
      }
    }
  },

  async undo(record) {
    const undo = record as SetOwnerUndo;
    for (const target of [...undo.targets].reverse()) {
      await chown(target.path, target.uid, target.gid);
      await chmod(target.path, target.mode);
    }
  },
};

async function currentOwner(path: string): Promise<{ uid: number; gid: number; mode: number } | null> {
  try {
    const info = await stat(path);
    return { uid: info.uid, gid: info.gid, mode: info.mode & 0o7777 };
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
