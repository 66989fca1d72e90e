// run-command: runs a command (as another user through runuser when we are root); a non-zero exit fails
// the step. Its `undoArgv` is recorded before the command runs and is deferred: the executor runs it after
// the step's other changes are undone (e.g. reload the server again once the old files are back).

import type { RunCommandChange } from '../../plan/changes.js';
import type { Context } from '../../types.js';
import type { ApplyContext, ChangeHandler, UndoRecord } from '../types.js';
import { ApplyError, RollbackError } from '../../errors.js';
import { recordFileUndo } from './file-undo.js';

export interface RunCommandUndo extends UndoRecord {
  kind: 'run-command';
  /** Tells the executor to run this record after the step's other undo records. */
  deferred: true;
  argv: string[];
  user: string | null;
  cwd: string | null;
}

export const handler: ChangeHandler<RunCommandChange> = {
  async preview(change) {
    const lines = [`  run ${formatArgv(change.argv)}${change.user ? `  (as ${change.user})` : ''}${change.cwd ? `  in ${change.cwd}` : ''}`];
    if (change.undoArgv) {
      lines.push(`    on undo: ${formatArgv(change.undoArgv)}${change.undoUser ? `  (as ${change.undoUser})` : ''}`);
    }
    for (const path of change.restores ?? []) lines.push(`    on undo: restore ${path} from its backup`);
    return lines;
  },

  async apply(change, actx) {
    // A write-file record: the executor's undo restores the file's bytes, owner and mode from the backup.
    for (const path of change.restores ?? []) await recordFileUndo('write-file', path, [], actx);
    if (change.undoArgv) {
      const record: RunCommandUndo = {
        kind: 'run-command',
        deferred: true,
        argv: change.undoArgv,
        user: change.undoUser ?? change.user ?? null,
        cwd: change.cwd ?? null,
      };
      await actx.record(record);
    }
    const result = await runAs(actx.ctx, change.argv, change.user, change.cwd, change.timeoutMs);
    if (result.exitCode !== 0) throw new ApplyError(failureMessage(change.argv, result));
  },

  // The exit status is the verification; later changes (probes, logins) check the effect.
  async verify() {},

  async undo(record: UndoRecord, actx: ApplyContext) {
    const undo = record as RunCommandUndo;
    const result = await runAs(actx.ctx, undo.argv, undo.user ?? undefined, undo.cwd ?? undefined, undefined);
    if (result.exitCode !== 0) throw new RollbackError(failureMessage(undo.argv, result));
  },
};

function runAs(ctx: Context, argv: string[], user: string | undefined, cwd: string | undefined, timeoutMs: number | undefined) {
  // runuser needs root; as another user the command runs as ourselves, which is what a non-root run can do.
  return ctx.exec(argv, { user: ctx.isRoot ? user : undefined, cwd, timeoutMs });
}

function failureMessage(argv: string[], result: { exitCode: number; stderr: string; stdout: string }): string {
  const output = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-20).join('\n');
  return `${formatArgv(argv)} exited with status ${result.exitCode}${output ? `:\n${output}` : ''}`;
}

/** Shell-style quoting for display only; commands never go through a shell. */
export function formatArgv(argv: string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}
