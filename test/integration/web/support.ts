// Shared setup for the web step's integration tests: a Cachet-shaped tree, a Context aimed at a test
// server's own config, and applying a plan through the real executor.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { applyPlans, type RunResult } from '../../../src/apply/executor.js';
import { detectInstall } from '../../../src/install/detect.js';
import type { Choices, Context, Finding, Plan, RunOptions } from '../../../src/types.js';
import { exec } from '../../../src/util/exec.js';
import { step } from '../../../src/steps/web.js';
import { cliOptions } from '../../helpers/apply-harness.js';

/** A config path that does not exist: the other web server counts as not installed. */
export const ABSENT = '/nonexistent/cachet-harden-test.conf';

export interface WebRun {
  ctx: Context;
  stateDir: string;
  cleanup(): void;
}

export async function webContext(root: string, options: Partial<RunOptions>): Promise<WebRun> {
  const stateDir = mkdtempSync(join(tmpdir(), 'ch-web-state-'));
  const install = await detectInstall(cliOptions(root, stateDir));
  const ctx: Context = {
    install,
    options: {
      dryRun: false,
      yes: true,
      json: false,
      // Probes go only to the test's own server on loopback; the apply's probe also waits out the reload.
      probe: true,
      probeUrl: null,
      stateDir,
      nginxConf: ABSENT,
      apacheConf: ABSENT,
      fpmPoolDirs: null,
      ...options,
    },
    exec,
    env: {},
    now: () => new Date(),
    isRoot: process.getuid?.() === 0,
    shared: new Map(),
  };
  return { ctx, stateDir, cleanup: () => rmSync(stateDir, { recursive: true, force: true }) };
}

/** Copies a context with an empty per-run cache, for a second look at the system. */
export function freshContext(ctx: Context): Context {
  return { ...ctx, shared: new Map() };
}

export async function inspectAndPlan(ctx: Context, choices: Choices = {}): Promise<{ findings: Finding[]; plan: Plan }> {
  const run = freshContext(ctx);
  const findings = await step.inspect(run);
  const plan = await step.plan(run, findings, choices);
  return { findings, plan };
}

export async function applyPlan(ctx: Context, plan: Plan): Promise<RunResult> {
  return applyPlans(ctx, [plan], { stateDir: ctx.options.stateDir });
}

export function ids(findings: Finding[]): string[] {
  return findings.map((finding) => finding.id).sort();
}

export function finding(findings: Finding[], id: string): Finding {
  const found = findings.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no finding ${id}; got ${ids(findings).join(', ')}`);
  return found;
}

/** Plain GET on loopback with a Host header; returns status and body. */
export async function get(port: number, path: string, host = 'localhost'): Promise<{ status: number; body: string }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * GETs until the status is `expected` or 5 s pass, and returns the last answer. `nginx -s reload` and
 * `apache2 -k graceful` return before every old worker has stopped, so a request right after a reload
 * can still reach the old config.
 */
export async function getAfterReload(
  port: number,
  path: string,
  host: string,
  expected: number,
): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const answer = await get(port, path, host);
    if (answer.status === expected || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
