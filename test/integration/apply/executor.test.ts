import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Executor, applyPlans } from '../../../src/apply/executor.js';
import { findUnfinishedRuns, readManifest } from '../../../src/apply/manifest.js';
import { rollbackRun } from '../../../src/apply/rollback.js';
import { PreconditionError } from '../../../src/errors.js';
import type { Plan } from '../../../src/types.js';
import { Secret } from '../../../src/util/secret.js';
import { makeCachetTree, type CachetTree } from '../../helpers/cachet-tree.js';
import { makeContext } from '../../helpers/apply-harness.js';

const CHILD = fileURLToPath(new URL('./child-run.mjs', import.meta.url));

let tree: CachetTree;
let stateDir: string;
let scratch: string;
beforeEach(() => {
  tree = makeCachetTree({ line: '2.x', mistakes: true });
  stateDir = mkdtempSync(join(tmpdir(), 'cachet-state-'));
  scratch = mkdtempSync(join(tmpdir(), 'cachet-scratch-'));
});
afterEach(() => {
  tree.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

function appPhp(): string {
  return join(tree.root, 'config', 'app.php');
}

describe('executor', () => {
  it('undoes the whole step when a change fails verification', async () => {
    const ctx = await makeContext(tree.root, stateDir);
    const env = join(tree.root, '.env');
    const appBefore = readFileSync(appPhp(), 'utf8');
    const marker = join(scratch, 'seen-at-undo');
    const plan: Plan = {
      step: 'files',
      notes: [],
      changes: [
        {
          kind: 'run-command',
          summary: 'pretend reload',
          argv: ['true'],
          // Deferred: runs after the files are restored, so it sees the original app.php.
          undoArgv: ['sh', '-c', 'cat "$0" > "$1"', appPhp(), marker],
        },
        { kind: 'write-file', summary: 'rewrite config/app.php', path: appPhp(), content: '<?php return [];\n' },
        {
          // Two targets for one file: after apply the first target's mode is gone, so verify fails.
          kind: 'set-mode',
          summary: 'chmod .env twice',
          targets: [
            { path: env, from: 0o644, to: 0o640 },
            { path: env, from: 0o640, to: 0o600 },
          ],
        },
        { kind: 'set-mode', summary: 'never reached', targets: [{ path: appPhp(), from: 0o644, to: 0o600 }] },
      ],
    };

    const result = await applyPlans(ctx, [plan, { step: 'app', notes: [], changes: [{ kind: 'run-command', summary: 'later step', argv: ['true'] }] }], { stateDir });

    expect(result.outcomes).toHaveLength(1);
    const outcome = result.outcomes[0]!;
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') return;
    expect(outcome.failedChange).toBe(2);
    expect(outcome.exitCode).toBe(3);
    expect(outcome.error).toMatch(/chmod \.env twice: .* has mode 0600, expected 0640/);
    expect(outcome.undone).toBe(3);
    expect(outcome.undoErrors).toEqual([]);

    expect(statSync(env).mode & 0o7777).toBe(0o644);
    expect(readFileSync(appPhp(), 'utf8')).toBe(appBefore);
    expect(readFileSync(marker, 'utf8')).toBe(appBefore);

    const manifest = await readManifest(result.runDir);
    expect(manifest.status).toBe('completed');
    expect(manifest.entries.map((entry) => entry.type)).toEqual(['step-started', 'undo', 'undo', 'undo', 'step-undone']);
    expect(statSync(result.runDir).mode & 0o7777).toBe(0o700);
    for (const backup of readdirSync(join(result.runDir, 'backups'))) {
      expect(statSync(join(result.runDir, 'backups', backup)).mode & 0o7777).toBe(0o600);
    }
  });

  it('undoes a step whose command exits non-zero', async () => {
    const ctx = await makeContext(tree.root, stateDir);
    const env = join(tree.root, '.env');
    const plan: Plan = {
      step: 'files',
      notes: [],
      changes: [
        { kind: 'set-mode', summary: 'chmod 0640 .env', targets: [{ path: env, from: 0o644, to: 0o640 }] },
        { kind: 'run-command', summary: 'config test', argv: ['sh', '-c', 'echo "syntax error in line 3" >&2; exit 2'] },
      ],
    };
    const [outcome] = (await applyPlans(ctx, [plan], { stateDir })).outcomes;
    expect(outcome?.status).toBe('failed');
    if (outcome?.status !== 'failed') return;
    expect(outcome.error).toMatch(/exited with status 2:\nsyntax error in line 3/);
    expect(statSync(env).mode & 0o7777).toBe(0o644);
  });

  it('refuses a second concurrent run', async () => {
    const ctx = await makeContext(tree.root, stateDir);
    const first = await Executor.start(ctx, { stateDir });
    try {
      const second = Executor.start(ctx, { stateDir });
      await expect(second).rejects.toBeInstanceOf(PreconditionError);
      await expect(Executor.start(ctx, { stateDir })).rejects.toThrow(/another cachet-harden run is in progress: process \d+ \(apply/);
    } finally {
      await first.finish();
    }
    const third = await Executor.start(ctx, { stateDir });
    await third.finish();
  });

  it('keeps secrets out of the manifest', async () => {
    const ctx = await makeContext(tree.root, stateDir);
    const password = 'Mv7Qx2Lw9Tz4Kp1Rn8Bc5Hd3';
    const plan: Plan = {
      step: 'database',
      notes: [],
      changes: [
        {
          kind: 'edit-env',
          summary: 'set DB_USERNAME, DB_PASSWORD in .env',
          path: join(tree.root, '.env'),
          dialect: 'phpdotenv2',
          set: [
            { key: 'DB_USERNAME', value: 'cachet_app' },
            { key: 'DB_PASSWORD', value: new Secret(password) },
          ],
        },
      ],
    };
    const result = await applyPlans(ctx, [plan], { stateDir });
    expect(result.outcomes[0]?.status).toBe('applied');
    expect(readFileSync(join(tree.root, '.env'), 'utf8')).toContain(`DB_PASSWORD=${password}\n`);
    const manifest = readFileSync(join(result.runDir, 'manifest.json'), 'utf8');
    expect(manifest).not.toContain(password);
    // The old password `secret` is a common word; check the value as it was assigned instead.
    expect(manifest).not.toContain('DB_PASSWORD=secret');
  });

  it('leaves a killed run recoverable with rollback', async () => {
    const env = join(tree.root, '.env');
    const envBefore = readFileSync(env);
    const appBefore = readFileSync(appPhp());
    const marker = join(scratch, 'ready');

    const child = spawn(process.execPath, [CHILD, tree.root, stateDir, marker, '60'], { stdio: 'ignore' });
    const sleeper = await waitForPid(marker);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    process.kill(sleeper, "SIGKILL");

    expect(statSync(env).mode & 0o7777).toBe(0o600);
    expect(readFileSync(appPhp(), 'utf8')).toBe('<?php return [];\n');

    const unfinished = await findUnfinishedRuns(stateDir);
    expect(unfinished).toHaveLength(1);
    const runId = unfinished[0]!.runId;

    const ctx = await makeContext(tree.root, stateDir);
    const result = await rollbackRun(ctx, stateDir, null);
    expect(result.runId).toBe(runId);
    expect(result.errors).toEqual([]);
    expect(result.restored.map((item) => item.summary)).toEqual(['rewrite config/app.php', 'chmod 0600 .env']);

    expect(readFileSync(env).equals(envBefore)).toBe(true);
    expect(statSync(env).mode & 0o7777).toBe(0o644);
    expect(readFileSync(appPhp()).equals(appBefore)).toBe(true);
    expect((await readManifest(join(stateDir, 'runs', runId))).status).toBe('rolled-back');
    expect(await findUnfinishedRuns(stateDir)).toEqual([]);
  });

  it('undoes the step once on SIGTERM and exits non-zero', async () => {
    const env = join(tree.root, '.env');
    const marker = join(scratch, 'ready');
    const child = spawn(process.execPath, [CHILD, tree.root, stateDir, marker, '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitForPid(marker);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect(code).toBe(3);
    const result = JSON.parse(stdout) as { runDir: string; outcomes: Array<{ status: string; signal: string; undone: number }> };
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', signal: 'SIGTERM', undone: 2 });
    expect(statSync(env).mode & 0o7777).toBe(0o644);
    expect(readFileSync(appPhp(), 'utf8')).toContain("'name' => 'Cachet'");
    const manifest = await readManifest(result.runDir);
    expect(manifest.entries.filter((entry) => entry.type === 'step-undone')).toHaveLength(1);
    expect(manifest.completedAt).not.toBeNull();
  });
});

async function waitForPid(marker: string): Promise<number> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    if (existsSync(marker)) {
      const text = readFileSync(marker, 'utf8').trim();
      if (text) return Number(text);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${marker} never appeared`);
}

