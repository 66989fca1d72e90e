// A throw-away PHP-FPM pool for one test: config, pid, log and socket in a temporary directory, daemonised
// and stopped by its PID. Workers run as www-data; the socket is 0666 so any web-server user reaches it.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { stopPid, waitForFile } from './server-process.js';

export interface PhpFpmInstance {
  dir: string;
  socket: string;
  /** Directory holding the pool file (for RunOptions.fpmPoolDirs). */
  poolDir: string;
  pid: number;
  stop(): Promise<void>;
}

export function phpFpmBinary(): string {
  const name = readdirSync('/usr/sbin')
    .filter((file) => /^php-fpm[\d.]*$/.test(file))
    .sort()
    .at(-1);
  if (!name) throw new Error('php-fpm is not installed (apt-get install php-fpm)');
  return join('/usr/sbin', name);
}

export async function startPhpFpm(): Promise<PhpFpmInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'ch-fpm-'));
  chmodSync(dir, 0o755);
  const socket = join(dir, 'fpm.sock');
  const poolDir = join(dir, 'pool.d');
  execFileSync('mkdir', ['-p', poolDir]);
  const pool = `[cachet]
user = www-data
group = www-data
listen = ${socket}
listen.mode = 0666
pm = static
pm.max_children = 2
`;
  writeFileSync(join(poolDir, 'cachet.conf'), pool);
  const conf = join(dir, 'php-fpm.conf');
  writeFileSync(conf, `[global]\npid = ${dir}/fpm.pid\nerror_log = ${dir}/fpm.log\ndaemonize = yes\ninclude = ${poolDir}/*.conf\n`);
  const user = process.getuid?.() === 0 ? ['--allow-to-run-as-root'] : [];
  execFileSync(phpFpmBinary(), ['--fpm-config', conf, '--prefix', dir, ...user], { stdio: 'pipe' });
  const pid = Number(await waitForFile(join(dir, 'fpm.pid')));
  await waitForFile(socket).catch(() => undefined);
  return {
    dir,
    socket,
    poolDir,
    pid,
    async stop() {
      await stopPid(pid);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
