import { chownSync, chmodSync, lstatSync, readFileSync, readdirSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { handler } from '../../../../src/apply/handlers/edit-env.js';
import { sha256 } from '../../../../src/apply/fs.js';
import { PreconditionError } from '../../../../src/errors.js';
import type { EditEnvChange, EnvAssignment } from '../../../../src/plan/changes.js';
import { Secret } from '../../../../src/util/secret.js';
import { findUser } from '../../../../src/util/users.js';
import { makeHarness, type Harness } from '../../../helpers/apply-harness.js';

const WWW = findUser('www-data') ?? { uid: 33, gid: 33 };
const NEW_PASSWORD = 'Hk5Tz2Qw9Lm4Xr7Nb1Vc8Pd3';

let h: Harness;
let envPath: string;
beforeEach(async () => {
  h = await makeHarness();
  envPath = join(h.tree.root, '.env');
});
afterEach(() => h.cleanup());

function change(set: EnvAssignment[], extra: Partial<EditEnvChange> = {}): EditEnvChange {
  return { kind: 'edit-env', summary: `set ${set.map((a) => a.key).join(', ')} in .env`, path: envPath, dialect: 'phpdotenv2', set, ...extra };
}

describe('edit-env handler', () => {
  it('sets a key and keeps every other byte, owner and mode', async () => {
    chownSync(envPath, 0, WWW.gid);
    chmodSync(envPath, 0o640);
    const before = readFileSync(envPath, 'utf8');

    const planned = change([{ key: 'APP_DEBUG', value: 'false' }]);
    await handler.apply(planned, h.actx);
    await handler.verify(planned, h.actx);

    expect(readFileSync(envPath, 'utf8')).toBe(before.replace('APP_DEBUG=true', 'APP_DEBUG=false'));
    expect(statSync(envPath).mode & 0o7777).toBe(0o640);
    expect(statSync(envPath).gid).toBe(WWW.gid);

    await handler.undo(h.records[0]!, h.actx);
    expect(readFileSync(envPath, 'utf8')).toBe(before);
  });

  it('writes a Secret but never shows or records it', async () => {
    const planned = change([{ key: 'DB_PASSWORD', value: new Secret(NEW_PASSWORD) }]);
    const preview = (await handler.preview(planned, h.ctx)).join('\n');
    expect(preview).toContain('DB_PASSWORD: ******** → ********');
    expect(preview).not.toContain(NEW_PASSWORD);

    await handler.apply(planned, h.actx);
    await handler.verify(planned, h.actx);
    expect(readFileSync(envPath, 'utf8')).toContain(`DB_PASSWORD=${NEW_PASSWORD}\n`);
    expect(readFileSync(join(h.journal.dir, 'manifest.json'), 'utf8')).not.toContain(NEW_PASSWORD);
    expect(JSON.stringify(h.records)).not.toContain(NEW_PASSWORD);
  });

  it('shows plain keys as old → new', async () => {
    const preview = await handler.preview(change([{ key: 'APP_DEBUG', value: 'false' }, { key: 'SESSION_SECURE_COOKIE', value: 'true' }]), h.ctx);
    expect(preview).toContain('    APP_DEBUG: true → false');
    expect(preview).toContain('    SESSION_SECURE_COOKIE: (not set) → true');
  });

  it('never writes a file that does not parse', async () => {
    const broken = 'APP_ENV=production\nMAIL_NAME=Example Status Page\nAPP_DEBUG=true\n';
    writeFileSync(envPath, broken);
    const planned = change([{ key: 'APP_DEBUG', value: 'false' }]);

    await expect(handler.apply(planned, h.actx)).rejects.toThrow(/line 2/);
    await expect(handler.apply(planned, h.actx)).rejects.toBeInstanceOf(PreconditionError);
    expect(readFileSync(envPath, 'utf8')).toBe(broken);
    expect(h.records).toHaveLength(0);
    expect(readdirSync(join(h.journal.dir, 'backups'))).toHaveLength(0);
    expect((await handler.preview(planned, h.ctx)).join('\n')).toMatch(/line 2: .*will not be written/);
  });

  it('edits the target of a symlinked .env and keeps the link', async () => {
    const target = join(h.tree.root, 'shared.env');
    renameSync(envPath, target);
    symlinkSync(target, envPath);

    await handler.apply(change([{ key: 'APP_DEBUG', value: 'false' }]), h.actx);
    expect(lstatSync(envPath).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toContain('APP_DEBUG=false\n');
  });

  it('refuses a .env that changed since the plan', async () => {
    const planned = change([{ key: 'APP_DEBUG', value: 'false' }], { expectSha256: sha256('older content') });
    await expect(handler.apply(planned, h.actx)).rejects.toThrow(/changed since the plan/);
    expect(readFileSync(envPath, 'utf8')).toContain('APP_DEBUG=true');
  });

  it('applies and verifies when the file matches the planned hash', async () => {
    const planned = change([{ key: 'APP_DEBUG', value: 'false' }], { expectSha256: sha256(readFileSync(envPath)) });
    await handler.apply(planned, h.actx);
    await handler.verify(planned, h.actx);
    expect(readFileSync(envPath, 'utf8')).toContain('APP_DEBUG=false\n');
  });

  it('refuses a value with a newline', async () => {
    const planned = change([{ key: 'MAIL_NAME', value: 'a\nAPP_DEBUG=true' }]);
    await expect(handler.apply(planned, h.actx)).rejects.toBeInstanceOf(PreconditionError);
    expect(h.records).toHaveLength(0);
  });
});
