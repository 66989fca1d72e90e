// quarantine: moves a stray copy of a secret into the run's 0700 quarantine directory, keeping its path
// relative to the app root, so nothing is deleted and `rollback` can put it back.

import { dirname, isAbsolute, join, relative, sep } from 'node:path';

import type { QuarantineChange } from '../../plan/changes.js';
import type { Install } from '../../types.js';
import type { ApplyContext, ChangeHandler, UndoRecord } from '../types.js';
import { ApplyError, PreconditionError, RollbackError } from '../../errors.js';
import { exists, makeDirectories, moveEntry } from '../fs.js';

interface QuarantineUndo extends UndoRecord {
  kind: 'quarantine';
  from: string;
  to: string;
}

export const handler: ChangeHandler<QuarantineChange> = {
  async preview(change, ctx) {
    const missing = (await exists(change.path)) ? '' : '  ! already gone';
    return [`  move ${change.path} → <run directory>/quarantine/${quarantineName(change.path, ctx.install)}${missing}`];
  },

  async apply(change, actx) {
    if (!(await exists(change.path))) throw new PreconditionError(`${change.summary}: ${change.path} does not exist.`);
    const to = join(actx.runDir, 'quarantine', quarantineName(change.path, actx.ctx.install));
    if (await exists(to)) throw new PreconditionError(`${change.summary}: ${to} is already taken in this run's quarantine.`);

    const record: QuarantineUndo = { kind: 'quarantine', from: change.path, to };
    await actx.record(record);
    await makeDirectories(dirname(to), 0o700);
    await moveEntry(change.path, to);
  },

  async verify(change, actx) {
    if (await exists(change.path)) throw new ApplyError(`${change.summary}: ${change.path} is still there after the move`);
    const to = join(actx.runDir, 'quarantine', quarantineName(change.path, actx.ctx.install));
    if (!(await exists(to))) throw new ApplyError(`${change.summary}: ${to} is missing after the move`);
  },

  async undo(record: UndoRecord, _actx: ApplyContext) {
    const undo = record as QuarantineUndo;
    const moved = await exists(undo.to);
    const back = await exists(undo.from);
    // Killed before the move happened: nothing to put back.
    if (!moved && back) return;
    if (!moved) throw new RollbackError(`${undo.from}: the quarantined copy ${undo.to} is missing; it cannot be restored`);
    if (back) throw new RollbackError(`${undo.from} exists again; the quarantined copy stays at ${undo.to}`);
    await makeDirectories(dirname(undo.from), 0o755);
    await moveEntry(undo.to, undo.from);
  },
};

/** Returns the path inside quarantine/: relative to the app root when inside it, else under outside-app-root/. */
export function quarantineName(path: string, install: Pick<Install, 'root' | 'realRoot'> | null | undefined): string {
  for (const root of [install?.realRoot, install?.root]) {
    if (!root) continue;
    const rel = relative(root, path);
    if (rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel)) return rel;
  }
  return join('outside-app-root', path.replace(/^\/+/, ''));
}
