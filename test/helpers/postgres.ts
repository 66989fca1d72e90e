// Starts a throw-away PostgreSQL cluster for one test file. initdb and postgres refuse to run as root,
// so both run as the `postgres` OS user; the cluster lives in a temp directory that user can traverse.
// Local socket logins use peer authentication, TCP logins scram-sha-256 with the superuser password.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { freePort } from './ports.js';

export interface PostgresServer {
  dir: string;
  /** Directory of the unix socket (what `psql -h` takes). */
  socketDir: string;
  host: '127.0.0.1';
  port: number;
  /** Password of the `postgres` superuser over TCP. */
  superPassword: string;
  version: number;
  connectSuper(database?: string): Promise<Client>;
  /** Runs one statement as the superuser in a database and returns its rows. */
  superQuery(database: string, sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

export function postgresBinDir(): string {
  const versions = execFileSync('ls', ['/usr/lib/postgresql'], { encoding: 'utf8' })
    .split('\n')
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('PostgreSQL is not installed (/usr/lib/postgresql is empty)');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const dir = await mkdtemp(join(tmpdir(), 'ch-pg-'));
  await chmod(dir, 0o755);
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 's');
  await mkdir(socketDir);
  await chown(dir, uid, gid);
  await chown(socketDir, uid, gid);

  const superPassword = randomBytes(12).toString('hex');
  const pwFile = join(dir, 'pw');
  await writeFile(pwFile, `${superPassword}\n`, { mode: 0o600 });
  await chown(pwFile, uid, gid);
  const port = await freePort();

  const asPostgres = (argv: string[]): string =>
    execFileSync('runuser', ['-u', 'postgres', '--', ...argv], { encoding: 'utf8', stdio: 'pipe' });
  asPostgres([
    `${bin}/initdb`,
    '-D',
    dataDir,
    '-U',
    'postgres',
    `--pwfile=${pwFile}`,
    '--auth-local=peer',
    '--auth-host=scram-sha-256',
  ]);
  await rm(pwFile);
  asPostgres([
    `${bin}/pg_ctl`,
    '-D',
    dataDir,
    '-w',
    '-l',
    join(dir, 'server.log'),
    '-o',
    `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${socketDir} -c fsync=off`,
    'start',
  ]);

  const pg = (await import('pg')).default;
  const connectSuper = async (database = 'postgres'): Promise<Client> => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: superPassword, database });
    await client.connect();
    return client;
  };
  const superQuery = async (database: string, sql: string, params: unknown[] = []) => {
    const client = await connectSuper(database);
    try {
      return (await client.query(sql, params)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };
  const versionRows = await superQuery('postgres', 'SHOW server_version_num');
  const version = Number(versionRows[0]!.server_version_num);

  return {
    dir,
    socketDir,
    host: '127.0.0.1',
    port,
    superPassword,
    version,
    connectSuper,
    superQuery,
    async stop() {
      try {
        asPostgres([`${bin}/pg_ctl`, '-D', dataDir, '-m', 'fast', '-w', 'stop']);
      } catch {
        // Already stopped; the directory still goes.
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
