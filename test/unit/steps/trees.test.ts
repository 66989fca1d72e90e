// The files, storage and app steps together on whole Cachet-shaped trees, sharing one walk as a real run does.

import { chmodSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { applyPlans } from '../../../src/apply/executor.js';
import { step as app } from '../../../src/steps/app.js';
import { step as files } from '../../../src/steps/files.js';
import { createStorageStep } from '../../../src/steps/storage.js';
import type { Context, Finding, Plan, Step } from '../../../src/types.js';
import { answersFor, ids, makeFixture, type StepFixture } from './step-context.js';

const storage = createStorageStep({ configDirs: () => [] });
const STEPS: Step[] = [files, storage, app];
const fixtures: StepFixture[] = [];

afterEach(() => {
  for (const made of fixtures.splice(0)) made.cleanup();
});

/** Plants `chmod -R 777` on the writable directories, the old advice for log-write errors. */
function openWritableDirs(made: StepFixture, line: '2.x' | '3.x'): void {
  const dirs = ['storage', 'storage/logs', 'storage/framework', 'storage/framework/cache', 'storage/framework/sessions', 'storage/framework/views', 'storage/app', 'bootstrap/cache'];
  if (line === '2.x') dirs.push('bootstrap/cachet');
  for (const dir of dirs) chmodSync(join(made.root, dir), 0o777);
}

async function inspectAll(ctx: Context): Promise<Finding[]> {
  const results = await Promise.all(STEPS.map((step) => step.inspect(ctx)));
  return results.flat();
}

/** Plans and applies each step in wizard order, each with the findings of its own inspection. */
async function fixAll(ctx: Context, answers: Record<string, Record<string, string>>): Promise<Plan[]> {
  const plans: Plan[] = [];
  for (const step of STEPS) {
    const findings = await step.inspect(ctx);
    const plan = await step.plan(ctx, findings, answersFor(step, ctx, findings, answers[step.id]));
    const result = await applyPlans(ctx, [plan], { stateDir: ctx.options.stateDir });
    for (const outcome of result.outcomes) expect(outcome).toMatchObject({ status: 'applied' });
    plans.push(plan);
  }
  return plans;
}

describe('whole trees', () => {
  it('finds the typical 2.4 mistakes and fixes them', async () => {
    const made = makeFixture({ line: '2.x', version: '2.4.1', mistakes: true });
    fixtures.push(made);
    openWritableDirs(made, '2.x');
    const findings = await inspectAll(await made.context());
    expect(ids(findings)).toEqual([
      'app.advisory',
      'app.advisory-critical',
      'app.beacon-enabled',
      'app.debug-enabled',
      'app.key-invalid',
      'files.env-world-readable',
      'files.tree-world-writable',
      'files.writable-area-owner',
      'storage.env-copy-public',
      'storage.logs-world-readable',
    ]);

    await fixAll(await made.context(), { files: { profile: 'app-managed' } });

    const ctx = await made.context();
    const after = await inspectAll(ctx);
    // What only an upgrade or the database step can fix stays.
    expect(ids(after)).toEqual(['app.advisory', 'app.advisory-critical']);
    for (const step of STEPS) {
      const own = after.filter((finding) => finding.step === step.id);
      const plan = await step.plan(ctx, own, answersFor(step, ctx, own));
      expect(plan.changes).toEqual([]);
    }
  });

  it('finds the 3.x development defaults and fixes them', async () => {
    const made = makeFixture({ line: '3.x', mistakes: true });
    fixtures.push(made);
    openWritableDirs(made, '3.x');
    const findings = await inspectAll(await made.context());
    expect(ids(findings)).toEqual([
      'app.beacon-enabled',
      'app.debug-enabled',
      'app.env-not-production',
      'app.key-invalid',
      'app.log-level-debug',
      'files.env-world-readable',
      'files.tree-world-writable',
      'files.writable-area-owner',
      'storage.env-copy-public',
      'storage.logs-world-readable',
    ]);

    await fixAll(await made.context(), {});

    const ctx = await made.context();
    const after = await inspectAll(ctx);
    expect(ids(after)).toEqual([]);
    for (const step of STEPS) {
      const plan = await step.plan(ctx, [], answersFor(step, ctx, []));
      expect(plan.changes).toEqual([]);
    }
  });
});
