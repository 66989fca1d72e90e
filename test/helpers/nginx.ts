// A throw-away nginx for one test: its own config, pid, logs and temp paths in a temporary directory, site
// files under <dir>/sites-enabled, started with `nginx -c CONF -p DIR/` and stopped by its PID.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { stopPid, waitForPort } from './server-process.js';

export interface NginxInstance {
  dir: string;
  conf: string;
  /** The `-p` prefix (with a trailing slash). */
  prefix: string;
  siteDir: string;
  pid: number | null;
  /** Writes a site file into sites-enabled. */
  writeSite(name: string, text: string): string;
  /** Runs `nginx -t` on this config; returns the exit code and output. */
  test(): { ok: boolean; output: string };
  start(port: number): Promise<void>;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

/** Creates the config tree; `mainExtra` goes inside http before the site include. */
export function createNginx(options: { mainExtra?: string } = {}): NginxInstance {
  const dir = mkdtempSync(join(tmpdir(), 'ch-nginx-'));
  chmodSync(dir, 0o755);
  const siteDir = join(dir, 'sites-enabled');
  mkdirSync(siteDir);
  mkdirSync(join(dir, 'logs'));
  const conf = join(dir, 'nginx.conf');
  // As root the workers would run as nobody; www-data matches the PHP-FPM pool socket owner in these tests.
  const user = process.getuid?.() === 0 ? 'user www-data;\n' : '';
  writeFileSync(
    conf,
    `${user}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
${options.mainExtra ?? ''}
    include ${siteDir}/*;
}
`,
  );
  const prefix = `${dir}/`;
  const base = ['-c', conf, '-p', prefix];

  const instance: NginxInstance = {
    dir,
    conf,
    prefix,
    siteDir,
    pid: null,
    writeSite(name, text) {
      const path = join(siteDir, name);
      writeFileSync(path, text);
      return path;
    },
    test() {
      try {
        const output = execFileSync('nginx', [...base, '-t'], { stdio: 'pipe', encoding: 'utf8' });
        return { ok: true, output };
      } catch (error) {
        return { ok: false, output: String((error as { stderr?: string }).stderr ?? error) };
      }
    },
    async start(port) {
      execFileSync('nginx', base, { stdio: 'pipe' });
      instance.pid = Number(readFileSync(join(dir, 'nginx.pid'), 'utf8').trim());
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
