// Starts a throw-away MariaDB server for one test file: its own data directory under the system temp
// directory, a unix socket inside it, TCP on 127.0.0.1 at a free port. root logs in by the socket only
// (unix_socket authentication), as on a Debian server.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Connection } from 'mysql2/promise';
import { freePort } from './ports.js';

export interface MariaDbServer {
  dir: string;
  socket: string;
  host: '127.0.0.1';
  port: number;
  pid: number;
  /** A connection as root over the unix socket. */
  connectRoot(database?: string): Promise<Connection>;
  /** Runs statements as root; returns the rows of the last one. */
  rootQuery(sql: string, params?: unknown[]): Promise<unknown[]>;
  stop(): Promise<void>;
}

export async function startMariaDb(): Promise<MariaDbServer> {
  const dir = await mkdtemp(join(tmpdir(), 'ch-mdb-'));
  const dataDir = join(dir, 'data');
  const socket = join(dir, 's');
  const pidFile = join(dir, 'mariadb.pid');
  const port = await freePort();

  // --no-defaults must come first; as root --user=root is required.
  execFileSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      '--user=root',
      '--skip-test-db',
      '--auth-root-authentication-method=socket',
      '--innodb-log-file-size=16M',
    ],
    { stdio: 'pipe' },
  );

  const child = spawn(
    'mariadbd',
    [
      '--no-defaults',
      '--user=root',
      `--datadir=${dataDir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--skip-name-resolve',
      `--pid-file=${pidFile}`,
      `--log-error=${join(dir, 'error.log')}`,
    ],
    { detached: true, stdio: 'ignore' },
  );
  child.unref();
  const pid = child.pid!;

  const mysql = await import('mysql2/promise');
  const connectRoot = (database?: string): Promise<Connection> =>
    mysql.createConnection({ socketPath: socket, user: 'root', database, multipleStatements: false });

  await waitForReady(connectRoot, join(dir, 'error.log'));

  const rootQuery = async (sql: string, params: unknown[] = []): Promise<unknown[]> => {
    const connection = await connectRoot();
    try {
      const [rows] = await connection.query(sql, params);
      return rows as unknown[];
    } finally {
      await connection.end();
    }
  };

  return {
    dir,
    socket,
    host: '127.0.0.1',
    port,
    pid,
    connectRoot,
    rootQuery,
    async stop() {
      await stopProcess(pid);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// `mariadb-admin ping` reports "alive" even when access is denied, so readiness is a real query.
async function waitForReady(connect: () => Promise<Connection>, errorLog: string): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      const connection = await connect();
      await connection.query('SELECT 1');
      await connection.end();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const log = await readFile(errorLog, 'utf8').catch(() => '');
  throw new Error(`MariaDB did not become ready: ${String(lastError)}\n${log}`);
}

/** Sends SIGTERM to one PID and waits until it is gone (a zombie counts as gone). */
export async function stopProcess(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let attempt = 0; attempt < 300; attempt++) {
    const state = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    // Daemons re-parented to PID 1 stay zombies until it reaps them; they no longer run.
    if (state === null || state.split(') ')[1]?.startsWith('Z')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  process.kill(pid, 'SIGKILL');
}
