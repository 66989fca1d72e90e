import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { advisoriesFor, parseVersion } from '../../../src/cachet/advisories.js';
import { classifyAppKey } from '../../../src/cachet/app-key.js';
import { DEMO_APP_KEY, typicalEnv, type TreeOptions } from '../../../src/demo/tree.js';
import { parseEnv } from '../../../src/dotenv/index.js';
import type { EditEnvChange, RunCommandChange } from '../../../src/plan/changes.js';
import { step } from '../../../src/steps/app.js';
import { step as databaseStep } from '../../../src/steps/database.js';
import { Secret } from '../../../src/util/secret.js';
import { answersFor, byId, ids, inspectPlanApply, makeFixture, type StepFixture } from './step-context.js';

const fixtures: StepFixture[] = [];

function fixture(options: TreeOptions): StepFixture {
  const made = makeFixture(options);
  fixtures.push(made);
  return made;
}

afterEach(() => {
  for (const made of fixtures.splice(0)) made.cleanup();
});

/** Builds a production .env for the line with the given lines appended. */
function envWith(line: '2.x' | '3.x', ...lines: string[]): string {
  const base =
    line === '2.x'
      ? ['APP_ENV=production', 'APP_DEBUG=false', 'APP_URL=https://status.example.com', `APP_KEY=${DEMO_KEY_FOR_TESTS}`]
      : ['APP_NAME=Cachet', 'APP_ENV=production', 'APP_DEBUG=false', 'APP_URL=https://status.example.com', `APP_KEY=${DEMO_KEY_FOR_TESTS}`, 'LOG_LEVEL=warning'];
  const common = ['SESSION_SECURE_COOKIE=true', 'CACHET_BEACON=false', 'DB_DRIVER=mysql', 'DB_CONNECTION=mysql', 'DB_USERNAME=cachet_app', 'DB_PASSWORD=Vq3Lr8Nw2Xk7Pz5Ty9Hb4Jm6Fd1Gs0Ca'];
  return [...base, ...common, ...lines, ''].join('\n');
}

/** A well-formed key that is not published anywhere but these tests. */
const DEMO_KEY_FOR_TESTS = 'base64:dGVzdC1rZXktdGhhdC1pcy0zMi1ieXRlcy1sb25nISE=';

async function findingsFor(options: TreeOptions) {
  const made = fixture(options);
  return step.inspect(await made.context());
}

describe('app step: debug and environment', () => {
  it('treats APP_DEBUG=off as on, with development APP_ENV and the debug bar', async () => {
    const findings = await findingsFor({
      line: '2.x',
      version: '2.5.1',
      env: envWith('2.x').replace('APP_ENV=production', 'APP_ENV=development').replace('APP_DEBUG=false', 'APP_DEBUG=off') + 'DEBUGBAR_ENABLED=true\n',
    });
    expect(byId(findings, 'app.debug-enabled').severity).toBe('critical');
    expect(byId(findings, 'app.debug-enabled').evidence).toEqual(['APP_DEBUG=off (line 2)']);
    expect(byId(findings, 'app.env-not-production').severity).toBe('high');
    expect(byId(findings, 'app.debugbar-enabled').severity).toBe('high');
  });

  it.each(['off', 'no', 'yes', '1', 'true', '(true)', 'On'])('counts APP_DEBUG=%s as on', async (value) => {
    const findings = await findingsFor({ line: '2.x', version: '2.5.1', env: envWith('2.x').replace('APP_DEBUG=false', `APP_DEBUG=${value}`) });
    expect(ids(findings)).toContain('app.debug-enabled');
  });

  it.each(['false', '(false)', '0', '', 'null', 'empty', '(empty)', 'FALSE'])('counts APP_DEBUG=%s as off', async (value) => {
    const findings = await findingsFor({ line: '2.x', version: '2.5.1', env: envWith('2.x').replace('APP_DEBUG=false', `APP_DEBUG=${value}`) });
    expect(ids(findings)).not.toContain('app.debug-enabled');
  });

  it('catches the 3.x example file development defaults', async () => {
    const findings = await findingsFor({ line: '3.x', mistakes: true });
    expect(ids(findings)).toEqual([
      'app.beacon-enabled',
      'app.debug-enabled',
      'app.env-not-production',
      'app.key-invalid',
      'app.log-level-debug',
    ]);
    expect(byId(findings, 'app.log-level-debug').severity).toBe('medium');
  });

  it('flags 3.x demo mode and the Blade renderer', async () => {
    const findings = await findingsFor({ line: '3.x', env: envWith('3.x', 'CACHET_DEMO_MODE=true', 'CACHET_BLADE_RENDERER=true') });
    expect(byId(findings, 'app.demo-mode').severity).toBe('critical');
    expect(byId(findings, 'app.blade-renderer').severity).toBe('medium');
  });

  it('asks for a secure session cookie behind https', async () => {
    const findings = await findingsFor({ line: '2.x', version: '2.5.1', env: envWith('2.x').replace('SESSION_SECURE_COOKIE=true', 'SESSION_SECURE_COOKIE=false') });
    expect(byId(findings, 'app.session-cookie-insecure').severity).toBe('medium');
  });
});

describe('app step: APP_KEY', () => {
  const raw32 = 'Zq7Wm2Xc9Vb4Nl1Kj8Hg5Fd3Sa6Pt0Ry';
  const unprefixed = Buffer.alloc(32, 7).toString('base64').replace(/^./, 'Q');

  it.each([
    ['empty', '', 'app.key-invalid'],
    ['null', 'null', 'app.key-invalid'],
    ['the 2.3 placeholder', 'SomeRandomString', 'app.key-invalid'],
    ['16 decoded bytes', 'base64:AAAAAAAAAAAAAAAAAAAAAA==', 'app.key-invalid'],
    ['base64 without the prefix', unprefixed, 'app.key-invalid'],
    ['a 16-character raw key', 'aB3dE5gH7jK9mN1p', 'app.key-invalid'],
    ['the demo key', DEMO_APP_KEY, 'app.key-known'],
    ['32 zero bytes', `base64:${Buffer.alloc(32).toString('base64')}`, 'app.key-known'],
  ])('rates %s', async (_label, value, id) => {
    const findings = await findingsFor({ line: '2.x', version: '2.5.1', env: envWith('2.x').replace(`APP_KEY=${DEMO_KEY_FOR_TESTS}`, `APP_KEY=${value}`) });
    const keyIds = ids(findings).filter((found) => found.startsWith('app.key-'));
    expect(keyIds).toEqual([id]);
    expect(byId(findings, id).severity).toBe(id === 'app.key-invalid' ? 'critical' : 'high');
    if (value.length >= 8) expect(JSON.stringify(findings)).not.toContain(value);
  });

  it.each([
    ['a quoted base64 key', `"${DEMO_KEY_FOR_TESTS}"`],
    ['a raw 32-character key', raw32],
  ])('accepts %s', async (_label, value) => {
    const findings = await findingsFor({ line: '2.x', version: '2.5.1', env: envWith('2.x').replace(`APP_KEY=${DEMO_KEY_FOR_TESTS}`, `APP_KEY=${value}`) });
    expect(ids(findings).filter((found) => found.startsWith('app.key-'))).toEqual([]);
  });

  it('generates a new key only for an invalid one', async () => {
    const made = fixture({ line: '2.x', version: '2.5.1', env: envWith('2.x').replace(`APP_KEY=${DEMO_KEY_FOR_TESTS}`, 'APP_KEY=SomeRandomString') });
    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    const plan = await step.plan(ctx, findings, answersFor(step, ctx, findings));
    const edit = plan.changes[0] as EditEnvChange;
    expect(edit.set.map((assignment) => assignment.key)).toEqual(['APP_KEY']);
    const key = edit.set[0]!.value;
    expect(key).toBeInstanceOf(Secret);
    expect(classifyAppKey((key as Secret).reveal())).toEqual({ kind: 'valid', prefixed: true });
    expect(JSON.stringify(plan)).not.toContain((key as Secret).reveal());
  });

  it('asks before replacing a known working key', async () => {
    const made = fixture({ line: '3.x', env: envWith('3.x').replace(`APP_KEY=${DEMO_KEY_FOR_TESTS}`, `APP_KEY=${DEMO_APP_KEY}`) });
    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    const choice = step.choices!(ctx, findings).find((item) => item.key === 'appKey');
    expect(choice?.recommended).toBeUndefined();
    expect((await step.plan(ctx, findings, { appKey: 'keep' })).changes).toEqual([]);
    const rotated = await step.plan(ctx, findings, { appKey: 'rotate' });
    expect((rotated.changes[0] as EditEnvChange).set.map((assignment) => assignment.key)).toEqual(['APP_KEY']);
  });
});

describe('app step: .env references and injected keys', () => {
  it('flags only references to secrets', async () => {
    const findings = await findingsFor({
      line: '3.x',
      env: envWith('3.x', 'DB_HOST=127.0.0.1', 'MAIL_FROM_NAME="${APP_NAME}"', 'MAIL_PASSWORD=aa${DB_HOST}bb', 'CACHE_PREFIX=pa$$w0rd'),
    });
    expect(ids(findings)).not.toContain('app.env-secret-reference');
  });

  it('flags the 2021 injection traces', async () => {
    // The 2021 dashboard bugs leave a secret reference in a mail field and a key appended after it.
    const env = [
      'APP_ENV=production',
      'APP_DEBUG=false',
      `APP_KEY=${DEMO_KEY_FOR_TESTS}`,
      'CACHET_BEACON=false',
      'DB_DRIVER=sqlite',
      'MAIL_HOST=smtp.example.com',
      'MAIL_ADDRESS=noreply@example.com',
      'MAIL_NAME=${DB_PASSWORD}',
      'MAIL_USERNAME=mailer',
      'APP_DEBUG=true',
      '',
    ].join('\n');
    const findings = await findingsFor({ line: '2.x', version: '2.4.0-dev', env });
    const reference = byId(findings, 'app.env-secret-reference');
    expect(reference.severity).toBe('high');
    expect(reference.evidence).toEqual(['line 8: MAIL_NAME references ${DB_PASSWORD}']);
    const injected = byId(findings, 'app.env-injected-keys');
    expect(injected.severity).toBe('high');
    expect(injected.evidence).toEqual(['APP_DEBUG on line 2 and again on line 10, after MAIL_* (line 2 takes effect)']);
    // phpdotenv 2 keeps the first APP_DEBUG, so debug stays off on 2.x.
    expect(ids(findings)).not.toContain('app.debug-enabled');
    expect(byId(findings, 'app.advisory').evidence).toContain('CVE-2021-39174: ${...} expansion in dashboard settings leaks any .env value, DB_PASSWORD and APP_KEY included (fixed in fiveai/Cachet 2.5.1)');
  });
});

describe('database credentials from .env', () => {
  // The database step owns these findings; with no server reachable it judges .env alone.
  it.each([
    ['homestead', 'secret', 'db.default-credentials'],
    ['cachet', 'cachet', 'db.password-equals-user'],
    ['postgres', 'postgres', 'db.default-credentials'],
    ['root', '', 'db.empty-password'],
    ['cachet_app', 'short1', 'db.weak-password'],
  ])('flags %s / %s', async (user, password, id) => {
    const env = envWith('2.x', 'DB_DATABASE=cachet', 'DB_UNIX_SOCKET=/nonexistent/mysqld.sock')
      .replace('DB_USERNAME=cachet_app', `DB_USERNAME=${user}`)
      .replace('DB_PASSWORD=Vq3Lr8Nw2Xk7Pz5Ty9Hb4Jm6Fd1Gs0Ca', `DB_PASSWORD=${password}`);
    const made = fixture({ line: '2.x', version: '2.5.1', env });
    const findings = await databaseStep.inspect(await made.context());
    expect(ids(findings)).toContain(id);
    if (password !== user && password !== '') expect(JSON.stringify(findings.map((found) => found.evidence))).not.toContain(password);
  });

  it('leaves them out of the app step', async () => {
    const env = envWith('2.x').replace('DB_USERNAME=cachet_app', 'DB_USERNAME=homestead').replace('DB_PASSWORD=Vq3Lr8Nw2Xk7Pz5Ty9Hb4Jm6Fd1Gs0Ca', 'DB_PASSWORD=secret');
    const findings = await findingsFor({ line: '2.x', version: '2.5.1', env });
    expect(ids(findings).filter((id) => id.includes('db-'))).toEqual([]);
  });

  it('rates the Ansible role defaults critical', async () => {
    // A public Ansible role ships APP_ENV=local, APP_DEBUG=true, a 16-character key and cachet / cachet.
    const env = ['APP_ENV=local', 'APP_DEBUG=true', 'APP_KEY=aB3dE5gH7jK9mN1p', 'DB_DRIVER=mysql', 'DB_DATABASE=cachet', 'DB_UNIX_SOCKET=/nonexistent/mysqld.sock', 'DB_USERNAME=cachet', 'DB_PASSWORD=cachet', ''].join('\n');
    const made = fixture({ line: '2.x', version: '2.4.1', env });
    const ctx = await made.context();
    const findings = [...(await step.inspect(ctx)), ...(await databaseStep.inspect(ctx))];
    expect(byId(findings, 'db.password-equals-user').severity).toBe('critical');
    expect(byId(findings, 'app.debug-enabled').severity).toBe('critical');
    expect(byId(findings, 'app.env-not-production').severity).toBe('high');
    expect(byId(findings, 'app.key-invalid').severity).toBe('critical');
  });
});

describe('app step: advisories', () => {
  it.each([
    ['2.3.18', '2.x', ['CVE-2021-39165', 'CVE-2021-39172', 'CVE-2021-39173', 'CVE-2021-39174', 'CVE-2023-43661']],
    ['2.4.0-dev', '2.x', ['CVE-2021-39165', 'CVE-2021-39172', 'CVE-2021-39173', 'CVE-2021-39174']],
    ['2.4.1', '2.x', ['CVE-2021-39165', 'CVE-2021-39172', 'CVE-2021-39173', 'CVE-2021-39174']],
    ['2.5.0', '2.x', ['CVE-2021-39172', 'CVE-2021-39173', 'CVE-2021-39174']],
    ['2.5.1', '2.x', []],
    ['3.x-dev', '3.x', []],
  ] as const)('lists the advisories for %s', (version, line, expected) => {
    expect(advisoriesFor(line, version).map((advisory) => advisory.id)).toEqual(expected);
  });

  it('parses recorded version strings', () => {
    expect(parseVersion('2.4.0-dev')).toEqual({ major: 2, minor: 4, patch: 0, suffix: 'dev' });
    expect(parseVersion('v2.3.18')).toEqual({ major: 2, minor: 3, patch: 18, suffix: null });
    expect(parseVersion('3.x-dev')).toBeNull();
  });

  it('reports the unauthenticated injection as critical with advice', async () => {
    const made = fixture({ line: '2.x', version: '2.4.1', env: envWith('2.x') });
    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    expect(byId(findings, 'app.advisory-critical').evidence).toEqual([
      'version 2.4.1',
      'CVE-2021-39165: unauthenticated SQL injection through the public API search (fixed in fiveai/Cachet 2.5.0)',
    ]);
    const plan = await step.plan(ctx, findings, {});
    expect(plan.changes).toEqual([]);
    expect(plan.notes.join('\n')).toContain('allow /dashboard, /setup and /api only from trusted addresses');
  });
});

describe('app step: plans', () => {
  it('writes unquoted values and keeps null placeholders', async () => {
    const env = [
      'APP_ENV=production',
      'APP_DEBUG=true',
      `APP_KEY=${DEMO_KEY_FOR_TESTS}`,
      'CACHET_BEACON=false',
      'DB_DRIVER=mysql',
      'DB_USERNAME=cachet_app',
      'DB_PASSWORD=Vq3Lr8Nw2Xk7Pz5Ty9Hb4Jm6Fd1Gs0Ca',
      'MAIL_DRIVER=log',
      'MAIL_HOST=null',
      'MAIL_PASSWORD=null',
      '',
    ].join('\n');
    const made = fixture({ line: '2.x', version: '2.5.1', env });
    const { result } = await inspectPlanApply(step, await made.context());
    expect(result.outcomes[0]!.status).toBe('applied');

    const written = readFileSync(join(made.root, '.env'), 'utf8');
    expect(written).toBe(env.replace('APP_DEBUG=true', 'APP_DEBUG=false'));
    expect(written).toContain('\nMAIL_HOST=null\n');

    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    expect(ids(findings)).not.toContain('app.debug-enabled');
    expect((await step.plan(ctx, findings, answersFor(step, ctx, findings))).changes).toEqual([]);
  });

  it('fixes the 3.x development defaults, then plans nothing', async () => {
    const made = fixture({ line: '3.x', mistakes: true });
    const { plan, result } = await inspectPlanApply(step, await made.context());
    expect((plan.changes[0] as EditEnvChange).set.map((assignment) => assignment.key)).toEqual([
      'APP_DEBUG',
      'APP_ENV',
      'LOG_LEVEL',
      'APP_KEY',
      'CACHET_BEACON',
    ]);
    expect(result.outcomes[0]!.status).toBe('applied');

    const written = parseEnv(readFileSync(join(made.root, '.env')), 'phpdotenv5');
    expect(written.get('APP_DEBUG')).toBe('false');
    expect(written.get('LOG_LEVEL')).toBe('warning');
    expect(written.get('MAIL_FROM_NAME')).toBe('Cachet');

    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    expect(ids(findings)).toEqual([]);
    expect((await step.plan(ctx, findings, answersFor(step, ctx, findings))).changes).toEqual([]);
  });

  it('leaves a development copy alone when told so', async () => {
    const made = fixture({ line: '3.x', mistakes: true });
    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    const plan = await step.plan(ctx, findings, { production: 'no' });
    expect((plan.changes[0] as EditEnvChange).set.map((assignment) => assignment.key)).toEqual(['APP_KEY', 'CACHET_BEACON']);
  });

  it('moves a stale config cache into the quarantine', async () => {
    const made = fixture({ line: '2.x', version: '2.5.1', configCache: true, env: envWith('2.x').replace('APP_DEBUG=false', 'APP_DEBUG=true') });
    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    const choice = step.choices!(ctx, findings).find((item) => item.key === 'configCache');
    expect(choice?.recommended).toBe('rebuild');

    const { plan, result } = await inspectPlanApply(step, ctx, { configCache: 'remove' });
    expect(plan.changes.map((change) => change.kind)).toEqual(['edit-env', 'quarantine']);
    expect(result.outcomes[0]!.status).toBe('applied');
    expect(existsSync(join(made.root, 'bootstrap/cache/config.php'))).toBe(false);
  });

  it('rolls the .env edit back when the cache rebuild fails', async () => {
    // The tree's artisan is a stand-in that exits 1, as a broken PHP install would.
    const env = envWith('2.x').replace('APP_DEBUG=false', 'APP_DEBUG=true');
    const made = fixture({ line: '2.x', version: '2.5.1', configCache: true, env });
    const cacheBefore = readFileSync(join(made.root, 'bootstrap/cache/config.php'));
    const { plan, result } = await inspectPlanApply(step, await made.context(), { configCache: 'rebuild' });
    const rebuild = plan.changes[1] as RunCommandChange;
    expect(rebuild.kind).toBe('run-command');
    expect(rebuild.argv).toEqual(['sh', '-c', 'umask 027 && exec php artisan config:cache']);
    expect(rebuild.user).toBe('www-data');
    expect(rebuild.cwd).toBe(made.root);
    expect(rebuild.restores).toEqual([join(made.root, 'bootstrap/cache/config.php')]);
    expect(result.outcomes[0]!.status).toBe('failed');
    expect(readFileSync(join(made.root, '.env'), 'utf8')).toBe(env);
    expect(readFileSync(join(made.root, 'bootstrap/cache/config.php'))).toEqual(cacheBefore);
  });

  it('refuses to plan for an unparseable .env and names the line', async () => {
    const made = fixture({ line: '2.x', version: '2.5.1', env: 'APP_ENV=production\nMAIL_NAME=Example Status Page\n' });
    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    const unparseable = byId(findings, 'app.env-unparseable');
    expect(unparseable.severity).toBe('critical');
    expect(unparseable.evidence[0]).toContain('line 2');
    const plan = await step.plan(ctx, findings, {});
    expect(plan.changes).toEqual([]);
    expect(plan.notes.join('\n')).toContain('line 2');
  });
});

describe('app step: whole trees', () => {
  it('finds the typical 2.4 mistakes', async () => {
    const findings = await findingsFor({ line: '2.x', version: '2.4.1', mistakes: true });
    expect(ids(findings)).toEqual([
      'app.advisory',
      'app.advisory-critical',
      'app.beacon-enabled',
      'app.debug-enabled',
      'app.key-invalid',
    ]);
  });

  it.each(['2.x', '3.x'] as const)('finds nothing above info on a clean %s tree', async (line) => {
    // The demo tree's own key is public, so a clean install gets a key of its own.
    const env = typicalEnv(line, false).replace(DEMO_APP_KEY, DEMO_KEY_FOR_TESTS);
    const findings = await findingsFor({ line, version: line === '2.x' ? '2.5.1' : undefined, env });
    expect(findings.filter((finding) => finding.severity !== 'info')).toEqual([]);
  });
});
