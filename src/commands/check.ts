// `cachet-harden check`: runs every selected inspection and reports; changes nothing.

import type { CliOptions, Io } from '../cli-options.js';
import { createContext } from '../context.js';
import { detectInstall } from '../install/detect.js';
import {
  REPORT_SCHEMA_VERSION,
  atOrAbove,
  countBySeverity,
  installJson,
  renderInstall,
  renderStepFindings,
  renderSummary,
  sortFindings,
} from '../report/findings.js';
import { createStyler } from '../report/style.js';
import { loadSteps } from '../steps/index.js';
import type { Context, Finding, Step } from '../types.js';
import { VERSION } from '../version.js';
import { invocation } from '../util/invocation.js';

export async function runCheck(options: CliOptions, io: Io): Promise<number> {
  const install = await detectInstall(options);
  const ctx = createContext(install, options);
  const steps = await loadSteps(options.only, options.skip);
  const results = await Promise.all(steps.map(async (step) => ({ step, findings: await inspectStep(step, ctx) })));
  const findings = results.flatMap((result) => result.findings);
  const failing = findings.filter((finding) => atOrAbove(finding.severity, options.failOn));
  const exitCode = failing.length > 0 ? 1 : 0;

  if (options.json) {
    const document = {
      tool: 'cachet-harden',
      version: VERSION,
      schemaVersion: REPORT_SCHEMA_VERSION,
      command: 'check',
      install: installJson(install),
      steps: results.map(({ step, findings: stepFindings }) => ({
        id: step.id,
        title: step.title,
        findings: stepFindings.length,
      })),
      findings: sortFindings(findings),
      summary: countBySeverity(findings),
      failOn: options.failOn,
      exitCode,
    };
    io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    return exitCode;
  }

  const style = createStyler(options.color);
  const lines = [...renderInstall(style, install), ''];
  for (const { step, findings: stepFindings } of results) lines.push(...renderStepFindings(style, step, stepFindings), '');
  lines.push(renderSummary(style, findings));
  if (exitCode === 1) {
    lines.push(
      `${failing.length} finding(s) at or above ${options.failOn}. ` +
        `Preview the fixes with: ${invocation()} --dry-run --path ${install.root}`,
    );
  }
  io.stdout.write(`${lines.join('\n')}\n`);
  return exitCode;
}

/** Runs one step's inspection; a step that fails is reported as a finding instead of hiding the others. */
export async function inspectStep(step: Step, ctx: Context): Promise<Finding[]> {
  try {
    return await step.inspect(ctx);
  } catch (error) {
    return [
      {
        id: `${step.id}.inspect-failed`,
        step: step.id,
        severity: 'high',
        title: `The ${step.id} inspection could not finish`,
        evidence: [(error as Error).message],
        why: 'Nothing in this step was checked, so problems may be hidden.',
        fix: 'Fix the cause shown above (often a permission or a missing tool) and run check again.',
      },
    ];
  }
}
