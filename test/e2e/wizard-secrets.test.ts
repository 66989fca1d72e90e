import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { makeCachetTree, type CachetTree } from '../helpers/cachet-tree.js';
import { runCli } from '../helpers/cli.js';

const DB_PASSWORD = 'Tr0ub4dor3PlusHorseStaple99';
const MAIL_PASSWORD = 'MailPassw0rdXYZ123';
// 44 characters of base64 without the base64: prefix: an invalid key the app step replaces.
const OLD_APP_KEY = 'Qm9vbGVhbkZsYWdzQXJlTm90S2V5czEyMzQ1Njc4OTA=';

const ENV = [
  'APP_ENV=production',
  'APP_DEBUG=true',
  `APP_KEY=${OLD_APP_KEY}`,
  'DB_DRIVER=mysql',
  'DB_HOST=localhost',
  'DB_DATABASE=cachet',
  'DB_USERNAME=cachet_app',
  `DB_PASSWORD=${DB_PASSWORD}`,
  `MAIL_PASSWORD=${MAIL_PASSWORD}`,
  '',
].join('\n');

let tree: CachetTree;
let stateDir: string;
beforeEach(() => {
  tree = makeCachetTree({ line: '2.x', env: ENV });
  stateDir = mkdtempSync(join(tmpdir(), 'cachet-state-'));
});
afterEach(() => {
  tree.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('wizard output and journal', () => {
  it('never contain a secret, old or new', async () => {
    const dryRun = await runCli(['--path', tree.root, '--state-dir', stateDir, '--only', 'app', '--yes', '--dry-run']);
    expect(dryRun.stdout).toContain('APP_KEY: ');
    const dryRunJson = await runCli(['--path', tree.root, '--state-dir', stateDir, '--only', 'app', '--yes', '--dry-run', '--json']);
    const applied = await runCli(['--path', tree.root, '--state-dir', stateDir, '--only', 'app', '--yes']);
    const appliedJson = await runCli(['--path', tree.root, '--state-dir', stateDir, '--only', 'app', '--yes', '--json']);
    expect(applied.stdout).toMatch(/applied and verified/);

    const newKey = /^APP_KEY=(.+)$/m.exec(readFileSync(join(tree.root, '.env'), 'utf8'))?.[1];
    expect(newKey).toMatch(/^base64:/);
    const runs = readdirSync(join(stateDir, 'runs'));
    expect(runs).toHaveLength(1);
    const manifest = readFileSync(join(stateDir, 'runs', runs[0]!, 'manifest.json'), 'utf8');

    const outputs = { dryRun, dryRunJson, applied, appliedJson };
    for (const [name, result] of Object.entries(outputs)) {
      for (const secret of [DB_PASSWORD, MAIL_PASSWORD, OLD_APP_KEY, newKey!]) {
        expect(result.stdout, `${name} stdout`).not.toContain(secret);
        expect(result.stderr, `${name} stderr`).not.toContain(secret);
      }
    }
    for (const secret of [DB_PASSWORD, MAIL_PASSWORD, OLD_APP_KEY, newKey!]) expect(manifest).not.toContain(secret);
  });
});
