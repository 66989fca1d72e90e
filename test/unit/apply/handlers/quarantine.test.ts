import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { handler, quarantineName } from '../../../../src/apply/handlers/quarantine.js';
import type { QuarantineChange } from '../../../../src/plan/changes.js';
import { makeHarness, type Harness } from '../../../helpers/apply-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(() => h.cleanup());

describe('quarantine handler', () => {
  it('moves a stray copy into the run quarantine and back', async () => {
    const stray = join(h.tree.root, 'public', '.env.bak');
    const content = readFileSync(stray);
    const change: QuarantineChange = { kind: 'quarantine', summary: 'quarantine public/.env.bak', path: stray };

    expect((await handler.preview(change, h.ctx)).join('\n')).toContain('quarantine/public/.env.bak');
    await handler.apply(change, h.actx);
    await handler.verify(change, h.actx);

    const moved = join(h.journal.dir, 'quarantine', 'public', '.env.bak');
    expect(existsSync(stray)).toBe(false);
    expect(readFileSync(moved).equals(content)).toBe(true);
    expect(statSync(join(h.journal.dir, 'quarantine')).mode & 0o7777).toBe(0o700);
    expect(statSync(join(h.journal.dir, 'quarantine', 'public')).mode & 0o7777).toBe(0o700);

    await handler.undo(h.records[0]!, h.actx);
    expect(readFileSync(stray).equals(content)).toBe(true);
    expect(statSync(stray).mode & 0o7777).toBe(0o644);
    expect(existsSync(moved)).toBe(false);
  });

  it('names paths outside the app root separately', () => {
    const install = { root: '/srv/cachet', realRoot: '/srv/cachet' };
    expect(quarantineName('/srv/cachet/public/.env.bak', install)).toBe('public/.env.bak');
    expect(quarantineName('/var/www/html/.env.old', install)).toBe('outside-app-root/var/www/html/.env.old');
  });
});
