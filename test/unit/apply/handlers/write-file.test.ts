import { chmodSync, chownSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { handler } from '../../../../src/apply/handlers/write-file.js';
import { sha256 } from '../../../../src/apply/fs.js';
import { ApplyError, PreconditionError } from '../../../../src/errors.js';
import type { WriteFileChange } from '../../../../src/plan/changes.js';
import { findUser, findGroup } from '../../../../src/util/users.js';
import { Secret } from '../../../../src/util/secret.js';
import { makeHarness, type Harness } from '../../../helpers/apply-harness.js';

const WWW = findUser('www-data') ?? { uid: 33, gid: 33 };

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(() => h.cleanup());

function change(path: string, content: string, extra: Partial<WriteFileChange> = {}): WriteFileChange {
  return { kind: 'write-file', summary: `write ${path}`, path, content, ...extra };
}

describe('write-file handler', () => {
  it('replaces a file and keeps its owner, group and mode', async () => {
    const path = join(h.tree.root, 'config', 'app.php');
    chownSync(path, WWW.uid, WWW.gid);
    chmodSync(path, 0o640);
    const before = readFileSync(path);

    await handler.apply(change(path, "<?php return [];\n"), h.actx);
    await handler.verify(change(path, "<?php return [];\n"), h.actx);

    expect(readFileSync(path, 'utf8')).toBe("<?php return [];\n");
    const info = statSync(path);
    expect(info.mode & 0o7777).toBe(0o640);
    expect(info.uid).toBe(WWW.uid);
    expect(info.gid).toBe(WWW.gid);

    expect(h.records).toHaveLength(1);
    await handler.undo(h.records[0]!, h.actx);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(statSync(path).mode & 0o7777).toBe(0o640);
    expect(statSync(path).uid).toBe(WWW.uid);
  });

  it('creates a new file with its parents and removes them on undo', async () => {
    const dir = join(h.tree.root, 'conf.d', 'deep');
    const path = join(dir, 'cachet.conf');
    const www = findGroup('www-data') ?? 33;

    const planned = change(path, 'location ~ /\\. { deny all; }\n', { mode: 0o640, owner: { uid: 0, gid: www, display: 'root:www-data' } });
    await handler.apply(planned, h.actx);
    await handler.verify(planned, h.actx);
    expect(statSync(path).mode & 0o7777).toBe(0o640);
    expect(statSync(path).gid).toBe(www);

    await handler.undo(h.records[0]!, h.actx);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(join(h.tree.root, 'conf.d'))).toBe(false);
  });

  it('writes the target of a symlink and leaves the link in place', async () => {
    const target = join(h.tree.root, 'shared', 'site.conf');
    mkdirSync(join(h.tree.root, 'shared'));
    writeFileSync(target, 'old\n');
    const link = join(h.tree.root, 'site.conf');
    symlinkSync(target, link);

    await handler.apply(change(link, 'new\n'), h.actx);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('new\n');

    await handler.undo(h.records[0]!, h.actx);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('old\n');
  });

  it('refuses a file that changed since the plan', async () => {
    const path = join(h.tree.root, 'config', 'app.php');
    const stale = change(path, 'x\n', { expectSha256: sha256('something else') });
    await expect(handler.apply(stale, h.actx)).rejects.toBeInstanceOf(PreconditionError);
    expect(h.records).toHaveLength(0);
    expect(readFileSync(path, 'utf8')).toContain("'name' => 'Cachet'");
  });

  it('fails verification when the content is not the planned one', async () => {
    const path = join(h.tree.root, 'config', 'app.php');
    await handler.apply(change(path, 'planned\n'), h.actx);
    writeFileSync(path, 'overwritten\n');
    await expect(handler.verify(change(path, 'planned\n'), h.actx)).rejects.toBeInstanceOf(ApplyError);
  });

  it('previews a diff with secrets masked and modes in octal', async () => {
    const path = join(h.tree.root, 'config', 'app.php');
    const password = new Secret('Zq8Wm3Rt6Yp1Lk4Hn7Vb2Xc');
    const lines = await handler.preview(
      change(path, `<?php return ['name' => 'Cachet', 'password' => '${password.reveal()}'];\n`, { mode: 0o600, secrets: [password] }),
      h.ctx,
    );
    const text = lines.join('\n');
    expect(text).toContain("-return ['name' => 'Cachet'];");
    expect(text).toContain("+<?php return ['name' => 'Cachet', 'password' => '********'];");
    expect(text).not.toContain(password.reveal());
    expect(text).toContain('    mode 0644 → 0600\n');
  });

  it('warns in the preview when the file has more than one hard link', async () => {
    const path = join(h.tree.root, 'config', 'app.php');
    linkSync(path, join(h.tree.root, 'config', 'app.php.hardlink'));
    const lines = await handler.preview(change(path, 'x\n'), h.ctx);
    expect(lines.join('\n')).toMatch(/has 2 hard links/);
  });
});
