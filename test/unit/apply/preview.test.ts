import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { previewChanges, renderPreview } from '../../../src/report/preview.js';
import { createStyler } from '../../../src/report/style.js';
import type { Plan } from '../../../src/types.js';
import { Secret } from '../../../src/util/secret.js';
import { makeHarness, type Harness } from '../../helpers/apply-harness.js';

const PASSWORD = 'Pq4Ws8Ex2Rd6Tf1Yg5Uh9Ij3';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(() => h.cleanup());

describe('dry-run preview', () => {
  it('lists each change with its diff and masks secrets', async () => {
    const env = join(h.tree.root, '.env');
    const conf = join(h.tree.root, 'conf', 'php-fpm.conf');
    const plan: Plan = {
      step: 'database',
      notes: ['rotate the old password'],
      changes: [
        {
          kind: 'edit-env',
          summary: 'set DB_USERNAME, DB_PASSWORD in .env',
          path: env,
          dialect: 'phpdotenv2',
          set: [
            { key: 'DB_USERNAME', value: 'cachet_app' },
            { key: 'DB_PASSWORD', value: new Secret(PASSWORD) },
          ],
        },
        {
          kind: 'write-file',
          summary: 'write the FPM pool override',
          path: conf,
          content: `[www]\nenv[DB_PASSWORD] = ${PASSWORD}\n`,
          mode: 0o640,
          secrets: [new Secret(PASSWORD)],
        },
        { kind: 'set-mode', summary: 'chmod 0640 .env', targets: [{ path: env, from: 0o644, to: 0o640 }] },
      ],
    };
    const envBefore = readFileSync(env, 'utf8');

    const previews = await previewChanges(plan.changes, h.ctx);
    const text = renderPreview(createStyler(false), plan, previews, true).join('\n');

    expect(text).toContain('1. set DB_USERNAME, DB_PASSWORD in .env');
    expect(text).toContain('DB_USERNAME: homestead → cachet_app');
    expect(text).toContain('DB_PASSWORD: ******** → ********');
    expect(text).toContain('2. write the FPM pool override');
    expect(text).toContain('+env[DB_PASSWORD] = ********');
    expect(text).toContain(`chmod ${env}: 0644 → 0640`);
    expect(text).toContain('note: rotate the old password');
    expect(text).not.toContain(PASSWORD);
    // The install's current password is masked too, wherever it would appear.
    expect(text).not.toMatch(/DB_PASSWORD: secret/);

    expect(readFileSync(env, 'utf8')).toBe(envBefore);
    expect(existsSync(conf)).toBe(false);
  });

  it('shows summaries only without details', async () => {
    const plan: Plan = {
      step: 'files',
      notes: [],
      changes: [{ kind: 'set-mode', summary: 'chmod 0640 .env', targets: [{ path: join(h.tree.root, '.env'), from: 0o644, to: 0o640 }] }],
    };
    const lines = renderPreview(createStyler(false), plan, await previewChanges(plan.changes, h.ctx), false);
    expect(lines).toEqual(['  1. chmod 0640 .env']);
  });
});
