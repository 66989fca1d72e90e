// The executor applies the plans of the selected steps as one run. For each change it records the undo,
// applies the change, then verifies it. When any change of a step fails, everything that step changed is
// undone in strict reverse order and the run stops. SIGINT/SIGTERM during a step runs the same undo once.

import type { ApplyContext, UndoRecord } from './types.js';
import type { Change } from '../plan/changes.js';
import { InternalError, PreconditionError, exitCodeOf } from '../errors.js';
import type { Context, Plan, StepId } from '../types.js';
import { redact } from '../util/secret.js';
import { loadHandler } from './handlers/index.js';
import { acquireStateLock, type ReleaseLock } from './lock.js';
import { RunJournal, ensureStateDir } from './run.js';
import { installSecretValues, secretValuesIn } from './secrets.js';
import { undoInReverse, type UndoItem } from './undo.js';

export interface ExecutorEvents {
  changeStarted?(event: { step: StepId; index: number; total: number; change: Change }): void;
  undoStarted?(event: { step: StepId; reason: string; count: number }): void;
  undone?(event: UndoItem): void;
  signal?(signal: NodeJS.Signals, firstTime: boolean): void;
}

export interface ExecutorOptions {
  stateDir: string;
  events?: ExecutorEvents;
  /** The state lock when the caller already holds it; the executor releases it in finish(). */
  lock?: ReleaseLock;
}

export type StepOutcome =
  | { step: StepId; status: 'applied'; applied: number }
  | {
      step: StepId;
      status: 'failed';
      /** Description of the failure, with secrets masked. */
      error: string;
      /** 2 when the system was not in a state to work on (nothing applied), else 3. */
      exitCode: number;
      /** Index of the change that failed, or null when a signal stopped the step. */
      failedChange: number | null;
      signal: NodeJS.Signals | null;
      undone: number;
      undoErrors: string[];
    };

export interface RunResult {
  runId: string;
  runDir: string;
  outcomes: StepOutcome[];
}

export class Executor {
  #signal: NodeJS.Signals | null = null;
  #finished = false;

  private constructor(
    readonly ctx: Context,
    readonly journal: RunJournal,
    private readonly release: ReleaseLock,
    private readonly events: ExecutorEvents,
  ) {}

  get runId(): string {
    return this.journal.id;
  }

  get runDir(): string {
    return this.journal.dir;
  }

  /** Takes the state lock and starts a run directory; a second concurrent run fails here (exit 2). */
  static async start(ctx: Context, options: ExecutorOptions): Promise<Executor> {
    await ensureStateDir(options.stateDir);
    const release = options.lock ?? (await acquireStateLock(options.stateDir, 'apply'));
    try {
      const journal = await RunJournal.create(options.stateDir, ctx.install.root, ctx.now());
      return new Executor(ctx, journal, release, options.events ?? {});
    } catch (error) {
      await release();
      throw error;
    }
  }

  async applyStep(plan: Plan): Promise<StepOutcome> {
    if (this.#finished) throw new InternalError('applyStep called after the run finished');
    const step = plan.step;
    const planSecrets = [...secretValuesIn(plan.changes)];
    const secrets = [...planSecrets, ...installSecretValues(this.ctx.install)];
    const items: UndoItem[] = [];
    let current = -1;

    const actx: ApplyContext = {
      ctx: this.ctx,
      runId: this.runId,
      runDir: this.runDir,
      backupFile: (path) => this.journal.backupFile(path),
      record: async (record: UndoRecord) => {
        assertNoSecret(record, planSecrets);
        const change = plan.changes[current]!;
        await this.journal.recordUndo(step, current, change.summary, record, this.ctx.now());
        items.push({ step, summary: change.summary, record });
      },
    };

    await this.journal.append({ type: 'step-started', step, at: this.ctx.now().toISOString() });
    const stopSignals = this.#listenForSignals();
    try {
      for (const [index, change] of plan.changes.entries()) {
        this.#throwIfSignalled();
        current = index;
        this.events.changeStarted?.({ step, index, total: plan.changes.length, change });
        const handler = await loadHandler(change.kind);
        await handler.apply(change as never, actx);
        await handler.verify(change as never, actx);
      }
      // A signal that arrived during the last change still stops the step: the operator asked to stop.
      this.#throwIfSignalled();
      await this.journal.append({ type: 'step-applied', step, at: this.ctx.now().toISOString() });
      return { step, status: 'applied', applied: plan.changes.length };
    } catch (error) {
      const signal = error instanceof SignalStop ? error.signal : null;
      const reason = signal ? `stopped by ${signal}` : redact(describeFailure(plan.changes[current], error), secrets);
      this.events.undoStarted?.({ step, reason, count: items.length });
      const undo = await undoInReverse(items, actx, secrets, (item) => this.events.undone?.(item));
      await this.journal.append({ type: 'step-undone', step, reason, undoErrors: undo.errors, at: this.ctx.now().toISOString() });
      const nothingChanged = items.length === 0;
      return {
        step,
        status: 'failed',
        error: reason,
        exitCode: nothingChanged && error instanceof PreconditionError ? exitCodeOf(error) : 3,
        failedChange: signal ? null : current,
        signal,
        undone: undo.undone.length,
        undoErrors: undo.errors,
      };
    } finally {
      stopSignals();
    }
  }

  /** Marks the run completed and releases the lock; safe to call more than once. */
  async finish(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    try {
      await this.journal.update({ status: 'completed', completedAt: this.ctx.now().toISOString() });
    } finally {
      await this.release();
    }
  }

  #listenForSignals(): () => void {
    const onSignal = (signal: NodeJS.Signals): void => {
      const firstTime = this.#signal === null;
      this.#signal ??= signal;
      this.events.signal?.(signal, firstTime);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  }

  #throwIfSignalled(): void {
    if (this.#signal !== null) throw new SignalStop(this.#signal);
  }

  /** The signal that interrupted this run, if any. */
  get signal(): NodeJS.Signals | null {
    return this.#signal;
  }
}

class SignalStop extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`stopped by ${signal}`);
  }
}

/** Applies each plan with changes in order, stopping after the first failed step; always finishes the run. */
export async function applyPlans(ctx: Context, plans: Plan[], options: ExecutorOptions): Promise<RunResult> {
  const executor = await Executor.start(ctx, options);
  const outcomes: StepOutcome[] = [];
  try {
    for (const plan of plans) {
      if (plan.changes.length === 0) continue;
      const outcome = await executor.applyStep(plan);
      outcomes.push(outcome);
      if (outcome.status === 'failed') break;
    }
  } finally {
    await executor.finish();
  }
  return { runId: executor.runId, runDir: executor.runDir, outcomes };
}

/** The failed change's summary and the error, without repeating a summary the handler already gave. */
function describeFailure(change: Change | undefined, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!change || message.startsWith(change.summary)) return message;
  return `${change.summary}: ${message}`;
}

/**
 * Refuses an undo record that would put one of the plan's secrets into the manifest (a handler bug).
 * The install's existing secrets are not checked here: weak ones such as `cachet` also occur in paths.
 */
function assertNoSecret(record: UndoRecord, secrets: string[]): void {
  const text = JSON.stringify(record);
  for (const secret of secrets) {
    if (secret.length >= 4 && text.includes(secret)) {
      throw new InternalError(`the undo record of kind "${record.kind}" contains a secret value; it was not written`);
    }
  }
}
