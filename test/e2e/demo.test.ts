// `cachet-harden --demo` through the real CLI: unattended, at a terminal, as JSON and as an unprivileged
// user. Each test gives the demo its own TMPDIR, so the throw-away install lands where the test removes it.

import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { findUser } from '../../src/util/users.js';
import { binForUser, runCli, type CliResult } from '../helpers/cli.js';
import { KEYS, spawnCli } from '../helpers/pty.js';

const isRoot = process.getuid?.() === 0;

let parent: string;
beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'ch-demo-test-'));
  chmodSync(parent, 0o755);
});
afterEach(() => {
  rmSync(parent, { recursive: true, force: true });
});

describe('demo', () => {
  it('hardens unattended; printed check passes', async () => {
    const result = await runCli(['--demo', '--yes', '--no-color'], { env: { TMPDIR: parent } });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const demo = readDemoOutput(result);
    expect(demo.root.startsWith(`${parent}/cachet-harden-demo-`)).toBe(true);
    expect(result.stdout).toMatch(/files +changed/);
    expect(result.stdout).toMatch(/storage +changed +nothing/);
    expect(result.stdout).toMatch(/app +changed +nothing/);
    expect(result.stdout).not.toContain('[1/5] web');

    expect(statSync(join(demo.root, '.env')).mode & 0o777).toBe(0o640);
    expect(existsSync(join(demo.root, 'public', '.env.bak'))).toBe(false);
    expect(readdirSync(join(demo.base, 'state', 'runs'))).toHaveLength(1);

    const check = await runCli(demo.checkArgs);
    expect(check.exitCode, check.stdout).toBe(0);
    expect(demo.removeCommand).toBe(`rm -rf ${demo.base}`);
  });

  it('prints one JSON document with --json', async () => {
    const result = await runCli(['--demo', '--yes', '--json'], { env: { TMPDIR: parent } });
    expect(result.exitCode, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout) as { command: string; runId: string; changed: boolean; steps: Array<{ id: string; status: string }> };
    expect(document.command).toBe('wizard');
    expect(document.changed).toBe(true);
    expect(document.steps.map((step) => [step.id, step.status])).toEqual([
      ['files', 'changed'],
      ['storage', 'changed'],
      ['app', 'changed'],
    ]);
    // Where the demo is and how to remove it go to stderr, so stdout stays one document.
    expect(result.stderr).toContain('Remove it with: rm -rf ');
  });

  it('takes answers typed at a terminal', async () => {
    const cli = await spawnCli(['--demo', '--no-color'], { TMPDIR: parent });
    try {
      await cli.waitFor('[1/3] files');
      await cli.waitFor('Who may change .env?');
      await cli.waitFor('❯ locked');
      cli.send(KEYS.down);
      await cli.waitFor('❯ app-managed');
      cli.send(KEYS.enter);
      await applyAll(cli, 'files');

      await cli.waitFor('[2/3] storage');
      await cli.waitFor('Move the copies of .env into the quarantine?');
      await cli.waitFor('❯ quarantine');
      cli.send(KEYS.enter);
      await applyAll(cli, 'storage');

      await cli.waitFor('[3/3] app');
      await cli.waitFor('Is this the production site?');
      cli.send(KEYS.enter);
      await applyAll(cli, 'app');

      await cli.waitFor('Remove it with: rm -rf ');
      expect(await cli.exit()).toBe(0);
    } finally {
      cli.kill();
    }

    const [name] = readdirSync(parent);
    const root = join(parent, name!, 'cachet');
    const env = statSync(join(root, '.env'));
    expect(env.mode & 0o777).toBe(0o600);
    if (isRoot) expect(env.uid).toBe(findUser('www-data')?.uid);
    const check = await runCli(['check', '--path', root, '--only', 'files,storage,app']);
    expect(check.exitCode, check.stdout).toBe(0);
  });

  it.skipIf(!isRoot || !findUser('nobody'))('works as an unprivileged user', () => {
    chownSync(parent, findUser('nobody')!.uid, findUser('nobody')!.gid);
    const bin = binForUser('nobody');
    const asNobody = (args: string[]) => runAs('nobody', [process.execPath, bin, ...args], { TMPDIR: parent });

    const result = asNobody(['--demo', '--yes', '--no-color']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("the demo's PHP user is you (nobody:");
    const demo = readDemoOutput(result);

    const env = statSync(join(demo.root, '.env'));
    expect(env.uid).toBe(findUser('nobody')!.uid);
    expect(env.mode & 0o777).toBe(0o600);
    expect(existsSync(join(demo.root, 'public', '.env.bak'))).toBe(false);

    const check = asNobody(demo.checkArgs);
    expect(check.exitCode, check.stdout).toBe(0);
  });

  it('names TMPDIR when it cannot create its directory', async () => {
    const result = await runCli(['--demo', '--yes'], { env: { TMPDIR: join(parent, 'missing') } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`cannot create the demo directory in ${join(parent, 'missing')} (ENOENT)`);
    expect(result.stderr).toContain('Set TMPDIR');
  });
});

interface DemoOutput {
  base: string;
  root: string;
  /** The printed check command, without the program name. */
  checkArgs: string[];
  removeCommand: string;
}

function readDemoOutput(result: CliResult): DemoOutput {
  const root = /^The demo install is at (\S+);/m.exec(result.stdout)?.[1];
  // Run through bin/cachet-harden.js, the demo names that script, as `node <path>`.
  const check = /^Audit it with: +node \S+ (.+)$/m.exec(result.stdout)?.[1];
  const remove = /^Remove it with: (.+)$/m.exec(result.stdout)?.[1];
  if (!root || !check || !remove) throw new Error(`the demo did not say where it is:\n${result.stdout}`);
  return { base: join(root, '..'), root, checkArgs: check.split(' '), removeCommand: remove };
}

async function applyAll(cli: Awaited<ReturnType<typeof spawnCli>>, step: string): Promise<void> {
  await cli.waitFor(`${step}: apply the changes above?`);
  await cli.waitFor(/❯ Apply these \d+ change\(s\)/);
  cli.send(KEYS.enter);
  await cli.waitFor(/✔ applied and verified \d+ change\(s\)/);
}

function runAs(user: string, argv: string[], env: Record<string, string>): CliResult {
  try {
    const stdout = execFileSync('runuser', ['-u', user, '--', 'env', ...Object.entries(env).map(([key, value]) => `${key}=${value}`), ...argv], {
      cwd: '/',
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { exitCode: 0, stdout, stderr: '' };
  } catch (error) {
    const failed = error as { status: number | null; stdout: string; stderr: string };
    return { exitCode: failed.status ?? -1, stdout: failed.stdout, stderr: failed.stderr };
  }
}

