// Text the wizard prints between prompts (step headers, outcomes, the summary table) and its JSON document.

import type { StepOutcome } from '../apply/executor.js';
import type { ChangePreview } from '../report/preview.js';
import { REPORT_SCHEMA_VERSION, atOrAbove, installJson, sortFindings } from '../report/findings.js';
import type { Styler } from '../report/style.js';
import { PLAN_SCHEMA_VERSION } from '../plan/changes.js';
import type { Choices, Finding, Install, Severity, StepId } from '../types.js';
import { VERSION } from '../version.js';

/**
 * ok: nothing to change; changed: applied and verified; skipped: declined; failed: undone after a failure;
 * advice: findings only the operator can act on; planned: dry run; cancelled: Ctrl-C at this step's
 * prompt; not-run: after a failed step or Ctrl-C.
 */
export type StepStatus = 'ok' | 'changed' | 'skipped' | 'failed' | 'advice' | 'planned' | 'not-run' | 'cancelled';

export interface StepReport {
  id: StepId;
  title: string;
  status: StepStatus;
  findings: Finding[];
  /** Answers used for planning, without password-type ones. */
  choices: Choices;
  assumedChoices: string[];
  changes: ChangePreview[];
  notes: string[];
  /** Findings still present at the end: re-inspected after an apply, else the original ones. */
  remaining: Finding[];
  /** The user declined changes (prompt or answers file). */
  declined: boolean;
  outcome: StepOutcome | null;
}

export function renderStepHeader(style: Styler, index: number, total: number, id: StepId, title: string): string {
  return `\n${style('heading', `[${index}/${total}] ${id}`)}  ${title}`;
}

export function renderOutcome(style: Styler, outcome: StepOutcome): string[] {
  if (outcome.status === 'applied') {
    return [`  ${style('ok', '✔')} applied and verified ${outcome.applied} change(s)`];
  }
  const lines = [`  ${style('error', '✘')} ${outcome.error}`];
  lines.push(`  ${style('muted', '↺')} undid the ${outcome.undone} change(s) this step had made`);
  for (const error of outcome.undoErrors) lines.push(`  ${style('error', '!')} could not undo: ${error}`);
  return lines;
}

export function renderRemaining(style: Styler, remaining: Finding[]): string[] {
  if (remaining.length === 0) return [`  ${style('ok', 'nothing remains')}`];
  return [
    `  remains:`,
    ...sortFindings(remaining).map((finding) => `    ${style(finding.severity, finding.severity.padEnd(8))} ${finding.title}`),
  ];
}

export function renderSummaryTable(style: Styler, reports: StepReport[], failOn: Severity): string[] {
  const width = Math.max(4, ...reports.map((report) => report.id.length));
  const lines = [`\n${style('heading', 'Summary')}`, `  ${'step'.padEnd(width)}  ${'status'.padEnd(8)}  remains`];
  for (const report of reports) {
    const status = style(statusRole(report.status), report.status.padEnd(8));
    const remains = report.status === 'not-run' ? 'not inspected' : describeRemaining(report.remaining, failOn);
    lines.push(`  ${report.id.padEnd(width)}  ${status}  ${remains}`);
  }
  return lines;
}

function statusRole(status: StepStatus): 'ok' | 'error' | 'medium' | 'muted' {
  if (status === 'ok' || status === 'changed') return 'ok';
  if (status === 'failed') return 'error';
  if (status === 'not-run') return 'muted';
  return 'medium';
}

function describeRemaining(remaining: Finding[], failOn: Severity): string {
  if (remaining.length === 0) return 'nothing';
  const sorted = sortFindings(remaining);
  const failing = sorted.filter((finding) => atOrAbove(finding.severity, failOn)).length;
  const first = sorted[0]!;
  const more = sorted.length > 1 ? ` (+${sorted.length - 1} more)` : '';
  return `${failing} at or above ${failOn}, ${sorted.length} in all: ${first.severity} ${first.title}${more}`;
}

export interface WizardDocumentInput {
  install: Install;
  dryRun: boolean;
  runId: string | null;
  reports: StepReport[];
  failOn: Severity;
  exitCode: number;
  cancelled: boolean;
}

/** Builds the `--json` document: one object for stdout, with secrets masked like every other output. */
export function wizardDocument(input: WizardDocumentInput): Record<string, unknown> {
  return {
    tool: 'cachet-harden',
    version: VERSION,
    schemaVersion: REPORT_SCHEMA_VERSION,
    planSchemaVersion: PLAN_SCHEMA_VERSION,
    command: input.dryRun ? 'dry-run' : 'wizard',
    runId: input.runId,
    // Fleet tools (Ansible's changed_when) read this: true when any step applied a change, even if a
    // later step failed and was rolled back.
    changed: input.reports.some((report) => report.status === 'changed'),
    install: installJson(input.install),
    steps: input.reports.map((report) => ({
      id: report.id,
      title: report.title,
      status: report.status,
      findings: sortFindings(report.findings),
      choices: report.choices,
      assumedChoices: report.assumedChoices,
      changes: report.changes.map((change) => ({
        kind: change.kind,
        summary: change.summary,
        ...(input.dryRun ? { preview: change.lines } : {}),
      })),
      notes: report.notes,
      remaining: sortFindings(report.remaining).map((finding) => ({ id: finding.id, severity: finding.severity, title: finding.title })),
      ...(report.outcome?.status === 'failed'
        ? { error: report.outcome.error, undone: report.outcome.undone, undoErrors: report.outcome.undoErrors }
        : {}),
    })),
    failOn: input.failOn,
    cancelled: input.cancelled,
    exitCode: input.exitCode,
  };
}
