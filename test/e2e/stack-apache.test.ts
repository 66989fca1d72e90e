// The whole wizard, unattended (--yes --answers --json), on a real Apache + PHP-FPM + PostgreSQL stack
// serving a 3.x-shaped Cachet whose DocumentRoot is the app root and whose database login is the
// superuser postgres/postgres (see test/helpers/stack.ts for every planted mistake).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { CONFIG_CACHE_ENTRY, PRIVATE_PATHS, expectSameFiles, readEnvSecrets, startStack, type Snapshot, type Stack } from '../helpers/stack.js';

interface WizardJson {
  command: string;
  runId: string | null;
  changed: boolean;
  exitCode: number;
  steps: Array<{ id: string; status: string; changes: Array<{ kind: string; summary: string }>; remaining: unknown[] }>;
}

describe('unattended wizard on Apache, PHP-FPM and PostgreSQL', () => {
  let stack: Stack;
  let before: Snapshot;
  let afterRollback: Snapshot;
  let rolesBefore: string[];
  let answersFile: string;
  let first: WizardJson;
  let firstOutput: string;

  beforeAll(async () => {
    stack = await startStack({ web: 'apache', line: '3.x' });
    before = stack.snapshot();
    rolesBefore = await stack.listAccounts();
    answersFile = join(stack.base, 'answers.json');
    writeFileSync(
      answersFile,
      JSON.stringify({
        web: { action: 'apply' },
        files: { action: 'apply', profile: 'locked' },
        storage: { action: 'apply', copies: 'quarantine' },
        database: { action: 'apply', ...stack.databaseAnswers, runtimeUser: 'cachet_app' },
        app: { action: 'apply', production: 'yes', configCache: 'rebuild' },
      }),
    );
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('serves private files before the wizard runs', async () => {
    const env = await stack.get('/.env');
    expect(env.status).toBe(200);
    expect(env.body).toContain('DB_PASSWORD=postgres');
    expect((await stack.get('/')).body).toContain('debug: on');
  });

  it('applies every step and reports it as JSON', async () => {
    const result = await runCli([...stack.cliArgs, '--yes', '--answers', answersFile, '--json']);
    firstOutput = result.stdout + result.stderr;
    expect(result.exitCode, result.stderr).toBe(0);
    // Without a terminal, --json prints the document and nothing else.
    expect(result.stderr).toBe('');
    first = JSON.parse(result.stdout) as WizardJson;

    expect(first.command).toBe('wizard');
    expect(first.runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{4}$/);
    expect(first.changed).toBe(true);
    expect(first.exitCode).toBe(0);
    expect(first.steps.map((step) => [step.id, step.status])).toEqual([
      ['web', 'changed'],
      ['files', 'changed'],
      ['storage', 'changed'],
      ['database', 'changed'],
      ['app', 'changed'],
    ]);
    for (const step of first.steps) expect(step.remaining, step.id).toEqual([]);
    const database = first.steps.find((step) => step.id === 'database')!;
    expect(database.changes.map((change) => change.kind)).toContain('db-login');
  });

  it('keeps the new secrets out of the JSON', () => {
    const { appKey, dbPassword } = readEnvSecrets(stack.root);
    expect(appKey).toMatch(/^base64:.{40,}/);
    expect(dbPassword.length).toBeGreaterThanOrEqual(20);
    expect(firstOutput).not.toContain(appKey);
    expect(firstOutput).not.toContain(dbPassword);
  });

  it('blocks every private file over HTTP', async () => {
    for (const path of PRIVATE_PATHS) {
      expect([403, 404], path).toContain((await stack.get(path)).status);
    }
  });

  it('keeps the front page and database writes working', async () => {
    const front = await stack.getEventually('/', (response) => response.body.includes('debug: off'));
    expect(front.status).toBe(200);
    expect(front.body).toContain('settings from: config cache');
    expect(front.body).toContain('debug: off');
    expect(front.body).toContain('components: API, Website');

    // A role without USAGE on the id sequence fails here with "permission denied for sequence".
    const insert = await stack.get('/incidents/new?name=hardened');
    expect(insert.status, insert.body).toBe(201);
    expect(JSON.parse(insert.body).id).toBeGreaterThan(0);
    expect(await stack.listAccounts()).toEqual([...rolesBefore, 'cachet_app'].sort());
  });

  it('passes check afterwards', async () => {
    const check = await runCli(['check', ...stack.cliArgs]);
    expect(check.exitCode, check.stdout).toBe(0);
  });

  it('changes nothing on a second run', async () => {
    const again = await runCli([...stack.cliArgs, '--yes', '--answers', answersFile, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    const document = JSON.parse(again.stdout) as WizardJson;
    expect(document.runId).toBeNull();
    expect(document.changed).toBe(false);
    expect(document.steps.map((step) => step.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });

  it('rolls the whole stack back and it still works', async () => {
    const rollback = await runCli(['rollback', first.runId!, '--state-dir', stack.stateDir, '--json']);
    expect(rollback.exitCode, rollback.stderr).toBe(0);
    expect(JSON.parse(rollback.stdout)).toMatchObject({ runId: first.runId, status: 'rolled-back', errors: [] });

    expect(await stack.listAccounts()).toEqual(rolesBefore);
    expect((await stack.getEventually('/.env', (response) => response.status === 200)).status).toBe(200);
    const front = await stack.getEventually('/', (response) => response.body.includes('debug: on'));
    expect(front.status).toBe(200);
    expect(front.body).toContain('debug: on');
    expect((await stack.get('/incidents/new?name=after-rollback')).status).toBe(201);

    afterRollback = stack.snapshot();
    expectSameFiles(afterRollback, before);
  });

  it('restores the stale config cache on rollback', () => {
    // The stack's cache was built from an older .env. Rebuilding it from the restored .env on undo gives
    // other bytes than it had, so only putting the old file back restores it.
    expect(afterRollback[CONFIG_CACHE_ENTRY]).toEqual(before[CONFIG_CACHE_ENTRY]);
  });
});
