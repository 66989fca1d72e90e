// Contexts and runs for the files, storage and app step tests: a Cachet-shaped tree, the install as
// detection reads it, www-data as the web user, and the real executor in a temporary state directory.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { applyPlans, type RunResult } from '../../../src/apply/executor.js';
import type { TreeOptions } from '../../../src/demo/tree.js';
import { detectInstall } from '../../../src/install/detect.js';
import { createContext } from '../../../src/context.js';
import type { Choices, Context, Finding, Plan, Step } from '../../../src/types.js';
import { findUser, findGroup } from '../../../src/util/users.js';
import { cliOptions } from '../../helpers/apply-harness.js';
import { makeCachetTree, type CachetTree } from '../../helpers/cachet-tree.js';

export const WEB_USER = 'www-data';

export interface StepFixture {
  tree: CachetTree;
  root: string;
  stateDir: string;
  /** A fresh context (new shared walk) on the tree as it is now. */
  context(overrides?: Partial<Context>): Promise<Context>;
  cleanup(): void;
}

export function makeFixture(options: TreeOptions): StepFixture {
  const tree = makeCachetTree(options);
  const stateDir = mkdtempSync(join(tmpdir(), 'cachet-steps-state-'));
  return {
    tree,
    root: tree.root,
    stateDir,
    async context(overrides = {}) {
      const cli = cliOptions(tree.root, stateDir);
      const install = await detectInstall({ ...cli, fpmPoolDirs: [] });
      const account = findUser(WEB_USER)!;
      install.webUser = { user: WEB_USER, group: WEB_USER, uid: account.uid, gid: findGroup(WEB_USER), source: 'test' };
      const ctx = createContext(install, cli);
      return { ...ctx, ...overrides };
    },
    cleanup() {
      tree.cleanup();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export function ids(findings: Finding[]): string[] {
  return findings.map((finding) => finding.id).sort();
}

export function byId(findings: Finding[], id: string): Finding {
  const found = findings.find((finding) => finding.id === id);
  if (!found) throw new Error(`no finding ${id}; got ${ids(findings).join(', ')}`);
  return found;
}

/** Answers every choice with its recommended value, then the given answers. */
export function answersFor(step: Step, ctx: Context, findings: Finding[], given: Choices = {}): Choices {
  const answers: Choices = {};
  for (const choice of step.choices?.(ctx, findings) ?? []) {
    if (choice.recommended !== undefined) answers[choice.key] = choice.recommended;
  }
  return { ...answers, ...given };
}

/** Inspects, plans with the answers and applies through the real executor. */
export async function inspectPlanApply(
  step: Step,
  ctx: Context,
  given: Choices = {},
): Promise<{ findings: Finding[]; plan: Plan; result: RunResult }> {
  const findings = await step.inspect(ctx);
  const plan = await step.plan(ctx, findings, answersFor(step, ctx, findings, given));
  const result = await applyPlans(ctx, [plan], { stateDir: ctx.options.stateDir });
  return { findings, plan, result };
}
