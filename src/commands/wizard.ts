// `cachet-harden` (the wizard): for each selected step, inspect, show the findings, resolve the step's
// choices, plan, show the exact changes, ask, apply through the executor, verify and show what remains.
// `--dry-run` is one branch here: the plan is rendered instead of applied, and nothing is written.

import { DEFAULT_STATE_DIR, type CliOptions, type Io } from '../cli-options.js';
import { Executor, type StepOutcome } from '../apply/executor.js';
import { acquireStateLock, type ReleaseLock } from '../apply/lock.js';
import { findUnfinishedRuns } from '../apply/manifest.js';
import { ensureStateDir } from '../apply/run.js';
import { createContext } from '../context.js';
import { CancelledError, UsageError } from '../errors.js';
import { detectInstall } from '../install/detect.js';
import { atOrAbove, renderInstall, renderStepFindings } from '../report/findings.js';
import { previewChanges, renderPreview, type ChangePreview } from '../report/preview.js';
import { createSpinner, type Spinner } from '../report/spinner.js';
import { createStyler, type Styler } from '../report/style.js';
import { loadSteps } from '../steps/index.js';
import type { Choice, Context, Finding, Plan, Step, StepId } from '../types.js';
import { inspectStep } from './check.js';
import { resolveChoices } from '../wizard/choices.js';
import { CANCELLED_MESSAGE, createPrompter, type Prompter } from '../wizard/prompts.js';
import { invocation } from '../util/invocation.js';
import {
  renderOutcome,
  renderRemaining,
  renderStepHeader,
  renderSummaryTable,
  wizardDocument,
  type StepReport,
} from '../wizard/screens.js';

type Decision = 'apply' | 'skip';

export async function runWizard(options: CliOptions, io: Io): Promise<number> {
  // With --json, stdout carries only the document, and human text goes to stderr when a person is watching.
  let human: Io['stdout'] | null = io.stdout;
  if (options.json) human = io.interactive ? io.stderr : null;
  const style = createStyler(options.color && !options.json);
  const say = (text = ''): void => {
    human?.write(`${text}\n`);
  };

  const install = await detectInstall(options);
  const ctx = createContext(install, options);
  const steps = await loadSteps(options.only, options.skip);
  say(renderInstall(style, install).join('\n'));
  if (install.envError) {
    const where = install.envError.line === null ? '' : ` (line ${install.envError.line})`;
    say(style('high', `  ! ${install.envPath} does not parse${where}: ${install.envError.message}. No step will write it.`));
  }
  if (options.dryRun) say(style('medium', '  Dry run: changes are shown, nothing is written.'));
  else await reportUnfinishedRuns(options, say, style);

  const upFront = !io.interactive && !options.dryRun ? await checkAnswersUpFront(steps, ctx, options) : new Map<StepId, Finding[]>();
  // Taken before the first question, so a second concurrent run stops before anyone answers anything.
  const lock = options.dryRun ? null : await lockStateDir(options.stateDir);
  const wizard = new WizardRun(options, io, ctx, style, say, lock, upFront);
  let cancelled = false;
  try {
    for (const [index, step] of steps.entries()) {
      const report = await wizard.runStep(step, index + 1, steps.length);
      if (report.status === 'failed') break;
    }
  } catch (error) {
    if (!(error instanceof CancelledError)) {
      // The steps applied so far stay applied, so print how to undo them before the error is reported.
      if (wizard.runId) io.stderr.write(`Run ${wizard.runId} changed the system before this error; to undo it: ${rollbackCommand(wizard.runId, options)}\n`);
      throw error;
    }
    cancelled = true;
    // The step whose prompt was cancelled changed nothing; its findings all remain.
    const current = wizard.reports.at(-1);
    if (current && current.status === 'ok' && current.findings.length > 0) current.status = 'cancelled';
  } finally {
    await wizard.finish();
  }

  const reports = wizard.reports;
  for (const step of steps.slice(reports.length)) reports.push(notRun(step));
  const exitCode = decideExitCode(reports, options, cancelled);

  say(renderSummaryTable(style, reports, options.failOn).join('\n'));
  if (cancelled) say(`\n${CANCELLED_MESSAGE}`);
  // A run whose only step failed was already undone: there is nothing left to roll back.
  const runId = reports.some((report) => report.status === 'changed') ? wizard.runId : null;
  if (runId) say(`\nRun ${style('value', runId)}; to undo it: ${rollbackCommand(runId, options)}`);
  if (options.json) {
    const document = wizardDocument({
      install: ctx.install,
      dryRun: options.dryRun,
      runId,
      reports,
      failOn: options.failOn,
      exitCode,
      cancelled,
    });
    io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  }
  return exitCode;
}

class WizardRun {
  readonly reports: StepReport[] = [];
  #executor: Executor | null = null;
  #spinner: Promise<Spinner> | null = null;
  readonly #prompter: Prompter | null;

  constructor(
    private readonly options: CliOptions,
    private readonly io: Io,
    private readonly ctx: Context,
    private readonly style: Styler,
    private readonly say: (text?: string) => void,
    private readonly lock: ReleaseLock | null,
    /** Findings from the up-front answers check, valid until the first change is applied. */
    private readonly firstFindings: Map<StepId, Finding[]>,
  ) {
    this.#prompter = io.interactive ? createPrompter(io, options.color && !options.json) : null;
  }

  get runId(): string | null {
    return this.#executor?.runId ?? null;
  }

  async runStep(step: Step, index: number, total: number): Promise<StepReport> {
    const { style, say } = this;
    say(renderStepHeader(style, index, total, step.id, step.title));
    // Reusing the up-front inspection saves a second nginx -T, walk and round of probes; once a step
    // has applied, the system differs, so later steps inspect again.
    const earlier = this.runId === null ? this.firstFindings.get(step.id) : undefined;
    const findings = earlier ?? (await inspectStep(step, this.ctx));
    say(renderStepFindings(style, step, findings).slice(1).join('\n'));

    const report: StepReport = {
      id: step.id,
      title: step.title,
      status: 'ok',
      findings,
      choices: {},
      assumedChoices: [],
      changes: [],
      notes: [],
      remaining: findings,
      declined: false,
      outcome: null,
    };
    this.reports.push(report);
    if (findings.length === 0) return report;

    const answers = this.options.answers?.[step.id];
    if (answers?.action === 'skip') {
      say(`  ${style('medium', 'skipped')} (the answers file sets ${step.id}.action to "skip")`);
      return Object.assign(report, { status: 'skipped', declined: true });
    }

    let plan: Plan;
    let previews: ChangePreview[];
    let choices: Choice[];
    for (;;) {
      choices = step.choices?.(this.ctx, findings) ?? [];
      const resolved = await resolveChoices(step.id, choices, {
        answers,
        yes: this.options.yes,
        dryRun: this.options.dryRun,
        prompter: this.options.dryRun && !this.io.interactive ? null : this.#prompter,
        say: (text) => say(style('muted', `  ${text}`)),
      }, step.choiceKeys);
      plan = await step.plan(this.ctx, findings, resolved.values);
      previews = await previewChanges(plan.changes, this.ctx);
      Object.assign(report, {
        choices: publicChoices(choices, resolved.values),
        assumedChoices: resolved.assumed,
        changes: previews,
        notes: plan.notes,
      });
      for (const key of resolved.assumed) {
        const choice = choices.find((item) => item.key === key);
        const why = choice?.recommended === undefined ? 'no recommendation; the first option' : 'recommended';
        say(style('medium', `  assumed ${step.id}.${key} = "${resolved.values[key]}" (${why}); set it with --answers`));
      }

      if (plan.changes.length === 0) {
        say(renderPreview(style, plan, previews, false).join('\n'));
        report.status = 'advice';
        return report;
      }
      if (this.options.dryRun) {
        say(`  ${style('heading', 'would change:')}`);
        say(renderPreview(style, plan, previews, true).join('\n'));
        report.status = 'planned';
        return report;
      }

      say(`  ${style('heading', 'proposed changes:')}`);
      say(renderPreview(style, plan, previews, false).join('\n'));
      const decision = await this.#decide(step, plan, previews, choices.length > 0);
      if (decision === 'again') continue;
      if (decision === 'skip') {
        say(`  ${style('medium', 'skipped')}; nothing in ${step.id} was changed`);
        return Object.assign(report, { status: 'skipped', declined: true });
      }
      break;
    }

    const outcome = await this.#apply(plan);
    report.outcome = outcome;
    say(renderOutcome(style, outcome).join('\n'));
    if (outcome.status === 'failed') {
      report.status = 'failed';
      return report;
    }

    report.status = 'changed';
    await this.#refreshInstall();
    report.remaining = await inspectStep(step, this.ctx);
    say(renderRemaining(style, report.remaining).join('\n'));
    return report;
  }

  /** Marks the run completed, if one was started, and releases the state lock. */
  async finish(): Promise<void> {
    if (this.#executor) await this.#executor.finish();
    else await this.lock?.();
  }

  async #decide(step: Step, plan: Plan, previews: ChangePreview[], hasChoices: boolean): Promise<Decision | 'again'> {
    const action = this.options.answers?.[step.id]?.action;
    if (action === 'apply' || this.options.yes) return 'apply';
    if (!this.#prompter) throw missingAction(step);
    for (;;) {
      const options = [
        { value: 'apply', label: `Apply these ${plan.changes.length} change(s)` },
        { value: 'skip', label: 'Skip this step' },
        { value: 'details', label: 'Show details (diffs, modes, owners, commands)' },
      ];
      if (hasChoices) options.push({ value: 'again', label: 'Change my answers' });
      const answer = await this.#prompter.select(`${step.id}: apply the changes above?`, options, 'apply');
      if (answer === 'details') {
        this.say(renderPreview(this.style, plan, previews, true).join('\n'));
        continue;
      }
      return answer as Decision | 'again';
    }
  }

  async #apply(plan: Plan): Promise<StepOutcome> {
    const spinner = await (this.#spinner ??= createSpinner(this.io, this.options.color && !this.options.json));
    this.#executor ??= await Executor.start(this.ctx, {
      stateDir: this.options.stateDir,
      lock: this.lock ?? undefined,
      events: {
        changeStarted: ({ index, total, change }) => spinner.update(`${plan.step}: ${index + 1}/${total} ${change.summary}`),
        undoStarted: ({ reason, count }) => spinner.update(`${plan.step}: ${reason}; undoing ${count} change(s)`),
        signal: (signal, firstTime) => {
          if (firstTime) this.io.stderr.write(`\n${signal}: stopping after the current change and undoing this step\n`);
        },
      },
    });
    spinner.start(`${plan.step}: applying ${plan.changes.length} change(s)`);
    try {
      return await this.#executor.applyStep(plan);
    } finally {
      spinner.stop();
    }
  }

  /** After a step changed the system, later steps must see the new `.env` and a fresh tree walk. */
  async #refreshInstall(): Promise<void> {
    this.ctx.shared.clear();
    try {
      this.ctx.install = await detectInstall(this.options);
    } catch (error) {
      this.say(this.style('high', `  ! could not read the install again: ${(error as Error).message}`));
    }
  }
}

function publicChoices(choices: Choice[], values: Record<string, string>): Record<string, string> {
  const hidden = new Set(choices.filter((choice) => choice.type === 'password').map((choice) => choice.key));
  return Object.fromEntries(Object.entries(values).filter(([key]) => !hidden.has(key)));
}

function notRun(step: Step): StepReport {
  return {
    id: step.id,
    title: step.title,
    status: 'not-run',
    findings: [],
    choices: {},
    assumedChoices: [],
    changes: [],
    notes: [],
    remaining: [],
    declined: false,
    outcome: null,
  };
}

/** 3 (or 2) after a failed step, 1 when findings remain at or above --fail-on or a fix was declined, else 0. */
function decideExitCode(reports: StepReport[], options: CliOptions, cancelled: boolean): number {
  const failed = reports.find((report) => report.outcome?.status === 'failed');
  if (failed?.outcome?.status === 'failed') return failed.outcome.exitCode;
  if (cancelled) return 1;
  if (reports.some((report) => report.declined)) return 1;
  const remaining: Finding[] = reports.flatMap((report) => report.remaining);
  return remaining.some((finding) => atOrAbove(finding.severity, options.failOn)) ? 1 : 0;
}

/**
 * Without a terminal, every answer must be known before the first change: bad input changes nothing.
 * This resolves each step's choices and action for the findings seen now and returns those findings. A
 * step whose choices change after an earlier step applied can still stop later with the same UsageError.
 */
async function checkAnswersUpFront(steps: Step[], ctx: Context, options: CliOptions): Promise<Map<StepId, Finding[]>> {
  const inspected = new Map<StepId, Finding[]>();
  for (const step of steps) {
    const answers = options.answers?.[step.id];
    if (answers?.action === 'skip') continue;
    const findings = await inspectStep(step, ctx);
    inspected.set(step.id, findings);
    if (findings.length === 0) continue;
    const choices = step.choices?.(ctx, findings) ?? [];
    await resolveChoices(
      step.id,
      choices,
      { answers, yes: options.yes, dryRun: false, prompter: null, say: () => undefined },
      step.choiceKeys,
    );
    if (answers?.action !== 'apply' && !options.yes) throw missingAction(step);
  }
  return inspected;
}

function missingAction(step: Step): UsageError {
  return new UsageError(
    `no answer for "${step.id}.action" (apply or skip) and no terminal to ask. ` +
      `Set it in the answers file, e.g. {"${step.id}": {"action": "apply"}}, or pass --yes.`,
  );
}

async function lockStateDir(stateDir: string): Promise<ReleaseLock> {
  await ensureStateDir(stateDir);
  return acquireStateLock(stateDir, 'apply');
}

function rollbackCommand(runId: string, options: CliOptions): string {
  const stateDir = options.stateDir === DEFAULT_STATE_DIR ? '' : ` --state-dir ${options.stateDir}`;
  return `${invocation()} rollback ${runId}${stateDir}`;
}

async function reportUnfinishedRuns(options: CliOptions, say: (text: string) => void, style: Styler): Promise<void> {
  let unfinished;
  try {
    unfinished = await findUnfinishedRuns(options.stateDir);
  } catch {
    // An unreadable state directory (not root) is reported when a run needs it.
    return;
  }
  for (const run of unfinished) {
    say(
      style(
        'high',
        `  ! run ${run.runId} (started ${run.startedAt}) did not finish; its changes may be half applied. ` +
          `Restore it with: ${rollbackCommand(run.runId, options)}`,
      ),
    );
  }
}
