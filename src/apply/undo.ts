// Reverses recorded changes: strict reverse order, with deferred records (run-command `undoArgv`) after
// the others, as a failed step and `rollback` both need.

import type { ApplyContext, UndoRecord } from './types.js';
import { InternalError } from '../errors.js';
import type { StepId } from '../types.js';
import { redact } from '../util/secret.js';
import { isChangeKind, loadHandler } from './handlers/index.js';

export interface UndoItem {
  step: StepId;
  summary: string;
  record: UndoRecord;
}

export interface UndoResult {
  undone: UndoItem[];
  /** One message per record that could not be reversed; the others are still attempted. */
  errors: string[];
}

export function isDeferred(record: UndoRecord): boolean {
  return record.deferred === true;
}

/** Undoes `items` (in apply order) from last to first, deferred ones last; never stops at a failure. */
export async function undoInReverse(
  items: UndoItem[],
  actx: ApplyContext,
  secrets: Iterable<string>,
  onUndone?: (item: UndoItem) => void,
): Promise<UndoResult> {
  const reversed = [...items].reverse();
  const ordered = [...reversed.filter((item) => !isDeferred(item.record)), ...reversed.filter((item) => isDeferred(item.record))];
  const result: UndoResult = { undone: [], errors: [] };
  const masked = [...secrets];
  for (const item of ordered) {
    try {
      if (!isChangeKind(item.record.kind)) throw new InternalError(`unknown undo record kind "${item.record.kind}"`);
      const handler = await loadHandler(item.record.kind);
      await handler.undo(item.record, actx);
      result.undone.push(item);
      onUndone?.(item);
    } catch (error) {
      result.errors.push(redact(`${item.summary}: ${(error as Error).message}`, masked));
    }
  }
  return result;
}
