// nginx and MariaDB for the apply benchmark, each from its own temporary directory, listening on
// 127.0.0.1 at a free port, and stopped by the PID they were started with. Nothing here reads or
// signals the machine's own servers: every nginx call passes `-c` and `-p`, every MariaDB call
// `--no-defaults` and the socket in the temporary directory.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Lists the server binaries that are missing; without them the apply benchmark is skipped with this reason. */
export function missingServerBinaries() {
  const missing = [];
  for (const binary of ['nginx', 'mariadbd', 'mariadb-install-db', 'mariadb']) {
    if (spawnSync('sh', ['-c', `command -v ${binary} || test -x /usr/sbin/${binary}`]).status !== 0) missing.push(binary);
  }
  return missing;
}

function sbin(binary) {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).stdout.trim() || `/usr/sbin/${binary}`;
}

/** A base directory that the nginx workers (www-data or nobody) can traverse. */
export function makeStackDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * Starts nginx serving `docroot` on 127.0.0.1:<free port>. Returns { conf, prefix, port, pid, nginxArgs,
 * reload(), stop() }; nginxArgs are the `-c CONF -p PREFIX` every later call must carry.
 */
export async function startNginx({ dir, docroot }) {
  const prefix = join(dir, 'nginx');
  mkdirSync(join(prefix, 'conf.d'), { recursive: true });
  const port = await freePort();
  const conf = join(prefix, 'nginx.conf');
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  writeFileSync(
    conf,
    [
      asRoot ? 'user www-data;' : '',
      'worker_processes 1;',
      `pid ${prefix}/nginx.pid;`,
      `error_log ${prefix}/error.log;`,
      'events { worker_connections 64; }',
      'http {',
      `  access_log ${prefix}/access.log;`,
      `  client_body_temp_path ${prefix}/client_body;`,
      `  proxy_temp_path ${prefix}/proxy;`,
      `  fastcgi_temp_path ${prefix}/fastcgi;`,
      `  uwsgi_temp_path ${prefix}/uwsgi;`,
      `  scgi_temp_path ${prefix}/scgi;`,
      '  types { text/html html; text/plain txt; application/javascript js; text/css css; }',
      '  default_type application/octet-stream;',
      `  include ${prefix}/conf.d/*.conf;`,
      '}',
      '',
    ].join('\n'),
  );
  // The site lives in its own file, as Debian's sites-enabled/ keeps it. A server block inside the main
  // config counts as the distribution's default site, which the web step leaves alone under --yes.
  writeFileSync(
    join(prefix, 'conf.d', 'cachet.conf'),
    [
      'server {',
      `  listen 127.0.0.1:${port};`,
      '  server_name localhost;',
      `  root ${docroot};`,
      '  index index.php index.html;',
      '  location / { try_files $uri $uri/ /index.php?$query_string; }',
      '}',
      '',
    ].join('\n'),
  );
  const nginx = sbin('nginx');
  const nginxArgs = ['-c', conf, '-p', prefix];
  execFileSync(nginx, [...nginxArgs, '-t'], { stdio: 'pipe' });
  execFileSync(nginx, nginxArgs, { stdio: 'pipe' });
  const pid = Number(readFileSync(join(prefix, 'nginx.pid'), 'utf8').trim());
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/robots.txt`)).status > 0, 'nginx', join(prefix, 'error.log'));
  return {
    conf,
    prefix,
    port,
    pid,
    nginx,
    nginxArgs,
    /** `nginx -s reload` returns once the signal is sent; the new workers start right after. */
    reload() {
      execFileSync(nginx, [...nginxArgs, '-s', 'reload'], { stdio: 'pipe' });
    },
    async stop() {
      await stopProcess(pid);
    },
  };
}

/**
 * Initialises and starts MariaDB. root logs in by the unix socket only. Returns { socket, port, pid,
 * sql(text), stop() }; sql runs statements as root through the `mariadb` client.
 */
export async function startMariaDb({ dir }) {
  const base = join(dir, 'mariadb');
  const dataDir = join(base, 'data');
  mkdirSync(base, { recursive: true });
  const socket = join(base, 's');
  const port = await freePort();
  const errorLog = join(base, 'error.log');

  // --no-defaults must be the first option; as root, --user=root is required.
  execFileSync(
    sbin('mariadb-install-db'),
    ['--no-defaults', `--datadir=${dataDir}`, '--user=root', '--skip-test-db', '--auth-root-authentication-method=socket', '--innodb-log-file-size=16M'],
    { stdio: 'pipe' },
  );
  const child = spawn(
    sbin('mariadbd'),
    [
      '--no-defaults',
      '--user=root',
      `--datadir=${dataDir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--skip-name-resolve',
      `--pid-file=${join(base, 'mariadb.pid')}`,
      `--log-error=${errorLog}`,
    ],
    { detached: true, stdio: 'ignore' },
  );
  child.unref();
  const pid = child.pid;

  const sql = (text) =>
    execFileSync(sbin('mariadb'), ['--no-defaults', '-S', socket, '-u', 'root', '--batch', '--skip-column-names', '-e', text], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  // `mariadb-admin ping` reports "alive" even when access is denied, so readiness is a real query.
  await waitFor(async () => sql('SELECT 1').trim() === '1', 'MariaDB', errorLog);
  return {
    socket,
    port,
    pid,
    sql,
    async stop() {
      await stopProcess(pid);
    },
  };
}

async function waitFor(probe, name, log) {
  let lastError;
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  let tail = '';
  try {
    tail = readFileSync(log, 'utf8').split('\n').slice(-10).join('\n');
  } catch {
    // The log may not exist when the server never started.
  }
  throw new Error(`${name} did not become ready within 10 s: ${lastError?.message ?? 'no answer'}\n${tail}`);
}

/** Sends SIGTERM to one PID and waits until it is gone; a zombie counts as gone (PID 1 reaps late). */
export async function stopProcess(pid) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let attempt = 0; attempt < 200; attempt++) {
    let state = null;
    try {
      state = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return;
    }
    if (state.split(') ')[1]?.startsWith('Z')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  process.kill(pid, 'SIGKILL');
}

export function removeStackDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}
