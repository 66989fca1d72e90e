import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import type { SetModeChange, SetOwnerChange } from '../../../src/plan/changes.js';
import { step } from '../../../src/steps/files.js';
import type { TreeOptions } from '../../../src/demo/tree.js';
import { findUser } from '../../../src/util/users.js';
import { answersFor, byId, ids, inspectPlanApply, makeFixture, type StepFixture } from './step-context.js';

const web = findUser('www-data')!;
const fixtures: StepFixture[] = [];

function fixture(options: TreeOptions): StepFixture {
  const made = makeFixture(options);
  fixtures.push(made);
  return made;
}

afterEach(() => {
  for (const made of fixtures.splice(0)) made.cleanup();
});

function mode(path: string): number {
  return statSync(path).mode & 0o7777;
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid);
}

function chmodTree(path: string, dirMode: number, fileMode: number): void {
  const isDir = lstatSync(path).isDirectory();
  chmodSync(path, isDir ? dirMode : fileMode);
  if (!isDir) return;
  for (const name of readdirSync(path)) chmodTree(join(path, name), dirMode, fileMode);
}

/** A 2.x or 3.x tree set up as the locked profile and the writable areas expect. */
function cleanTree(options: TreeOptions): StepFixture {
  const made = fixture(options);
  chownSync(join(made.root, '.env'), 0, web.gid);
  chmodSync(join(made.root, '.env'), 0o640);
  for (const dir of ['storage', 'bootstrap/cache', 'bootstrap/cachet']) {
    const path = join(made.root, dir);
    try {
      statSync(path);
    } catch {
      continue;
    }
    chownTree(path, web.uid, web.gid);
    chmodTree(path, 0o750, 0o640);
  }
  return made;
}

describe('files step: world-writable storage and the config cache', () => {
  function worldWritableTree(): StepFixture {
    // The old advice: chmod -R 777 storage bootstrap, with a config cache made by root.
    const made = fixture({ line: '2.x', version: '2.4.1', configCache: true });
    chownTree(join(made.root, 'storage'), web.uid, web.gid);
    chmodTree(join(made.root, 'storage'), 0o777, 0o777);
    chmodSync(join(made.root, 'bootstrap'), 0o777);
    chmodSync(join(made.root, 'bootstrap/cache'), 0o777);
    chmodSync(join(made.root, 'bootstrap/cache/config.php'), 0o666);
    chmodSync(join(made.root, '.env'), 0o644);
    return made;
  }

  it('reports o+w, the readable config cache and .env', async () => {
    const made = worldWritableTree();
    const findings = await step.inspect(await made.context());

    const worldWritable = byId(findings, 'files.tree-world-writable');
    expect(worldWritable.severity).toBe('high');
    expect(worldWritable.evidence[0]).toMatch(/^\d+ entries with o\+w$/);
    expect(worldWritable.evidence.join('\n')).toContain('bootstrap/ 0777');

    const configCache = byId(findings, 'files.config-cache-world-readable');
    expect(configCache.severity).toBe('critical');
    expect(configCache.evidence[0]).toContain('0666');

    expect(byId(findings, 'files.env-world-readable').severity).toBe('high');
  });

  it('fixes modes and owners, then plans nothing', async () => {
    const made = worldWritableTree();
    const { plan, result } = await inspectPlanApply(step, await made.context(), { profile: 'locked' });
    expect(result.outcomes).toEqual([{ step: 'files', status: 'applied', applied: plan.changes.length }]);

    const root = made.root;
    expect(mode(join(root, 'storage'))).toBe(0o770);
    expect(mode(join(root, 'storage/logs'))).toBe(0o770);
    expect(mode(join(root, 'storage/logs/.gitignore'))).toBe(0o660);
    expect(mode(join(root, 'bootstrap'))).toBe(0o775);
    expect(mode(join(root, 'bootstrap/cache'))).toBe(0o770);
    expect(mode(join(root, 'bootstrap/cache/config.php'))).toBe(0o640);
    expect(statSync(join(root, 'bootstrap/cache/config.php')).uid).toBe(web.uid);
    expect(statSync(join(root, 'bootstrap/cache')).uid).toBe(web.uid);
    expect(mode(join(root, '.env'))).toBe(0o640);
    expect(statSync(join(root, '.env')).uid).toBe(0);
    expect(statSync(join(root, '.env')).gid).toBe(web.gid);

    const ctx = await made.context();
    const after = await step.inspect(ctx);
    for (const id of ['files.tree-world-writable', 'files.config-cache-world-readable', 'files.env-world-readable', 'files.writable-area-owner']) {
      expect(ids(after)).not.toContain(id);
    }
    const again = await step.plan(ctx, after, answersFor(step, ctx, after));
    expect(again.changes).toEqual([]);
  });

  it('verifies as the web user that it can still write', async () => {
    const made = worldWritableTree();
    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    const plan = await step.plan(ctx, findings, { profile: 'locked' });
    const probes = plan.changes.filter((change) => change.kind === 'run-command');

    expect(probes.map((probe) => probe.summary)).toEqual([
      'check that www-data can read ' + join(made.root, '.env'),
      'check that www-data can create and delete a file in storage/logs/',
      'check that www-data can create and delete a file in storage/framework/cache/',
      'check that www-data can create and delete a file in storage/framework/sessions/',
      'check that www-data can create and delete a file in storage/framework/views/',
      'check that www-data can create and delete a file in bootstrap/cache/',
      'check that www-data can create and delete a file in bootstrap/cachet/',
    ]);
    for (const probe of probes) expect(probe.kind === 'run-command' && probe.user).toBe('www-data');
  });

  it('leaves the checks out when not root', async () => {
    const made = worldWritableTree();
    const ctx = await made.context({ isRoot: false });
    const plan = await step.plan(ctx, await step.inspect(ctx), { profile: 'locked' });
    expect(plan.changes.filter((change) => change.kind === 'run-command')).toEqual([]);
    expect(plan.notes.join('\n')).toContain('Not running as root');
  });
});

describe('files step: .env profiles', () => {
  it('asks on 2.x and recommends locked on 3.x', async () => {
    const twoX = fixture({ line: '2.x', version: '2.4.1' });
    chmodSync(join(twoX.root, '.env'), 0o644);
    const ctx2 = await twoX.context();
    const [choice2] = step.choices!(ctx2, await step.inspect(ctx2));
    expect(choice2!.key).toBe('profile');
    expect(choice2!.options.map((option) => option.value)).toEqual(['locked', 'app-managed']);
    expect(choice2!.recommended).toBeUndefined();
    expect(choice2!.help).toContain('Dashboard > Settings > Mail');

    const threeX = fixture({ line: '3.x' });
    chmodSync(join(threeX.root, '.env'), 0o644);
    const ctx3 = await threeX.context();
    const [choice3] = step.choices!(ctx3, await step.inspect(ctx3));
    expect(choice3!.recommended).toBe('locked');
  });

  it('rejects a plan without a profile', async () => {
    const made = fixture({ line: '2.x', version: '2.4.1' });
    chmodSync(join(made.root, '.env'), 0o644);
    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    await expect(step.plan(ctx, findings, {})).rejects.toThrow(UsageError);
    await expect(step.plan(ctx, findings, {})).rejects.toThrow(/files\.profile/);
  });

  it.each([
    ['locked', 0, 0o640],
    ['app-managed', web.uid, 0o600],
  ] as const)('plans the %s profile without group or world write', async (profile, uid, expectedMode) => {
    const made = fixture({ line: '2.x', version: '2.4.1' });
    chmodSync(join(made.root, '.env'), 0o666);
    const ctx = await made.context();
    const plan = await step.plan(ctx, await step.inspect(ctx), { profile });
    const envPath = join(made.root, '.env');

    const owner = plan.changes.find((change): change is SetOwnerChange => change.kind === 'set-owner' && change.targets[0]!.path === envPath);
    const modeChange = plan.changes.find((change): change is SetModeChange => change.kind === 'set-mode' && change.targets[0]!.path === envPath);
    expect(owner?.targets[0]!.to.uid ?? 0).toBe(uid);
    expect(modeChange!.targets[0]!.to).toBe(expectedMode);
    for (const change of plan.changes) {
      if (change.kind !== 'set-mode') continue;
      for (const target of change.targets) expect([0o664, 0o666, 0o777]).not.toContain(target.to);
    }

    const { result } = await inspectPlanApply(step, ctx, { profile });
    expect(result.outcomes[0]!.status).toBe('applied');
    expect(mode(envPath)).toBe(expectedMode);
    expect(statSync(envPath).uid).toBe(uid);
  });

  it('flags .env 0755 owned by the web user and a web-writable tree', async () => {
    // A public Ansible role ends with a recursive chown www-data and mode 755 on the whole tree.
    const made = fixture({ line: '3.x' });
    chownTree(made.root, web.uid, web.gid);
    chmodSync(join(made.root, '.env'), 0o755);
    const findings = await step.inspect(await made.context());

    expect(byId(findings, 'files.env-world-readable').severity).toBe('high');
    expect(byId(findings, 'files.env-executable').severity).toBe('low');
    expect(byId(findings, 'files.env-web-owned').severity).toBe('medium');
    const code = byId(findings, 'files.code-web-writable');
    expect(code.severity).toBe('medium');
    expect(code.evidence[0]).toMatch(/^\d+ code entries writable by www-data$/);

    const ctx = await made.context();
    const plan = await step.plan(ctx, findings, { profile: 'locked' });
    expect(plan.notes.join('\n')).toContain('chown -R root:root');
  });

  it('accepts the app-managed owner on 2.x', async () => {
    const made = cleanTree({ line: '2.x', version: '2.5.1' });
    chownSync(join(made.root, '.env'), web.uid, web.gid);
    chmodSync(join(made.root, '.env'), 0o600);
    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    expect(ids(findings)).toEqual([]);
    expect(step.choices!(ctx, findings)).toEqual([]);
  });

  it('reports a .env the web user cannot read', async () => {
    const made = cleanTree({ line: '2.x', version: '2.5.1' });
    chownSync(join(made.root, '.env'), 0, 0);
    chmodSync(join(made.root, '.env'), 0o600);
    expect(byId(await step.inspect(await made.context()), 'files.env-unreadable').severity).toBe('medium');
  });

  it('changes the target of a symlinked .env and keeps the link', async () => {
    const made = fixture({ line: '3.x' });
    const shared = join(dirname(made.root), 'shared');
    mkdirSync(shared);
    writeFileSync(join(shared, '.env'), 'APP_ENV=production\n');
    chmodSync(join(shared, '.env'), 0o644);
    const link = join(made.root, '.env');
    const { rmSync } = await import('node:fs');
    rmSync(link);
    symlinkSync(join(shared, '.env'), link);

    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    expect(byId(findings, 'files.env-symlink').evidence[0]).toBe(`.env -> ${join(shared, '.env')}`);
    expect(byId(findings, 'files.env-world-readable').evidence[0]).toContain('symlink to');

    const { result } = await inspectPlanApply(step, ctx);
    expect(result.outcomes[0]!.status).toBe('applied');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(mode(join(shared, '.env'))).toBe(0o640);
  });

  it('reports world-writable settings cache files on 2.x', async () => {
    const made = cleanTree({ line: '2.x', version: '2.5.1' });
    const file = join(made.root, 'bootstrap/cachet/production.php');
    writeFileSync(file, "<?php return [];\n");
    chmodSync(file, 0o666);
    const findings = await step.inspect(await made.context());
    const settings = byId(findings, 'files.settings-cache-world-writable');
    expect(settings.severity).toBe('high');
    expect(settings.evidence).toContain('bootstrap/cachet/production.php 0666 root:root');
  });
});

describe('files step: writable areas', () => {
  it('closes a storage/ other users can enter', async () => {
    const made = cleanTree({ line: '3.x' });
    chmodSync(join(made.root, 'storage'), 0o755);
    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    expect(ids(findings)).toEqual(['files.writable-area-open']);
    expect(byId(findings, 'files.writable-area-open').severity).toBe('low');
    expect(byId(findings, 'files.writable-area-open').evidence).toContain('storage/ 0755 www-data:www-data');

    const plan = await step.plan(ctx, findings, {});
    const modes = plan.changes.filter((change): change is SetModeChange => change.kind === 'set-mode');
    expect(modes.flatMap((change) => change.targets)).toEqual([{ path: join(made.root, 'storage'), from: 0o755, to: 0o750 }]);
  });

  it('gives a root-owned log back to the web user', async () => {
    const made = cleanTree({ line: '2.x', version: '2.5.1' });
    const log = join(made.root, 'storage/logs/laravel.log');
    writeFileSync(log, 'written by php artisan run as root\n');
    chmodSync(log, 0o644);
    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    expect(byId(findings, 'files.writable-area-owner').evidence).toContain('storage/logs/laravel.log 0644 root:root');

    const plan = await step.plan(ctx, findings, {});
    const owners = plan.changes.filter((change): change is SetOwnerChange => change.kind === 'set-owner');
    expect(owners.flatMap((change) => change.targets.map((target) => [target.path, target.to.display]))).toEqual([[log, 'www-data:www-data']]);
  });
});

describe('files step: hard links', () => {
  it('warns about a second name for .env', async () => {
    const made = cleanTree({ line: '3.x' });
    const { linkSync } = await import('node:fs');
    linkSync(join(made.root, '.env'), join(made.root, 'storage/env-copy'));
    const finding = byId(await step.inspect(await made.context()), 'files.env-hard-linked');
    expect(finding.severity).toBe('low');
    expect(finding.evidence).toEqual(['.env 0640 root:www-data, 2 links']);
  });
});

describe('files step: links', () => {
  it('lists linked directories it does not follow', async () => {
    const made = cleanTree({ line: '3.x' });
    const outside = join(dirname(made.root), 'themes');
    mkdirSync(outside);
    symlinkSync(outside, join(made.root, 'resources'));
    const findings = await step.inspect(await made.context());
    const links = byId(findings, 'files.tree-links-skipped');
    expect(links.severity).toBe('info');
    expect(links.evidence).toEqual([`${join(made.root, 'resources')} -> ${outside}`]);
  });
});

describe('files step: clean trees', () => {
  it.each(['2.x', '3.x'] as const)('finds nothing on a clean %s tree', async (line) => {
    const made = cleanTree({ line, version: line === '2.x' ? '2.5.1' : undefined, configCache: true });
    chownSync(join(made.root, 'bootstrap/cache/config.php'), web.uid, web.gid);
    const ctx = await made.context();
    const findings = await step.inspect(ctx);
    expect(ids(findings)).toEqual([]);
    expect((await step.plan(ctx, findings, {})).changes).toEqual([]);
  });
});
