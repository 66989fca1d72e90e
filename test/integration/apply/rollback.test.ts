import { chownSync, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { applyPlans } from '../../../src/apply/executor.js';
import { readManifest } from '../../../src/apply/manifest.js';
import type { Io } from '../../../src/cli-options.js';
import { runRollback } from '../../../src/commands/rollback.js';
import { PreconditionError, UsageError } from '../../../src/errors.js';
import type { Plan } from '../../../src/types.js';
import { findUser } from '../../../src/util/users.js';
import { makeCachetTree, type CachetTree } from '../../helpers/cachet-tree.js';
import { cliOptions, makeContext } from '../../helpers/apply-harness.js';

const WWW = findUser('www-data') ?? { uid: 33, gid: 33 };

let tree: CachetTree;
let stateDir: string;
beforeEach(() => {
  tree = makeCachetTree({ line: '2.x', mistakes: true });
  stateDir = mkdtempSync(join(tmpdir(), 'cachet-state-'));
});
afterEach(() => {
  tree.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

function captureIo(): Io & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { stdout, stderr, stdin: new PassThrough(), interactive: false, out: () => out, err: () => err };
}

function snapshot(path: string): { bytes: Buffer; mode: number; uid: number; gid: number } {
  const info = statSync(path);
  return { bytes: readFileSync(path), mode: info.mode & 0o7777, uid: info.uid, gid: info.gid };
}

function plans(): Plan[] {
  const env = join(tree.root, '.env');
  return [
    {
      step: 'files',
      notes: [],
      changes: [
        {
          kind: 'set-owner',
          summary: 'chown root:www-data .env',
          targets: [{ path: env, from: { uid: WWW.uid, gid: WWW.gid, display: 'www-data:www-data' }, to: { uid: 0, gid: WWW.gid, display: 'root:www-data' } }],
        },
        { kind: 'set-mode', summary: 'chmod 0640 .env', targets: [{ path: env, from: 0o644, to: 0o640 }] },
      ],
    },
    {
      step: 'storage',
      notes: [],
      changes: [{ kind: 'quarantine', summary: 'quarantine public/.env.bak', path: join(tree.root, 'public', '.env.bak') }],
    },
    {
      step: 'app',
      notes: [],
      changes: [
        {
          kind: 'edit-env',
          summary: 'set APP_DEBUG=false, CACHET_BEACON=false in .env',
          path: env,
          dialect: 'phpdotenv2',
          set: [
            { key: 'APP_DEBUG', value: 'false' },
            { key: 'CACHET_BEACON', value: 'false' },
          ],
        },
      ],
    },
  ];
}

describe('rollback', () => {
  it('restores content, mode and owner byte for byte, even after .env broke', async () => {
    const env = join(tree.root, '.env');
    const bak = join(tree.root, 'public', '.env.bak');
    chownSync(env, WWW.uid, WWW.gid);
    const envBefore = snapshot(env);
    const bakBefore = snapshot(bak);

    const ctx = await makeContext(tree.root, stateDir);
    const result = await applyPlans(ctx, plans(), { stateDir });
    expect(result.outcomes.map((outcome) => outcome.status)).toEqual(['applied', 'applied', 'applied']);
    expect(snapshot(env).mode).toBe(0o640);
    expect(existsSync(bak)).toBe(false);

    // Someone breaks .env after the run; rollback must not need to parse it.
    writeFileSync(env, 'MAIL_NAME=Example Status Page\n');

    const io = captureIo();
    const code = await runRollback(null, cliOptions(tree.root, stateDir), io);
    expect(code).toBe(0);
    expect(snapshot(env)).toEqual(envBefore);
    expect(snapshot(bak)).toEqual(bakBefore);
    expect(lstatSync(bak).isFile()).toBe(true);

    const lines = io.out().split('\n');
    expect(lines[0]).toMatch(/restored +app: set APP_DEBUG=false, CACHET_BEACON=false in \.env/);
    expect(lines[1]).toMatch(/restored +storage: quarantine public\/\.env\.bak/);
    expect(lines[2]).toMatch(/restored +files: chmod 0640 \.env/);
    expect(lines[3]).toMatch(/restored +files: chown root:www-data \.env/);
    expect(io.out()).toContain(`Rolled back run ${result.runId}: 4 change(s) restored.`);
    expect(io.out()).not.toContain('secret');

    const manifest = await readManifest(result.runDir);
    expect(manifest.status).toBe('rolled-back');
    expect(manifest.rolledBackAt).not.toBeNull();
  });

  it('refuses to roll back the same run twice', async () => {
    const ctx = await makeContext(tree.root, stateDir);
    const result = await applyPlans(ctx, plans().slice(0, 1), { stateDir });
    await runRollback(result.runId, cliOptions(tree.root, stateDir), captureIo());

    const again = runRollback(result.runId, cliOptions(tree.root, stateDir), captureIo());
    await expect(again).rejects.toBeInstanceOf(PreconditionError);
    await expect(runRollback(null, cliOptions(tree.root, stateDir), captureIo())).rejects.toThrow(
      `run ${result.runId} was already rolled back`,
    );
  });

  it('rejects an invalid or unknown run id', async () => {
    const ctx = await makeContext(tree.root, stateDir);
    await applyPlans(ctx, plans().slice(0, 1), { stateDir });
    await expect(runRollback('../../etc', cliOptions(tree.root, stateDir), captureIo())).rejects.toBeInstanceOf(UsageError);
    await expect(runRollback('20200101T000000Z-abcd', cliOptions(tree.root, stateDir), captureIo())).rejects.toThrow(/no such run/);
  });

  it('prints a JSON document with --json', async () => {
    const ctx = await makeContext(tree.root, stateDir);
    const result = await applyPlans(ctx, plans().slice(0, 1), { stateDir });
    const io = captureIo();
    await runRollback(null, cliOptions(tree.root, stateDir, { json: true }), io);
    const document = JSON.parse(io.out()) as { runId: string; status: string; restored: unknown[] };
    expect(document.runId).toBe(result.runId);
    expect(document.status).toBe('rolled-back');
    expect(document.restored).toHaveLength(2);
  });
});
