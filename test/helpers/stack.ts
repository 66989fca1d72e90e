// A whole Cachet-shaped stack for end-to-end tests: a web server (nginx or Apache) and PHP-FPM serve a
// PHP app that reads `.env` (or its config cache) and uses a real database. The 2.x tree runs on MariaDB,
// the 3.x tree on PostgreSQL. Everything runs from temporary directories on loopback and starts with the
// mistakes the wizard is meant to fix:
// - the site's root is the app root, not public/, so /.env, /.git/HEAD and storage/logs are URLs;
// - .env is world-readable, debug is on, storage/ is world-writable, the config cache is world-writable
//   and stale (built from an older .env);
// - copies of .env lie in public/ (.env.bak) and in the app root (.env.save);
// - the database account is a well-known default: MariaDB homestead/secret with ALL on cachet.*, or the
//   PostgreSQL superuser postgres/postgres.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect } from 'vitest';

import { buildCachetTree, typicalEnv } from '../../src/demo/tree.js';
import { cachetSchema, seedSettings } from '../fixtures/schemas/cachet.js';
import { createApache, type ApacheInstance } from './apache.js';
import { startMariaDb, type MariaDbServer } from './mariadb.js';
import { createNginx, type NginxInstance } from './nginx.js';
import { startPhpFpm, type PhpFpmInstance } from './php-fpm.js';
import { freePort } from './ports.js';
import { startPostgres, type PostgresServer } from './postgres.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/stack/', import.meta.url));

/** Private files of the stack's tree as URLs; the site's root is the app root, so all of them exist there. */
export const PRIVATE_PATHS = [
  '/.env',
  '/.env.bak',
  '/.env.save',
  '/public/.env.bak',
  '/public/../.env',
  '/.git/HEAD',
  '/.git/config',
  '/storage/logs/laravel.log',
  '/bootstrap/cache/config.php',
  '/composer.json',
];

/** A config path that does not exist: the other web server counts as not installed. */
export const ABSENT_CONF = '/nonexistent/cachet-harden-e2e.conf';

export interface StackOptions {
  web: 'nginx' | 'apache';
  /** 2.x runs on MariaDB (DB_DRIVER=mysql), 3.x on PostgreSQL (DB_CONNECTION=pgsql). */
  line: '2.x' | '3.x';
}

export interface HttpResponse {
  status: number;
  body: string;
}

/** Type, mode, owner and content (or link target) of one path. */
export interface EntryState {
  type: 'file' | 'dir' | 'link' | 'other';
  mode: number;
  uid: number;
  gid: number;
  sha256?: string;
  target?: string;
}

export type Snapshot = Record<string, EntryState>;

export interface Stack {
  /** Holds the app, the state directory and the answers file; removed by stop(). */
  base: string;
  root: string;
  stateDir: string;
  port: number;
  /** Base URL of the site, e.g. http://127.0.0.1:PORT. */
  url: string;
  web: NginxInstance | ApacheInstance;
  /** Options that aim the CLI at this stack (path, web config, probe URL, state directory). */
  cliArgs: string[];
  /** Answers of the database step that reach this stack's server as administrator. */
  databaseAnswers: Record<string, string>;
  get(path: string): Promise<HttpResponse>;
  /**
   * Requests `path` until `accept` returns true (at most about 10 s) and returns the last response. A
   * graceful reload returns before the server's new workers answer, and PHP's opcache serves a replaced
   * config cache for up to opcache.revalidate_freq seconds (2 by default).
   */
  getEventually(path: string, accept: (response: HttpResponse) => boolean): Promise<HttpResponse>;
  /** Every entry of the app tree and of the web server's config (logs and runtime files left out). */
  snapshot(): Snapshot;
  /** Account names on the database server, e.g. ['homestead@%'] or ['postgres']. */
  listAccounts(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const base = mkdtempSync(join(tmpdir(), 'ch-stack-'));
  // PHP-FPM and the web server run as www-data, which must traverse the path to the app.
  chmodSync(base, 0o755);
  const root = join(base, 'cachet');
  const stateDir = join(base, 'state');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
  };

  try {
    const database = options.line === '2.x' ? await setUpMariaDb(cleanups) : await setUpPostgres(cleanups);
    buildStackTree(root, options.line, database.env(url));

    const fpm = await startPhpFpm();
    cleanups.push(() => fpm.stop());
    const web = options.web === 'nginx' ? createNginx() : createApache({ ports: [port], modules: ['alias', 'proxy', 'proxy_fcgi'] });
    cleanups.push(() => web.cleanup());
    if (options.web === 'nginx') web.writeSite('cachet', nginxSite(port, root, fpm));
    else web.writeSite('cachet.conf', apacheSite(port, root, fpm));
    const test = web.test();
    if (!test.ok) throw new Error(`the ${options.web} config of the stack fails its test:\n${test.output}`);
    await web.start(port);

    const cliArgs = [
      '--path',
      root,
      '--state-dir',
      stateDir,
      '--probe-url',
      url,
      ...(options.web === 'nginx' ? ['--nginx-conf', web.conf, '--apache-conf', ABSENT_CONF] : ['--apache-conf', web.conf, '--nginx-conf', ABSENT_CONF]),
    ];

    return {
      base,
      root,
      stateDir,
      port,
      url,
      web,
      cliArgs,
      databaseAnswers: database.answers,
      get: (path) => httpGet(port, path),
      getEventually: (path, accept) => getUntil(port, path, accept),
      snapshot: () => ({ ...snapshotDir(root, 'app'), ...snapshotDir(web.dir, 'web', isRuntimeFile) }),
      listAccounts: database.listAccounts,
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

interface StackDatabase {
  /** The `.env` text of the tree, given the site's URL. */
  env(url: string): string;
  answers: Record<string, string>;
  listAccounts(): Promise<string[]>;
}

const COMPONENTS = ['API', 'Website'];

async function setUpMariaDb(cleanups: Array<() => Promise<void>>): Promise<StackDatabase> {
  const server: MariaDbServer = await startMariaDb();
  cleanups.push(() => server.stop());
  await server.rootQuery('CREATE DATABASE cachet');
  // The example .env's account, given every privilege on the database and any host: a common copy-paste.
  await server.rootQuery("CREATE USER 'homestead'@'%' IDENTIFIED BY 'secret'");
  await server.rootQuery("GRANT ALL PRIVILEGES ON cachet.* TO 'homestead'@'%'");
  const connection = await server.connectRoot('cachet');
  try {
    for (const sql of cachetSchema('mysql', '2.x')) await connection.query(sql);
    await connection.query(seedSettings('mysql', '2.x'));
    for (const name of COMPONENTS) await connection.query('INSERT INTO components (name) VALUES (?)', [name]);
  } finally {
    await connection.end();
  }

  return {
    env: (url) =>
      setEnvLines(typicalEnv('2.x', true), {
        APP_URL: url,
        DB_HOST: '127.0.0.1',
        DB_PORT: String(server.port),
      }),
    answers: { adminVia: 'socket', adminSocket: server.socket },
    async listAccounts() {
      const rows = (await server.rootQuery("SELECT CONCAT(User, '@', Host) AS account FROM mysql.user WHERE User NOT IN ('root', 'mysql', 'mariadb.sys', '') ORDER BY 1")) as Array<{ account: string }>;
      return rows.map((row) => row.account);
    },
  };
}

async function setUpPostgres(cleanups: Array<() => Promise<void>>): Promise<StackDatabase> {
  const server: PostgresServer = await startPostgres();
  cleanups.push(() => server.stop());
  // The 2.x Docker image's default: the app logs in as the superuser, password postgres.
  await server.superQuery('postgres', "ALTER ROLE postgres PASSWORD 'postgres'");
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'postgres', password: 'postgres', database: 'postgres' });
  await admin.connect();
  try {
    await admin.query('CREATE DATABASE cachet');
  } finally {
    await admin.end();
  }
  const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'postgres', password: 'postgres', database: 'cachet' });
  await client.connect();
  try {
    for (const sql of cachetSchema('pgsql', '3.x')) await client.query(sql);
    await client.query(seedSettings('pgsql', '3.x'));
    for (const name of COMPONENTS) await client.query('INSERT INTO components (name) VALUES ($1)', [name]);
  } finally {
    await client.end();
  }

  return {
    env: (url) =>
      setEnvLines(typicalEnv('3.x', true), {
        APP_URL: url,
        DB_CONNECTION: 'pgsql',
        DB_HOST: '127.0.0.1',
        DB_PORT: String(server.port),
        DB_DATABASE: 'cachet',
        DB_USERNAME: 'postgres',
        DB_PASSWORD: 'postgres',
      }),
    answers: { adminVia: 'runuser', adminSocket: server.socketDir, adminPort: String(server.port) },
    async listAccounts() {
      // The helper's superQuery logs in with the superuser's first password, which the stack replaced.
      const session = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'postgres', password: 'postgres', database: 'postgres' });
      await session.connect();
      try {
        const result = await session.query("SELECT rolname FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' ORDER BY 1");
        return result.rows.map((row: { rolname: string }) => row.rolname);
      } finally {
        await session.end();
      }
    },
  };
}

/** Replaces `KEY=...` lines (also commented-out ones) or appends them. */
export function setEnvLines(text: string, values: Record<string, string>): string {
  let result = text;
  for (const [key, value] of Object.entries(values)) {
    const line = new RegExp(`^(?:# )?${key}=.*$`, 'm');
    result = line.test(result) ? result.replace(line, `${key}=${value}`) : `${result}${key}=${value}\n`;
  }
  return result;
}

function buildStackTree(root: string, line: '2.x' | '3.x', env: string): void {
  const fixture = (name: string) => readFileSync(join(FIXTURE, name), 'utf8');
  buildCachetTree(root, {
    line,
    // cachethq/cachet 2.4 has published advisories that only an upgrade fixes, so `check` could never
    // pass on it. The fiveai fork's 2.5.1 has the same 2.4 layout without them.
    ...(line === '2.x' ? { version: '2.5.1' } : {}),
    // The cache is built below from an older .env, so it is stale.
    env: setEnvLines(env, { APP_URL: 'http://status.old.example' }),
    mistakes: true,
    files: {
      'public/index.php': fixture('index.php'),
      artisan: { content: fixture('artisan'), mode: 0o755 },
      'bootstrap/settings.php': fixture('settings.php'),
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.git/config': '[core]\n\trepositoryformatversion = 0\n\tbare = false\n',
      // nano's save of an interrupted edit.
      '.env.save': env,
    },
  });
  execFileSync('php', ['artisan', 'config:cache'], { cwd: root, stdio: 'pipe' });
  writeFileSync(join(root, '.env'), env);
  chmodSync(join(root, '.env'), 0o644);
  chmodSync(join(root, 'bootstrap', 'cache', 'config.php'), 0o666);
}

function nginxSite(port: number, root: string, fpm: PhpFpmInstance): string {
  // The mistake: root is the app root. try_files sends every path that is not a file to the front
  // controller in public/, so the site works and the app's private files are served as well.
  return `server {
    listen 127.0.0.1:${port};
    server_name status.test;
    root ${root};
    index index.php;
    location / {
        try_files $uri /public/index.php$is_args$args;
    }
    location ~ \\.php$ {
        try_files $uri =404;
        include /etc/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
        fastcgi_pass unix:${fpm.socket};
    }
}
`;
}

function apacheSite(port: number, root: string, fpm: PhpFpmInstance): string {
  // The mistake: DocumentRoot is the app root; FallbackResource sends unknown paths to public/index.php.
  return `<VirtualHost 127.0.0.1:${port}>
    ServerName status.test
    DocumentRoot ${root}
    <Directory ${root}>
        AllowOverride None
        Require all granted
        FallbackResource /public/index.php
    </Directory>
    <FilesMatch "\\.php$">
        SetHandler "proxy:unix:${fpm.socket}|fcgi://localhost"
    </FilesMatch>
</VirtualHost>
`;
}

function httpGet(port: number, path: string): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: 'status.test' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function getUntil(port: number, path: string, accept: (response: HttpResponse) => boolean): Promise<HttpResponse> {
  let response = await httpGet(port, path);
  for (let attempt = 0; attempt < 100 && !accept(response); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    response = await httpGet(port, path);
  }
  return response;
}

/** Logs, pid files, nginx's temp directories and Apache's mutex and socket files change while serving. */
function isRuntimeFile(rel: string): boolean {
  const top = rel.split('/')[0]!;
  return ['logs', 'client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].includes(top) || /\.(pid|lock|sock)$|mutex|cgisock|^rewrite-map/.test(rel);
}

export function snapshotDir(dir: string, label: string, skip: (rel: string) => boolean = () => false): Snapshot {
  const result: Snapshot = {};
  const visit = (path: string): void => {
    const rel = relative(dir, path);
    if (rel !== '' && skip(rel)) return;
    const stats = lstatSync(path);
    const state: EntryState = {
      type: stats.isFile() ? 'file' : stats.isDirectory() ? 'dir' : stats.isSymbolicLink() ? 'link' : 'other',
      mode: stats.mode & 0o7777,
      uid: stats.uid,
      gid: stats.gid,
    };
    if (state.type === 'file') state.sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
    if (state.type === 'link') state.target = readlinkSync(path);
    result[`${label}:${rel || '.'}`] = state;
    if (state.type === 'dir') for (const name of readdirSync(path).sort()) visit(join(path, name));
  };
  visit(dir);
  return result;
}

/** The config cache's key in a snapshot; its bytes are compared in a test of their own. */
export const CONFIG_CACHE_ENTRY = 'app:bootstrap/cache/config.php';

/** Compares content, mode and owner of every entry except the config cache. */
export function expectSameFiles(after: Snapshot, expected: Snapshot): void {
  const withoutCache = (snapshot: Snapshot) => Object.fromEntries(Object.entries(snapshot).filter(([path]) => path !== CONFIG_CACHE_ENTRY));
  expect(withoutCache(after)).toEqual(withoutCache(expected));
}

/** APP_KEY and DB_PASSWORD as written in the tree's .env (quotes removed), to check that no output shows them. */
export function readEnvSecrets(root: string): { appKey: string; dbPassword: string } {
  const env = readFileSync(join(root, '.env'), 'utf8');
  const value = (key: string): string => {
    const raw = new RegExp(`^${key}=(.*)$`, 'm').exec(env)?.[1] ?? '';
    return raw.replace(/^(["'])(.*)\1$/, '$2');
  };
  return { appKey: value('APP_KEY'), dbPassword: value('DB_PASSWORD') };
}
