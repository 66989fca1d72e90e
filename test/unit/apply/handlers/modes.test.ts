import { chmodSync, chownSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { handler as setMode } from '../../../../src/apply/handlers/set-mode.js';
import { handler as setOwner } from '../../../../src/apply/handlers/set-owner.js';
import { ApplyError } from '../../../../src/errors.js';
import type { SetModeChange, SetOwnerChange } from '../../../../src/plan/changes.js';
import { findUser } from '../../../../src/util/users.js';
import { makeHarness, type Harness } from '../../../helpers/apply-harness.js';

const WWW = findUser('www-data') ?? { uid: 33, gid: 33 };

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(() => h.cleanup());

describe('set-mode handler', () => {
  it('changes modes, verifies and restores them', async () => {
    const env = join(h.tree.root, '.env');
    const log = join(h.tree.root, 'storage', 'logs', 'laravel.log');
    const change: SetModeChange = {
      kind: 'set-mode',
      summary: 'chmod 0640 .env, 0640 laravel.log',
      targets: [
        { path: env, from: 0o644, to: 0o640 },
        { path: log, from: 0o666, to: 0o640 },
      ],
    };
    expect(await setMode.preview(change, h.ctx)).toEqual([`  chmod ${env}: 0644 → 0640`, `  chmod ${log}: 0666 → 0640`]);

    await setMode.apply(change, h.actx);
    await setMode.verify(change, h.actx);
    expect(statSync(env).mode & 0o7777).toBe(0o640);
    expect(statSync(log).mode & 0o7777).toBe(0o640);

    chmodSync(log, 0o644);
    await expect(setMode.verify(change, h.actx)).rejects.toBeInstanceOf(ApplyError);

    await setMode.undo(h.records[0]!, h.actx);
    expect(statSync(env).mode & 0o7777).toBe(0o644);
    expect(statSync(log).mode & 0o7777).toBe(0o666);
  });
});

describe('set-owner handler', () => {
  it('changes owners by name, verifies and restores owner and mode', async () => {
    const env = join(h.tree.root, '.env');
    const cache = join(h.tree.root, 'bootstrap', 'cache');
    chmodSync(cache, 0o2775);
    const change: SetOwnerChange = {
      kind: 'set-owner',
      summary: 'chown www-data .env and bootstrap/cache',
      targets: [
        { path: env, from: { uid: 0, gid: 0, display: 'root:root' }, to: { uid: WWW.uid, gid: WWW.gid, display: 'www-data:www-data' } },
        { path: cache, from: { uid: 0, gid: 0, display: 'root:root' }, to: { uid: 0, gid: WWW.gid, display: 'root:www-data' } },
      ],
    };
    const preview = await setOwner.preview(change, h.ctx);
    expect(preview[0]).toBe(`  chown ${env}: root:root → www-data:www-data`);

    await setOwner.apply(change, h.actx);
    await setOwner.verify(change, h.actx);
    expect(statSync(env).uid).toBe(WWW.uid);
    expect(statSync(cache).gid).toBe(WWW.gid);
    expect(statSync(cache).mode & 0o7777).toBe(0o2775);

    chownSync(env, 0, 0);
    await expect(setOwner.verify(change, h.actx)).rejects.toBeInstanceOf(ApplyError);

    await setOwner.undo(h.records[0]!, h.actx);
    expect(statSync(env).uid).toBe(0);
    expect(statSync(cache).gid).toBe(0);
    expect(statSync(cache).mode & 0o7777).toBe(0o2775);
  });
});
