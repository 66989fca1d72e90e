import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import type { TreeOptions } from '../../../src/demo/tree.js';
import { extraConfigDirs } from '../../../src/scan/server-config.js';
import { createStorageStep } from '../../../src/steps/storage.js';
import { MASK, maskValue } from '../../../src/util/secret.js';
import { answersFor, byId, ids, inspectPlanApply, makeFixture, type StepFixture } from './step-context.js';

const fixtures: StepFixture[] = [];
const dirs: string[] = [];

function fixture(options: TreeOptions): StepFixture {
  const made = makeFixture(options);
  fixtures.push(made);
  return made;
}

function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cachet-server-config-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

afterEach(() => {
  for (const made of fixtures.splice(0)) made.cleanup();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The step with no server config to read, so the machine's own /etc does not leak into results. */
const step = createStorageStep({ configDirs: () => [] });

const STRAY = ['.env.bak', '.env.bak.2024-01-01', '.env.backup', '.env.save', '.env.old', '.env.orig', '.env~', '.env.swp', '.env.swo', '.env.production', '#.env#'];

describe('storage step: copies of .env', () => {
  it('flags stray copies and editor leftovers but not .env.example', async () => {
    const made = fixture({ line: '2.x', version: '2.5.1', files: Object.fromEntries(STRAY.map((name) => [name, 'APP_KEY=x\n'])) });
    const findings = await step.inspect(await made.context());
    const copies = byId(findings, 'storage.env-copy');
    expect(copies.severity).toBe('high');
    expect(copies.evidence.at(-1)).toBe(`… and ${STRAY.length - 10} more`);
    expect(copies.evidence.join('\n')).not.toContain('.env.example');
    expect(ids(findings)).not.toContain('storage.env-copy-public');

    const ctx = await made.context();
    const plan = await step.plan(ctx, findings, { copies: 'quarantine' });
    const moved = plan.changes.map((change) => (change.kind === 'quarantine' ? change.path : ''));
    expect(moved.sort()).toEqual(STRAY.map((name) => join(made.root, name)).sort());
  });

  it('rates a copy under public/ critical', async () => {
    const made = fixture({ line: '2.x', version: '2.5.1', files: { 'public/.env.bak': 'DB_PASSWORD=x\n' } });
    const findings = await step.inspect(await made.context());
    expect(byId(findings, 'storage.env-copy-public').severity).toBe('critical');
    expect(byId(findings, 'storage.env-copy-public').evidence).toEqual(['public/.env.bak 0644 root:root']);
  });

  it('quarantines the copies, then plans nothing', async () => {
    const made = fixture({ line: '3.x', files: { '.env.save': 'x\n', 'public/.env.old': 'y\n' } });
    const ctx = await made.context();
    const { plan, result } = await inspectPlanApply(step, ctx);
    expect(plan.changes.map((change) => change.kind)).toEqual(['quarantine', 'quarantine']);
    expect(result.outcomes[0]!.status).toBe('applied');
    expect(existsSync(join(made.root, '.env.save'))).toBe(false);
    expect(existsSync(join(made.root, 'public/.env.old'))).toBe(false);
    expect(existsSync(join(result.runDir, 'quarantine'))).toBe(true);

    const again = await made.context();
    const findings = await step.inspect(again);
    expect(ids(findings)).toEqual([]);
    expect((await step.plan(again, findings, answersFor(step, again, findings))).changes).toEqual([]);
  });

  it('keeps the copies when asked to', async () => {
    const made = fixture({ line: '3.x', files: { '.env.save': 'x\n' } });
    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    expect(step.choices!(ctx, findings).map((choice) => [choice.key, choice.recommended])).toEqual([['copies', 'quarantine']]);
    expect((await step.plan(ctx, findings, { copies: 'keep' })).changes).toEqual([]);
  });
});

describe('storage step: private files under public/', () => {
  it('flags .git, logs and SQLite files in the web root', async () => {
    const made = fixture({
      line: '2.x',
      version: '2.5.1',
      files: { 'public/.git/HEAD': 'ref: refs/heads/main\n', 'public/error.log': 'x\n', 'public/cachet.sqlite': '' },
    });
    const findings = await step.inspect(await made.context());
    expect(byId(findings, 'storage.git-in-public').severity).toBe('critical');
    expect(byId(findings, 'storage.log-in-public').severity).toBe('high');
    expect(byId(findings, 'storage.sqlite-in-public').severity).toBe('critical');
    const plan = await step.plan(await made.context(), findings, {});
    expect(plan.changes).toEqual([]);
    expect(plan.notes.join('\n')).toContain(join(made.root, 'public/.git'));
  });

  it('ignores names inside vendor/', async () => {
    const made = fixture({ line: '2.x', version: '2.5.1', files: { 'vendor/pkg/.env.backup': 'x\n', 'vendor/pkg/test.sqlite': '' } });
    expect(ids(await step.inspect(await made.context()))).toEqual([]);
  });

  it('flags a public symlink to the app root', async () => {
    const made = fixture({ line: '3.x' });
    symlinkSync('..', join(made.root, 'public/app'));
    const findings = await step.inspect(await made.context());
    expect(byId(findings, 'storage.public-link-escape').evidence).toEqual([`public/app -> ${made.root}`]);
  });
});

describe('storage step: logs, sessions and databases', () => {
  function exposedTree(): StepFixture {
    const made = fixture({
      line: '2.x',
      version: '2.5.1',
      files: {
        'storage/logs/laravel.log': 'log\n',
        'storage/framework/sessions/a1b2c3': 'session\n',
        'database/database.sqlite': '',
        'database/database.sqlite-wal': '',
        'database/backups/2024-01-01.sql': 'dump\n',
      },
    });
    // Laravel's defaults under a umask of 022: every directory searchable by other users.
    for (const dir of ['storage', 'storage/logs', 'storage/framework', 'storage/framework/sessions']) chmodSync(join(made.root, dir), 0o755);
    return made;
  }

  it('flags what other users can read', async () => {
    const findings = await step.inspect(await exposedTree().context());
    expect(byId(findings, 'storage.logs-world-readable').severity).toBe('medium');
    expect(byId(findings, 'storage.sessions-world-readable').severity).toBe('high');
    const sqlite = byId(findings, 'storage.sqlite-world-readable');
    expect(sqlite.severity).toBe('high');
    expect(sqlite.evidence).toEqual(expect.arrayContaining(['database/database.sqlite 0644 root:root', 'database/database.sqlite-wal 0644 root:root']));
    expect(byId(findings, 'storage.db-backups-world-readable').severity).toBe('high');
  });

  it('removes other-user access, then plans nothing', async () => {
    const made = exposedTree();
    const { result } = await inspectPlanApply(step, await made.context());
    expect(result.outcomes[0]!.status).toBe('applied');
    expect(statSync(join(made.root, 'storage/logs/laravel.log')).mode & 0o777).toBe(0o640);
    expect(statSync(join(made.root, 'database/database.sqlite')).mode & 0o777).toBe(0o640);

    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    expect(ids(findings)).toEqual([]);
    expect((await step.plan(ctx, findings, {})).changes).toEqual([]);
  });

  it('ignores readable files in a closed storage/', async () => {
    const made = exposedTree();
    chmodSync(join(made.root, 'storage'), 0o750);
    const found = ids(await step.inspect(await made.context()));
    expect(found).not.toContain('storage.logs-world-readable');
    expect(found).not.toContain('storage.sessions-world-readable');
  });
});

describe('storage step: secrets in server config', () => {
  it('reads SetEnv in the app\'s own .htaccess', async () => {
    const made = fixture({ line: '2.x', version: '2.5.1', files: { 'public/.htaccess': 'SetEnv MAIL_PASSWORD hunter2hunter2\n' } });
    const findings = await step.inspect(await made.context());
    expect(byId(findings, 'storage.secret-in-server-config').evidence).toEqual([
      `${join(made.root, 'public/.htaccess')}:1: SetEnv MAIL_PASSWORD ${maskValue('hunter2hunter2')} (differs from .env, and wins); the file is readable by every local user`,
    ]);
  });


  it('finds SetEnv, fastcgi_param and env[] with file and line, masked', async () => {
    const made = fixture({ line: '2.x', version: '2.4.1' });
    const dir = configDir({
      'apache2/conf-enabled/cachet-environment.conf': "# DB credentials\nSetEnv DB_USERNAME 'cachet'\nSetEnv DB_PASSWORD 'Qz7tLw2pXv9R'\n",
      'nginx/sites-enabled/cachet': 'server {\n  location ~ \\.php$ {\n    fastcgi_param DB_PASSWORD "Hn4cVb8mKs1T";\n    fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n  }\n}\n',
      'php/fpm/pool.d/cachet.conf': '[cachet]\nuser = www-data\nenv[APP_KEY] = base64:c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0xMjM0NTY=\n',
    });
    const withConfig = createStorageStep({ configDirs: () => [dir] });
    const findings = await withConfig.inspect(await made.context());

    const secrets = byId(findings, 'storage.secret-in-server-config');
    expect(secrets.severity).toBe('high');
    const text = secrets.evidence.join('\n');
    const wins = ' (differs from .env, and wins); the file is readable by every local user';
    expect(text).toContain(`${join(dir, 'apache2/conf-enabled/cachet-environment.conf')}:3: SetEnv DB_PASSWORD ${maskValue('Qz7tLw2pXv9R')}${wins}`);
    expect(text).toContain(`${join(dir, 'nginx/sites-enabled/cachet')}:3: fastcgi_param DB_PASSWORD ${maskValue('Hn4cVb8mKs1T')}${wins}`);
    expect(text).toContain(`${join(dir, 'php/fpm/pool.d/cachet.conf')}:3: env[] APP_KEY ${MASK}${wins}`);
    for (const secret of ['Qz7tLw2pXv9R', 'Hn4cVb8mKs1T', 'c2VjcmV0']) expect(JSON.stringify(findings)).not.toContain(secret);

    const shadowed = byId(findings, 'storage.env-shadowed-by-server-config');
    expect(shadowed.evidence).toEqual([`${join(dir, 'apache2/conf-enabled/cachet-environment.conf')}:2: SetEnv DB_USERNAME overrides .env`]);

    const plan = await withConfig.plan(await made.context(), findings, {});
    expect(plan.changes).toEqual([]);
    expect(plan.notes.join('\n')).toContain(`${join(dir, 'apache2/conf-enabled/cachet-environment.conf')}:3: remove SetEnv DB_PASSWORD`);
    expect(plan.notes.join('\n')).toContain('.env edits of this key change nothing');
  });

  it('reads the directory of the given Apache config', async () => {
    // A public Ansible role repeats the DB credentials (cachet / cachet) as SetEnv lines.
    const made = fixture({ line: '2.x', version: '2.4.1', env: 'APP_ENV=production\nDB_USERNAME=cachet\nDB_PASSWORD=cachet\n' });
    const dir = configDir({ 'apache2.conf': 'ServerName localhost\n', 'conf-enabled/env.conf': "SetEnv DB_PASSWORD 'cachet'\n" });
    const defaultStep = createStorageStep({ configDirs: (ctx) => extraConfigDirs(ctx.options) });
    const ctx = await made.context();
    ctx.options.apacheConf = join(dir, 'apache2.conf');
    const findings = await defaultStep.inspect(ctx);
    expect(byId(findings, 'storage.secret-in-server-config').evidence[0]).toBe(
      `${join(dir, 'conf-enabled/env.conf')}:1: SetEnv DB_PASSWORD ${MASK} (same value as .env); the file is readable by every local user`,
    );
  });
});
