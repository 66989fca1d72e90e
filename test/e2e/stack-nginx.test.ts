// The whole wizard, typed at a terminal, on a real nginx + PHP-FPM + MariaDB stack serving a 2.x-shaped
// Cachet whose site root is the app root (see test/helpers/stack.ts for every planted mistake).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { KEYS, spawnCli, type PtySession } from '../helpers/pty.js';
import { CONFIG_CACHE_ENTRY, PRIVATE_PATHS, expectSameFiles, readEnvSecrets, startStack, type Snapshot, type Stack } from '../helpers/stack.js';

describe('wizard on nginx, PHP-FPM and MariaDB', () => {
  let stack: Stack;
  let before: Snapshot;
  let afterRollback: Snapshot;
  let accountsBefore: string[];
  let runId: string;
  let answersFile: string;

  beforeAll(async () => {
    stack = await startStack({ web: 'nginx', line: '2.x' });
    before = stack.snapshot();
    accountsBefore = await stack.listAccounts();
    answersFile = join(stack.base, 'answers.json');
    writeFileSync(answersFile, JSON.stringify({ files: { profile: 'locked' }, database: stack.databaseAnswers }));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('serves private files before the wizard runs', async () => {
    const env = await stack.get('/.env');
    expect(env.status).toBe(200);
    expect(env.body).toContain('DB_PASSWORD=secret');
    expect((await stack.get('/.git/HEAD')).status).toBe(200);
    const front = await stack.get('/');
    expect(front.body).toContain('debug: on');
    expect(accountsBefore).toEqual(['homestead@%']);
  });

  it('previews every change with --dry-run and writes nothing', async () => {
    const preview = await runCli([...stack.cliArgs, '--dry-run', '--answers', answersFile, '--no-color']);
    expect(preview.exitCode, preview.stderr).toBe(1);
    // The drop-in is a new file; MAIL_PASSWORD=null must not turn every "null" into a mask.
    expect(preview.stdout).toContain('--- /dev/null');
    expect(preview.stdout).toContain("create MySQL account 'cachet_app'@'127.0.0.1'");
    expect(preview.stdout).not.toContain('DB_PASSWORD=secret');
    expect(stack.snapshot()).toEqual(before);
    expect(await stack.listAccounts()).toEqual(accountsBefore);
  });

  it('applies every step accepted at the terminal', async () => {
    const cli = await spawnCli([...stack.cliArgs, '--no-color']);
    try {
      await cli.waitFor('Cachet 2.5.1 (2.x line)');

      await cli.waitFor('[1/5] web');
      await cli.waitFor('A site serves the Cachet app root instead of public/');
      await accept(cli, 'web');
      await cli.waitFor('✔ applied and verified 6 change(s)');

      await cli.waitFor('[2/5] files');
      await select(cli, 'Who may change .env?', 'locked: root:www-data 0640');
      await accept(cli, 'files');
      await cli.waitFor(/✔ applied and verified \d+ change\(s\)/);

      await cli.waitFor('[3/5] storage');
      await select(cli, 'Move the copies of .env into the quarantine?', 'quarantine');
      await accept(cli, 'storage');
      await cli.waitFor('✔ applied and verified 2 change(s)');

      await cli.waitFor('[4/5] database');
      await select(cli, 'How should the changes reach the database server as an administrator?', 'root over the local unix socket');
      await type(cli, 'MySQL/MariaDB socket path', stack.databaseAnswers.adminSocket!);
      // Over the socket only the user name is asked; host, port and password are TCP questions.
      for (const prompt of ['Administrator user name', 'Name of the new account Cachet will run with']) {
        await type(cli, prompt, '');
      }
      await type(cli, 'Also create a migration account', '');
      await select(cli, "What should happen to the old account (homestead) once the new one works?", 'lock it');
      await type(cli, 'Host part of the new account', '');
      await accept(cli, 'database');
      await cli.waitFor('✔ applied and verified 5 change(s)');

      await cli.waitFor('[5/5] app');
      await type(cli, 'Is this the production site?', '');
      await select(cli, 'bootstrap/cache/config.php exists', 'rebuild');
      await accept(cli, 'app');
      await cli.waitFor('✔ applied and verified 2 change(s)');

      await cli.waitFor('Summary');
      for (const id of ['web', 'files', 'storage', 'database', 'app']) await cli.waitFor(new RegExp(`${id} +changed +nothing`));
      runId = (await cli.waitFor(/Run \d{8}T\d{6}Z-[0-9a-f]{4}/)).replace('Run ', '');
      expect(await cli.exit()).toBe(0);

      const screen = cli.screen();
      const { appKey, dbPassword } = readEnvSecrets(stack.root);
      expect(dbPassword.length).toBeGreaterThanOrEqual(20);
      for (const secret of ['SomeRandomString', 'DB_PASSWORD=secret', appKey, dbPassword]) expect(screen).not.toContain(secret);
    } finally {
      cli.kill();
    }
  });

  it('blocks every private file over HTTP', async () => {
    for (const path of PRIVATE_PATHS) {
      expect([403, 404], path).toContain((await stack.get(path)).status);
    }
  });

  it('keeps the front page and database writes working', async () => {
    const front = await stack.getEventually('/', (response) => response.body.includes('debug: off'));
    expect(front.status).toBe(200);
    // The rebuilt config cache carries the new account and debug off.
    expect(front.body).toContain('settings from: config cache');
    expect(front.body).toContain('debug: off');
    expect(front.body).toContain('components: API, Website');

    const first = await stack.get('/incidents/new?name=hardened');
    expect(first.status, first.body).toBe(201);
    const second = await stack.get('/incidents/new?name=again');
    expect(JSON.parse(second.body).id).toBe(JSON.parse(first.body).id + 1);
    expect(await stack.listAccounts()).toEqual(['cachet_app@127.0.0.1', 'homestead@%']);
  });

  it('passes check afterwards', async () => {
    const check = await runCli(['check', ...stack.cliArgs, '--json']);
    expect(check.exitCode, check.stdout).toBe(0);
    expect(JSON.parse(check.stdout).findings).toEqual([]);
  });

  it('changes nothing on a second run', async () => {
    const again = await runCli([...stack.cliArgs, '--yes', '--answers', answersFile, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    const document = JSON.parse(again.stdout) as { runId: string | null; changed: boolean; steps: Array<{ id: string; status: string }> };
    expect(document.runId).toBeNull();
    expect(document.changed).toBe(false);
    expect(document.steps.map((step) => step.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });

  it('rolls the whole stack back and it still works', async () => {
    const rollback = await runCli(['rollback', runId, '--state-dir', stack.stateDir]);
    expect(rollback.exitCode, rollback.stderr).toBe(0);
    expect(rollback.stdout).toContain(`Rolled back run ${runId}`);

    expect(await stack.listAccounts()).toEqual(accountsBefore);
    expect((await stack.getEventually('/.env', (response) => response.status === 200)).status).toBe(200);
    const front = await stack.getEventually('/', (response) => response.body.includes('debug: on'));
    expect(front.status).toBe(200);
    expect(front.body).toContain('debug: on');
    expect(front.body).toContain('components: API, Website');
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

/** Waits for a step's confirmation prompt and takes its default, "Apply these N change(s)". */
async function accept(cli: PtySession, step: string): Promise<void> {
  await cli.waitFor(`${step}: apply the changes above?`);
  await cli.waitFor(/❯ Apply these \d+ change\(s\)/);
  cli.send(KEYS.enter);
}

/** Waits for a select prompt with the cursor on `option` (its default) and takes it. */
async function select(cli: PtySession, message: string, option: string): Promise<void> {
  await cli.waitFor(message);
  await cli.waitFor(`❯ ${option}`);
  cli.send(KEYS.enter);
}

/** Waits for an input or confirm prompt, types `text` (empty takes the default) and presses Enter. */
async function type(cli: PtySession, message: string, text: string): Promise<void> {
  await cli.waitFor(message);
  if (text) cli.send(text);
  cli.send(KEYS.enter);
}
