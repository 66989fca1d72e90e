// Change handlers by kind, each module imported on first use so a run that only changes modes never loads
// the database drivers. A handler module exports `handler: ChangeHandler<ItsChange>`; an undo record's
// `kind` is the kind of the change that wrote it, so `undo` finds the same handler.

import type { Change, ChangeKind } from '../../plan/changes.js';
import type { ChangeHandler } from '../types.js';
import { InternalError } from '../../errors.js';

type HandlerFor<K extends ChangeKind> = ChangeHandler<Extract<Change, { kind: K }>>;

interface HandlerModule {
  handler?: ChangeHandler<never>;
  default?: ChangeHandler<never>;
}

const loaders: Record<ChangeKind, () => Promise<HandlerModule>> = {
  'write-file': () => import('./write-file.js'),
  'edit-env': () => import('./edit-env.js'),
  'set-mode': () => import('./set-mode.js'),
  'set-owner': () => import('./set-owner.js'),
  quarantine: () => import('./quarantine.js'),
  'run-command': () => import('./run-command.js'),
  'run-sql': () => import('./run-sql.js'),
  'db-login': () => import('./db-login.js'),
  probe: () => import('./probe.js'),
};

export function isChangeKind(kind: unknown): kind is ChangeKind {
  return typeof kind === 'string' && Object.hasOwn(loaders, kind);
}

export async function loadHandler<K extends ChangeKind>(kind: K): Promise<HandlerFor<K>> {
  if (!isChangeKind(kind)) throw new InternalError(`no handler for change kind "${String(kind)}"`);
  const module = await loaders[kind]();
  const handler = module.handler ?? module.default;
  if (!handler) throw new InternalError(`handler module for "${kind}" exports no handler`);
  return handler as unknown as HandlerFor<K>;
}
