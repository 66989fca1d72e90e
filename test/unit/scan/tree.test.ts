import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { isEnvCopyName } from '../../../src/scan/names.js';
import { findServerEnvLines } from '../../../src/scan/server-config.js';
import { scanTree, writableTarget, type TreeEntry } from '../../../src/scan/tree.js';

const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cachet-scan-'));
  chmodSync(dir, 0o755);
  dirs.push(dir);
  return dir;
}

function write(root: string, path: string, content = '', mode = 0o644): string {
  const full = join(root, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, content);
  chmodSync(full, mode);
  return full;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const WEB = { uid: 33, gid: 33 };
const rels = (entries: Array<{ rel: string }>) => entries.map((entry) => entry.rel).sort();

describe('scanTree', () => {
  it('walks a storage/ linked to a shared directory', () => {
    const base = tempDir();
    const root = join(base, 'release');
    write(root, 'artisan');
    write(base, 'shared/storage/logs/laravel.log', 'x', 0o666);
    symlinkSync(join(base, 'shared/storage'), join(root, 'storage'));

    const scan = scanTree(root, WEB);
    expect(rels(scan.worldWritable)).toEqual(['storage/logs/laravel.log']);
    expect(rels(scan.writableTops)).toEqual(['storage']);
    expect(scan.skippedLinks.count).toBe(0);
  });

  it('lists other linked directories without following them', () => {
    const root = tempDir();
    write(root, 'artisan');
    const outside = tempDir();
    write(outside, 'open.txt', '', 0o666);
    symlinkSync(outside, join(root, 'resources'));

    const scan = scanTree(root, WEB);
    expect(scan.worldWritable).toEqual([]);
    expect(scan.skippedLinks.count).toBe(1);
    expect(scan.skippedLinks.examples[0]!.path).toBe(`${join(root, 'resources')} -> ${outside}`);
  });

  it('skips vendor/ for names but not for o+w', () => {
    const root = tempDir();
    write(root, 'vendor/pkg/.env.backup');
    write(root, 'vendor/pkg/fixture.sqlite');
    write(root, 'vendor/pkg/src/Open.php', '', 0o666);
    write(root, '.env.backup');

    const scan = scanTree(root, WEB);
    expect(rels(scan.envCopies)).toEqual(['.env.backup']);
    expect(scan.sqliteFiles).toEqual([]);
    expect(rels(scan.worldWritable)).toEqual(['vendor/pkg/src/Open.php']);
  });

  it('finds a SQLite database kept under storage/', () => {
    const root = tempDir();
    const database = write(root, 'storage/app/cachet.sqlite', '', 0o640);
    chownSync(database, WEB.uid, WEB.gid);
    chownSync(join(root, 'storage/app'), WEB.uid, WEB.gid);
    expect(rels(scanTree(root, WEB).sqliteFiles)).toEqual(['storage/app/cachet.sqlite']);
  });

  it('counts code the web user can write', () => {
    const root = tempDir();
    const owned = write(root, 'app/Http/Kernel.php');
    chownSync(owned, WEB.uid, WEB.gid);
    const groupWritable = write(root, 'config/app.php', '', 0o664);
    chownSync(groupWritable, 0, WEB.gid);
    write(root, 'config/cache.php');
    const database = write(root, 'database/database.sqlite', '', 0o640);
    chownSync(database, WEB.uid, WEB.gid);

    const scan = scanTree(root, WEB);
    expect(scan.webWritableCode.count).toBe(2);
    expect(rels(scan.webWritableCode.examples)).toEqual(['app/Http/Kernel.php', 'config/app.php']);
  });

  it('reports logs and sessions only where other users can reach them', () => {
    const root = tempDir();
    write(root, 'storage/logs/laravel.log');
    write(root, 'storage/framework/sessions/abc');
    chmodSync(join(root, 'storage'), 0o755);
    expect(rels(scanTree(root, WEB).exposedLogs)).toEqual(['storage/logs/laravel.log']);
    expect(rels(scanTree(root, WEB).exposedSessions)).toEqual(['storage/framework/sessions/abc']);

    chmodSync(join(root, 'storage'), 0o750);
    expect(scanTree(root, WEB).exposedLogs).toEqual([]);
    expect(scanTree(root, WEB).exposedSessions).toEqual([]);
  });
});

describe('writableTarget', () => {
  const entry = (rel: string, type: TreeEntry['type'], mode: number) => ({ rel, type, mode, uid: 0, gid: 0 });

  it.each([
    ['storage', 'dir', 0o777, 0o770],
    ['storage', 'dir', 0o755, 0o750],
    ['storage', 'dir', 0o2775, 0o2770],
    ['storage/logs', 'dir', 0o755, 0o755],
    ['storage/logs', 'dir', 0o777, 0o770],
    ['storage/logs/laravel.log', 'file', 0o777, 0o660],
    ['storage/logs/laravel.log', 'file', 0o644, 0o644],
    ['storage/logs/laravel.log', 'file', 0o400, 0o600],
    ['bootstrap/cache/config.php', 'file', 0o666, 0o640],
    ['bootstrap/cache/config.php', 'file', 0o644, 0o640],
  ] as const)('%s (%s %o) becomes %o', (rel, type, mode, expected) => {
    const target = writableTarget(entry(rel, type, mode), WEB);
    expect(target.mode).toBe(expected);
    expect([target.uid, target.gid]).toEqual([WEB.uid, WEB.gid]);
  });
});

describe('isEnvCopyName', () => {
  it.each(['.env.bak', '.env.bak2', '.env.backup', '.env.save', '.env.old', '.env.orig', '.env~', '.env.swp', '.env.swo', '.env.production', '.env.local', '#.env#', '.#.env', 'env.bak'])(
    'flags %s',
    (name) => expect(isEnvCopyName(name)).toBe(true),
  );

  it.each(['.env', '.env.example', '.env.sample', '.env.dist', 'environment.php', 'envoy.blade.php'])('ignores %s', (name) =>
    expect(isEnvCopyName(name)).toBe(false),
  );
});

describe('findServerEnvLines', () => {
  it('reads the three syntaxes and skips comments', () => {
    const dir = tempDir();
    write(dir, 'a.conf', "SetEnv DB_PASSWORD \"one two\"\n# SetEnv APP_KEY commented\n    setenv DB_HOST localhost\n");
    write(dir, 'sites/b', 'fastcgi_param DB_PASSWORD abc if_not_empty;\nfastcgi_param  REDIS_PASSWORD "x y";\n');
    write(dir, 'pool.d/www.conf', "; env[DB_PASSWORD] = commented\nenv[MAIL_PASSWORD] = 'm p'\nenv[\"GITHUB_TOKEN\"] = ghp\n");

    const lines = findServerEnvLines([dir]).map(({ file, line, syntax, key, value }) => [file.slice(dir.length + 1), line, syntax, key, value]);
    expect(lines).toEqual([
      ['a.conf', 1, 'SetEnv', 'DB_PASSWORD', 'one two'],
      ['a.conf', 3, 'SetEnv', 'DB_HOST', 'localhost'],
      ['pool.d/www.conf', 2, 'env[]', 'MAIL_PASSWORD', 'm p'],
      ['pool.d/www.conf', 3, 'env[]', 'GITHUB_TOKEN', 'ghp'],
      ['sites/b', 1, 'fastcgi_param', 'DB_PASSWORD', 'abc'],
      ['sites/b', 2, 'fastcgi_param', 'REDIS_PASSWORD', 'x y'],
    ]);
  });
});
