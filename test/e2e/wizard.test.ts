import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { acquireStateLock } from '../../src/apply/lock.js';
import { findGroup } from '../../src/util/users.js';
import { makeCachetTree, type CachetTree } from '../helpers/cachet-tree.js';
import { BIN, runCli } from '../helpers/cli.js';
import { KEYS, spawnCli } from '../helpers/pty.js';

const CHILD_RUN = fileURLToPath(new URL('../integration/apply/child-run.mjs', import.meta.url));

let tree: CachetTree;
let stateDir: string;
beforeEach(() => {
  tree = makeCachetTree({ line: '2.x', mistakes: true, configCache: true });
  stateDir = mkdtempSync(join(tmpdir(), 'cachet-state-'));
});
afterEach(() => {
  tree.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('wizard in a terminal', () => {
  it('applies one step, declines another and can be rolled back', async () => {
    const env = join(tree.root, '.env');
    const stray = join(tree.root, 'public', '.env.bak');
    const cli = await spawnCli(['--path', tree.root, '--state-dir', stateDir, '--only', 'files,storage'], { NO_COLOR: '1' });

    await cli.waitFor('Cachet 2.4.1 (2.x line)');
    await cli.waitFor('[1/2] files');
    await cli.waitFor('.env is readable by every local user');
    await cli.waitFor('Who may change .env? (Cachet 2.4.1)');
    await cli.waitFor('app-managed: www-data:www-data 0600');
    cli.send(KEYS.enter);

    await cli.waitFor('proposed changes:');
    await cli.waitFor('files: apply the changes above?');
    await cli.waitFor('Show details');
    cli.send(KEYS.down + KEYS.down);
    await cli.waitFor(/❯ Show details/);
    cli.send(KEYS.enter);
    await cli.waitFor(`chmod ${env}: 0644 → 0640`);
    await cli.waitFor('files: apply the changes above?');
    await cli.waitFor(/❯ Apply these \d+ change\(s\)/);
    cli.send(KEYS.enter);
    await cli.waitFor(/✔ applied and verified \d+ change\(s\)/);

    await cli.waitFor('[2/2] storage');
    await cli.waitFor('A copy of .env lies under the web root public/');
    await cli.waitFor('Move the copies of .env into the quarantine?');
    await cli.waitFor('keep');
    cli.send(KEYS.enter);
    await cli.waitFor('storage: apply the changes above?');
    await cli.waitFor('Skip this step');
    cli.send(KEYS.down);
    await cli.waitFor(/❯ Skip this step/);
    cli.send(KEYS.enter);
    await cli.waitFor('skipped; nothing in storage was changed');

    await cli.waitFor('Summary');
    await cli.waitFor(/files +changed +nothing/);
    await cli.waitFor(/storage +skipped +1 at or above high/);
    const run = await cli.waitFor(/Run \d{8}T\d{6}Z-[0-9a-f]{4}/);
    expect(await cli.exit()).toBe(1);

    const screen = cli.screen();
    expect(screen).not.toContain('SomeRandomString');
    expect(screen).not.toMatch(/\u001b\[3\dm/);

    const www = findGroup('www-data');
    expect(statSync(env).mode & 0o7777).toBe(0o640);
    expect(statSync(env).gid).toBe(www);
    expect(existsSync(stray)).toBe(true);

    const runId = run.replace('Run ', '');
    const rollback = await runCli(['rollback', runId, '--state-dir', stateDir]);
    expect(rollback.exitCode).toBe(0);
    expect(rollback.stdout).toContain(`Rolled back run ${runId}`);
    expect(statSync(env).mode & 0o7777).toBe(0o644);
    expect(statSync(env).gid).toBe(0);
  });

  it('stops at Ctrl-C on a prompt and changes nothing', async () => {
    const env = join(tree.root, '.env');
    const cli = await spawnCli(['--path', tree.root, '--state-dir', stateDir, '--only', 'files,storage']);
    await cli.waitFor('Who may change .env?');
    await cli.waitFor('app-managed');
    cli.send(KEYS.ctrlC);
    await cli.waitFor('Cancelled at a prompt; nothing further was changed.');
    expect(await cli.exit()).toBe(1);
    // The summary names the cancelled step and the step that never ran, not "ok".
    expect(cli.screen()).toMatch(/files +cancelled/);
    expect(cli.screen()).toMatch(/storage +not-run +not inspected/);
    expect(statSync(env).mode & 0o7777).toBe(0o644);
    expect(readdirSync(join(stateDir, 'runs'))).toEqual([]);
    expect(existsSync(join(stateDir, 'lock'))).toBe(false);
  });
});

describe('wizard without a terminal', () => {
  it('refuses to start while another run holds the lock', async () => {
    const release = await acquireStateLock(stateDir, 'apply');
    try {
      const result = await runCli(['--path', tree.root, '--state-dir', stateDir, '--only', 'storage', '--yes']);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`another cachet-harden run is in progress: process ${process.pid} (apply`);
      expect(existsSync(join(tree.root, 'public', '.env.bak'))).toBe(true);
    } finally {
      await release();
    }
  });

  it('reports an unfinished run with the rollback command', async () => {
    const marker = join(stateDir, '..', `${basename(stateDir)}-ready`);
    const child = spawn(process.execPath, [CHILD_RUN, tree.root, stateDir, marker, '60'], { stdio: 'ignore' });
    const sleeper = await waitForPid(marker);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    process.kill(sleeper, 'SIGKILL');
    rmSync(marker);

    const runId = readdirSync(join(stateDir, 'runs'))[0]!;
    const result = await runCli(['--path', tree.root, '--state-dir', stateDir, '--only', 'storage', '--yes']);
    expect(result.stdout).toContain(`run ${runId} (started `);
    expect(result.stdout).toContain(`did not finish; its changes may be half applied. Restore it with: node ${BIN} rollback ${runId} --state-dir ${stateDir}`);
  });

  it('previews with --dry-run and writes nothing', async () => {
    const state = join(stateDir, 'never-created');
    const before = statSync(join(tree.root, '.env'));
    const result = await runCli(['--path', tree.root, '--state-dir', state, '--only', 'files,storage', '--dry-run', '--yes', '--answers', answers(tree.root)]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('Dry run: changes are shown, nothing is written.');
    expect(result.stdout).toContain(`chmod ${join(tree.root, '.env')}: 0644 → 0640`);
    expect(result.stdout).toContain('quarantine public/.env.bak');
    expect(existsSync(state)).toBe(false);
    expect(statSync(join(tree.root, '.env')).mode).toBe(before.mode);
    expect(existsSync(join(tree.root, 'public', '.env.bak'))).toBe(true);
  });

  it('names the answers key it is missing and changes nothing', async () => {
    const result = await runCli(['--path', tree.root, '--state-dir', stateDir, '--only', 'files,storage']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('no answer for "files.profile"');
    expect(result.stderr).toContain('{"files": {"profile": "locked"}}');
    expect(statSync(join(tree.root, '.env')).mode & 0o7777).toBe(0o644);
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it('prints one JSON document with --json and keeps secrets out', async () => {
    const result = await runCli(['--path', tree.root, '--state-dir', stateDir, '--only', 'files,storage', '--json', '--yes', '--answers', answers(tree.root)]);
    expect(result.exitCode).toBe(0);
    const document = JSON.parse(result.stdout) as {
      runId: string;
      schemaVersion: number;
      steps: Array<{ id: string; status: string; changes: Array<{ summary: string }>; findings: unknown[] }>;
    };
    expect(document.runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{4}$/);
    expect(document.schemaVersion).toBe(1);
    expect(document.steps.map((step) => [step.id, step.status])).toEqual([
      ['files', 'changed'],
      ['storage', 'changed'],
    ]);
    expect(result.stderr).toBe('');

    const manifest = readdirSync(join(stateDir, 'runs', document.runId));
    expect(manifest).toContain('manifest.json');
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain('SomeRandomString');
      expect(text).not.toContain('DB_PASSWORD=secret');
    }
  });
});

function answers(root: string): string {
  const file = join(root, '..', 'answers.json');
  // The profile has no recommended value on 2.x, so --yes alone cannot decide it.
  writeFileSync(file, JSON.stringify({ files: { profile: 'locked' } }));
  return file;
}

async function waitForPid(marker: string): Promise<number> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const text = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : '';
    if (text) return Number(text);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${marker} never appeared`);
}
