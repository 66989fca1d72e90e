import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { detectInstall, missingCachetParts } from '../../../src/install/detect.js';
import { PreconditionError, UsageError } from '../../../src/errors.js';
import { makeCachetTree, type CachetTree } from '../../helpers/cachet-tree.js';

const trees: CachetTree[] = [];
function tree(options: Parameters<typeof makeCachetTree>[0]): CachetTree {
  const made = makeCachetTree(options);
  trees.push(made);
  return made;
}
afterEach(() => {
  for (const made of trees.splice(0)) made.cleanup();
});

function detect(path: string | null, cwd = '/') {
  return detectInstall({ path, cwd, env: {}, fpmPoolDirs: [] });
}

describe('detectInstall', () => {
  it('recognises a 2.4 tree with its version and the 2.6 dialect', async () => {
    const { root } = tree({ line: '2.x', version: '2.4.0-dev' });
    const install = await detect(root);
    expect(install.line).toBe('2.x');
    expect(install.version).toBe('2.4.0-dev');
    expect(install.versionSource).toBe('VERSION');
    expect(install.dialect).toBe('phpdotenv2');
    expect(install.dialectSource).toContain('v2.6.9');
    expect(install.isFork).toBe(false);
    expect(install.envError).toBeNull();
  });

  it('recognises a 3.x tree through cachethq/core', async () => {
    const { root } = tree({ line: '3.x' });
    const install = await detect(root);
    expect(install.line).toBe('3.x');
    expect(install.version).toBe('3.x-dev');
    expect(install.versionSource).toBe('vendor/cachethq/core/VERSION');
    expect(install.dialect).toBe('phpdotenv5');
    expect(install.db.driver).toBe('sqlite');
    expect(install.db.driverKey).toBe('DB_CONNECTION');
  });

  it('marks the fiveai fork from its 2.5 version', async () => {
    const { root } = tree({ line: '2.x', version: '2.5.1' });
    expect((await detect(root)).isFork).toBe(true);
  });

  it('falls back to the line when composer.lock is missing', async () => {
    const { root } = tree({ line: '3.x' });
    rmSync(join(root, 'composer.lock'));
    const install = await detect(root);
    expect(install.dialect).toBe('phpdotenv5');
    expect(install.dialectSource).toContain('3.x');
  });

  it('reads 2.x database keys, treating null as unset', async () => {
    const env = [
      'DB_DRIVER=pgsql',
      'DB_HOST=127.0.0.1',
      'DB_PORT=5433',
      'DB_DATABASE=status',
      'DB_USERNAME=cachet',
      'DB_PASSWORD=null',
      'DB_UNIX_SOCKET=/run/mysqld/mysqld.sock',
      'DB_PREFIX=chq_',
      '',
    ].join('\n');
    const { root } = tree({ line: '2.x', env });
    const { db } = await detect(root);
    expect(db).toMatchObject({
      driver: 'pgsql',
      driverKey: 'DB_DRIVER',
      host: '127.0.0.1',
      port: 5433,
      database: 'status',
      username: 'cachet',
      password: null,
      socket: '/run/mysqld/mysqld.sock',
      prefix: 'chq_',
    });
  });

  it('reads 3.x database keys DB_CONNECTION and DB_SOCKET', async () => {
    const env = 'DB_CONNECTION=mariadb\nDB_SOCKET=/tmp/m.sock\nDB_USERNAME=app\nDB_PASSWORD="p w"\n';
    const { root } = tree({ line: '3.x', env });
    const { db } = await detect(root);
    expect(db.driver).toBe('mariadb');
    expect(db.socket).toBe('/tmp/m.sock');
    expect(db.password).toBe('p w');
    expect(db.prefix).toBe('');
  });

  it('reports an unparseable .env with its line instead of failing', async () => {
    const { root } = tree({ line: '2.x', env: 'APP_ENV=production\nMAIL_NAME=Example Status Page\n' });
    const install = await detect(root);
    expect(install.env).toBeNull();
    expect(install.envError?.line).toBe(2);
  });

  it('reports a missing .env', async () => {
    const { root } = tree({ line: '2.x' });
    rmSync(join(root, '.env'));
    const install = await detect(root);
    expect(install.envError?.message).toContain('does not exist');
  });

  it('follows a symlinked app root', async () => {
    const { root } = tree({ line: '2.x' });
    const link = `${root}-link`;
    symlinkSync(root, link);
    const install = await detect(link);
    expect(install.root).toBe(link);
    expect(install.realRoot).toBe(root);
    rmSync(link);
  });

  it('finds the install from the current directory', async () => {
    const { root } = tree({ line: '2.x' });
    const install = await detect(null, root);
    expect(install.root).toBe(root);
  });

  it('names what is missing in a directory that is not Cachet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'not-cachet-'));
    writeFileSync(join(dir, 'composer.json'), JSON.stringify({ name: 'laravel/laravel' }));
    mkdirSync(join(dir, 'public'));
    writeFileSync(join(dir, 'public', 'index.php'), '<?php');
    try {
      expect(missingCachetParts(dir)).toEqual(['artisan', 'composer.json naming cachethq/cachet or cachethq/core']);
      await expect(detect(dir)).rejects.toThrow(PreconditionError);
      await expect(detect(dir)).rejects.toThrow(/missing artisan/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a --path that does not exist as usage', async () => {
    await expect(detect('/nonexistent/cachet')).rejects.toThrow(UsageError);
  });

  it('reads the web user from a PHP-FPM pool', async () => {
    const { root } = tree({ line: '2.x' });
    const pools = mkdtempSync(join(tmpdir(), 'pools-'));
    writeFileSync(join(pools, 'cachet.conf'), '[cachet]\nuser = nobody\ngroup = nogroup\nlisten = /run/x.sock\n');
    try {
      const install = await detectInstall({ path: root, cwd: '/', env: {}, fpmPoolDirs: [pools] });
      expect(install.webUser.user).toBe('nobody');
      expect(install.webUser.group).toBe('nogroup');
      expect(install.webUser.uid).toBe(65534);
      expect(install.webUser.source).toBe(join(pools, 'cachet.conf'));
    } finally {
      rmSync(pools, { recursive: true, force: true });
    }
  });
});
