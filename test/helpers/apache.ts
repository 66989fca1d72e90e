// A throw-away Apache httpd for one test: a self-contained `-f CONF` (ServerRoot, PidFile, Mutex, logs in a
// temporary directory), vhost files under <dir>/sites-enabled, started with `-k start`, stopped by its PID.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { stopPid, waitForFile, waitForPort } from './server-process.js';

const MODULE_DIR = '/usr/lib/apache2/modules';

export interface ApacheInstance {
  dir: string;
  conf: string;
  siteDir: string;
  pid: number | null;
  writeSite(name: string, text: string): string;
  test(): { ok: boolean; output: string };
  start(port: number): Promise<void>;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

export interface ApacheOptions {
  ports: number[];
  /** Modules beyond mpm_event, authz_core, mime and dir, e.g. ['alias', 'rewrite', 'proxy', 'proxy_fcgi']. */
  modules?: string[];
  /** Lines added to the main config before the site include. */
  mainExtra?: string;
}

export function createApache(options: ApacheOptions): ApacheInstance {
  const dir = mkdtempSync(join(tmpdir(), 'ch-apache-'));
  chmodSync(dir, 0o755);
  const siteDir = join(dir, 'sites-enabled');
  mkdirSync(siteDir);
  mkdirSync(join(dir, 'logs'));
  const conf = join(dir, 'httpd.conf');
  const modules = ['mpm_event', 'authz_core', 'mime', 'dir', ...(options.modules ?? [])];
  writeFileSync(
    conf,
    [
      `ServerRoot ${dir}`,
      ...options.ports.map((port) => `Listen 127.0.0.1:${port}`),
      `PidFile ${dir}/httpd.pid`,
      `DefaultRuntimeDir ${dir}`,
      `Mutex file:${dir} default`,
      `ErrorLog ${dir}/logs/error.log`,
      'ServerName 127.0.0.1',
      ...modules.map((name) => `LoadModule ${name}_module ${MODULE_DIR}/mod_${name}.so`),
      'TypesConfig /etc/mime.types',
      // As Debian's mods-available/dir.conf sets it.
      'DirectoryIndex index.html index.cgi index.pl index.php index.xhtml index.htm',
      // apache2 refuses User root; www-data matches the PHP-FPM pool in these tests.
      'User www-data',
      'Group www-data',
      options.mainExtra ?? '',
      `IncludeOptional ${siteDir}/*.conf`,
      '',
    ].join('\n'),
  );

  const instance: ApacheInstance = {
    dir,
    conf,
    siteDir,
    pid: null,
    writeSite(name, text) {
      const path = join(siteDir, name);
      writeFileSync(path, text);
      return path;
    },
    test() {
      try {
        const output = execFileSync('apache2', ['-f', conf, '-t'], { stdio: 'pipe', encoding: 'utf8' });
        return { ok: true, output };
      } catch (error) {
        return { ok: false, output: String((error as { stderr?: string }).stderr ?? error) };
      }
    },
    async start(port) {
      // `-k start` daemonises; running in the foreground with `&` can kill the caller's process group.
      execFileSync('apache2', ['-f', conf, '-k', 'start'], { stdio: 'pipe' });
      instance.pid = Number(await waitForFile(join(dir, 'httpd.pid')));
      await waitForPort(port);
    },
    async stop() {
      if (instance.pid !== null) await stopPid(instance.pid);
      instance.pid = null;
    },
    async cleanup() {
      await instance.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return instance;
}
