// storage: where copies of the secrets end up. Stray copies and editor leftovers of `.env`, private files
// under the web root, logs and sessions other users can read, SQLite databases and 2.3's backups, and
// secrets repeated in web-server or PHP-FPM config.

import { dirname, isAbsolute, join, sep } from 'node:path';

import type { Change, QuarantineChange, SetModeChange } from '../plan/changes.js';
import { formatMode, isReachableByOthers, OTHERS_READ, statOrNull } from '../scan/modes.js';
import { findServerEnvLines, isSecretKey, serverConfigDirs, type ServerEnvLine } from '../scan/server-config.js';
import { readTree, type TreeEntry, type TreeScan } from '../scan/tree.js';
import type { Choice, Choices, Context, Finding, FindingDefinition, Plan, Step } from '../types.js';
import { maskValue } from '../util/secret.js';
import { ownerDisplay } from '../util/users.js';

const CATALOGUE = [
  {
    id: 'storage.env-copy-public',
    severity: 'critical',
    title: 'A copy of .env lies under the web root public/',
    why: 'The web server may serve it as a plain file (a dotfile rule often matches .env only), handing out every secret.',
    fix: 'Move it out of public/ into the quarantine; rotate the secrets if it was ever downloadable.',
  },
  {
    id: 'storage.env-copy',
    severity: 'high',
    title: 'A copy or editor leftover of .env lies in the app root',
    why: 'It holds the same secrets as .env without its protection: its mode is whatever cp or the editor gave it, and deny rules that name .env exactly miss it.',
    fix: 'Move it into the quarantine (nothing is deleted).',
  },
  {
    id: 'storage.git-in-public',
    severity: 'critical',
    title: 'A .git directory lies under the web root public/',
    why: 'Tools rebuild the whole repository, history and committed secrets included, from a downloadable .git directory.',
    fix: 'Move the clone out of public/ (the web step also blocks dot-directories).',
  },
  {
    id: 'storage.log-in-public',
    severity: 'high',
    title: 'A log file lies under the web root public/',
    why: 'Logs carry stack traces, e-mail addresses and sometimes tokens, and the web server serves them to anyone.',
    fix: 'Move the log out of public/ and point whatever writes it at storage/logs.',
  },
  {
    id: 'storage.sqlite-in-public',
    severity: 'critical',
    title: 'A SQLite database lies under the web root public/',
    why: 'Anyone can download the whole database: users, password hashes and (2.x) API keys in plain text.',
    fix: 'Move it to database/ and set DB_DATABASE to the new path.',
  },
  {
    id: 'storage.logs-world-readable',
    severity: 'medium',
    title: 'Logs in storage/ are readable by every local user',
    why: 'Laravel logs hold stack traces with request data and, with debug on, configuration values.',
    fix: 'Remove o+r from the logs, or close storage/ to other users (files step).',
  },
  {
    id: 'storage.sessions-world-readable',
    severity: 'high',
    title: 'Session files are readable by every local user',
    why: 'A session file is a logged-in session: any local account can copy the id and act as that dashboard user.',
    fix: 'Remove o+r from the sessions, or close storage/ to other users (files step).',
  },
  {
    id: 'storage.sqlite-world-readable',
    severity: 'high',
    title: 'The SQLite database is readable by every local user',
    why: 'The database file holds users, password hashes, subscriber e-mail addresses and (2.x) API keys in plain text; its -wal, -shm and -journal files hold recent pages of it.',
    fix: 'Remove o+rwx from the database and its -wal, -shm and -journal files.',
  },
  {
    id: 'storage.db-backups-world-readable',
    severity: 'high',
    title: 'Database backups in database/backups/ are readable by every local user',
    why: 'Cachet 2.3 writes full database dumps there.',
    fix: 'Remove o+rwx from the backups, or move them off the server.',
  },
  {
    id: 'storage.public-link-escape',
    severity: 'high',
    title: 'A symlink under public/ points at the app root or above it',
    why: 'The web server follows it by default (nginx disable_symlinks off, Apache FollowSymLinks), which serves .env and the whole code tree.',
    fix: 'Remove the link, or point it at a directory that holds only public files.',
  },
  {
    id: 'storage.secret-in-server-config',
    severity: 'high',
    title: 'A secret is set in web-server or PHP-FPM config',
    why: 'The config file is usually world-readable, so the secret leaks there, and a variable set by the server wins over .env: with phpdotenv an existing variable is never overwritten, so editing .env alone changes nothing.',
    fix: 'Remove the line (keep the value in .env only), reload the server, and rotate the secret if the file was readable by others.',
  },
  {
    id: 'storage.env-shadowed-by-server-config',
    severity: 'medium',
    title: 'A .env key is also set in web-server or PHP-FPM config',
    why: 'The server\'s value wins over .env, so changes to this key in .env (including the ones this tool makes) have no effect.',
    fix: 'Remove the line from the server config so .env is the one place the setting lives.',
  },
] as const satisfies ReadonlyArray<Omit<FindingDefinition, 'step'>>;

type StorageFindingId = (typeof CATALOGUE)[number]['id'];

const MAX_EVIDENCE = 10;

export interface StorageStepOptions {
  /**
   * Directories to search for SetEnv, fastcgi_param and env[] lines. The default is the system layouts
   * plus the directories of the run options (nginx and Apache config, FPM pool directories).
   */
  configDirs?: (ctx: Pick<Context, 'options'>) => string[];
}

/**
 * Every answers-file key this step may ask for. The step asks only the questions that apply to the
 * findings of a run, so a fleet-wide answers file can name keys that one server is not asked.
 */
export const CHOICE_KEYS: readonly string[] = ['copies'];

export function createStorageStep(options: StorageStepOptions = {}): Step {
  const configDirs = options.configDirs ?? ((ctx: Pick<Context, 'options'>) => serverConfigDirs(ctx.options));
  return {
    id: 'storage',
    title: 'Where secrets are stored',
    choiceKeys: CHOICE_KEYS,
    catalogue: CATALOGUE.map((definition) => ({ ...definition, step: 'storage' as const })),
    inspect: async (ctx) => inspect(ctx, configDirs(ctx)),
    choices,
    plan: async (ctx, findings, answers) => plan(ctx, findings, answers, configDirs(ctx)),
  };
}

export const step: Step = createStorageStep();

async function inspect(ctx: Context, configDirs: string[]): Promise<Finding[]> {
  const tree = await readTree(ctx);
  const findings: Finding[] = [];
  const publicCopies = tree.envCopies.filter((entry) => entry.area === 'public');
  const rootCopies = tree.envCopies.filter((entry) => entry.area !== 'public');

  if (publicCopies.length > 0) findings.push(finding('storage.env-copy-public', evidenceOf(publicCopies)));
  if (rootCopies.length > 0) findings.push(finding('storage.env-copy', evidenceOf(rootCopies)));
  if (tree.publicGitDirs.length > 0) findings.push(finding('storage.git-in-public', evidenceOf(tree.publicGitDirs)));
  if (tree.publicLogs.length > 0) findings.push(finding('storage.log-in-public', evidenceOf(tree.publicLogs)));

  const publicSqlite = tree.sqliteFiles.filter((entry) => entry.area === 'public');
  if (publicSqlite.length > 0) findings.push(finding('storage.sqlite-in-public', evidenceOf(publicSqlite)));

  // Stat again: in a wizard run the files step may have closed storage/ since the shared walk.
  const reachable = new Map<string, boolean>();
  const exposedLogs = stillExposed(tree.exposedLogs, reachable);
  if (exposedLogs.length > 0) findings.push(finding('storage.logs-world-readable', evidenceOf(exposedLogs)));
  const exposedSessions = stillExposed(tree.exposedSessions, reachable);
  if (exposedSessions.length > 0) findings.push(finding('storage.sessions-world-readable', evidenceOf(exposedSessions)));
  const databases = [...tree.sqliteFiles, ...externalSqliteFiles(ctx)].filter((entry) => entry.area !== 'public');
  const exposedSqlite = stillExposed(databases, reachable);
  if (exposedSqlite.length > 0) findings.push(finding('storage.sqlite-world-readable', evidenceOf(exposedSqlite)));
  const exposedBackups = stillExposed(tree.dbBackups, reachable);
  if (exposedBackups.length > 0) findings.push(finding('storage.db-backups-world-readable', evidenceOf(exposedBackups)));

  const escapes = publicLinkEscapes(ctx, tree);
  if (escapes.length > 0) findings.push(finding('storage.public-link-escape', escapes));

  findings.push(...inspectServerConfig(ctx, findServerEnvLines(configDirs, htaccessFiles(ctx))));
  return findings;
}

/** Lists the SQLite database that an absolute DB_DATABASE names outside the app root, with its side files. */
function externalSqliteFiles(ctx: Pick<Context, 'install'>): TreeEntry[] {
  const { db, realRoot } = ctx.install;
  const database = db.database;
  if (db.driver !== 'sqlite' || database === null || !isAbsolute(database) || database.startsWith(realRoot + sep)) return [];
  const entries: TreeEntry[] = [];
  for (const path of [database, `${database}-wal`, `${database}-shm`, `${database}-journal`]) {
    const stats = statOrNull(path);
    if (!stats?.isFile()) continue;
    entries.push({
      path,
      rel: path,
      mode: stats.mode & 0o7777,
      uid: stats.uid,
      gid: stats.gid,
      type: 'file',
      area: 'code',
      reachable: isReachableByOthers(dirname(path)),
    });
  }
  return entries;
}

/** Returns the files that other users can still read now, with their current mode. */
function stillExposed(entries: TreeEntry[], reachable: Map<string, boolean>): TreeEntry[] {
  const exposed: TreeEntry[] = [];
  for (const entry of entries) {
    const stats = statOrNull(entry.path);
    if (!stats?.isFile() || !(stats.mode & OTHERS_READ)) continue;
    if (!isReachableByOthers(dirname(entry.path), reachable)) continue;
    exposed.push({ ...entry, mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid, reachable: true });
  }
  return exposed;
}

/** Links under public/ whose target is the app root or one of its ancestors, so it contains `.env`. */
function publicLinkEscapes(ctx: Pick<Context, 'install'>, tree: TreeScan): string[] {
  const root = ctx.install.realRoot;
  const lines: string[] = [];
  for (const { entry, target } of tree.publicLinks) {
    if (target === null) continue;
    if (root === target || root.startsWith(target.endsWith(sep) ? target : target + sep)) {
      lines.push(`${entry.rel} -> ${target}`);
    }
  }
  return lines;
}

/** The app's own `.htaccess` files: Apache applies their SetEnv lines like its config's. */
function htaccessFiles(ctx: Pick<Context, 'install'>): string[] {
  return [join(ctx.install.realRoot, 'public', '.htaccess'), join(ctx.install.realRoot, '.htaccess')];
}

function inspectServerConfig(ctx: Pick<Context, 'install'>, lines: ServerEnvLine[]): Finding[] {
  const env = ctx.install.env;
  const secrets: string[] = [];
  const shadowed: string[] = [];
  for (const line of lines) {
    const where = `${line.file}:${line.line}`;
    if (isSecretKey(line.key) && line.value !== '') {
      const inEnv = env?.get(line.key);
      let comparison = '';
      if (inEnv === line.value) comparison = ' (same value as .env)';
      else if (inEnv !== undefined) comparison = ' (differs from .env, and wins)';
      const readable = (statOrNull(line.file)?.mode ?? 0) & OTHERS_READ ? '; the file is readable by every local user' : '';
      secrets.push(`${where}: ${line.syntax} ${line.key} ${maskValue(line.value)}${comparison}${readable}`);
    } else if (env?.has(line.key)) {
      shadowed.push(`${where}: ${line.syntax} ${line.key} overrides .env`);
    }
  }
  const findings: Finding[] = [];
  if (secrets.length > 0) findings.push(finding('storage.secret-in-server-config', secrets));
  if (shadowed.length > 0) findings.push(finding('storage.env-shadowed-by-server-config', shadowed));
  return findings;
}

function choices(_ctx: Context, findings: Finding[]): Choice[] {
  if (!findings.some((item) => item.id === 'storage.env-copy' || item.id === 'storage.env-copy-public')) return [];
  return [
    {
      key: 'copies',
      message: 'Move the copies of .env into the quarantine?',
      type: 'select',
      options: [
        { value: 'quarantine', label: 'quarantine', description: "moved into this run's 0700 directory; rollback puts them back" },
        { value: 'keep', label: 'keep', description: 'leave them where they are' },
      ],
      recommended: 'quarantine',
      help:
        'Nothing is deleted: each copy moves into the run directory under the state directory (mode 0700), ' +
        'and cachet-harden rollback restores it. Delete the quarantined files yourself once you are sure.',
    },
  ];
}

async function plan(ctx: Context, findings: Finding[], answers: Choices, configDirs: string[]): Promise<Plan> {
  const tree = await readTree(ctx);
  const ids = new Set(findings.map((item) => item.id));
  const changes: Change[] = [];
  const notes: string[] = [];

  if (answers.copies !== 'keep') {
    for (const entry of tree.envCopies) {
      if (!statOrNull(entry.path)) continue;
      const change: QuarantineChange = { kind: 'quarantine', summary: `quarantine ${entry.rel}`, path: entry.path };
      changes.push(change);
    }
  }

  // Stat again: the files step may already have closed storage/ since the shared walk.
  const reachable = new Map<string, boolean>();
  const candidates = [
    ...tree.exposedLogs,
    ...tree.exposedSessions,
    ...tree.sqliteFiles.filter((entry) => entry.area !== 'public'),
    ...externalSqliteFiles(ctx),
    ...tree.dbBackups,
  ];
  const modes: SetModeChange['targets'] = stillExposed(candidates, reachable).map((entry) => ({
    path: entry.path,
    from: entry.mode,
    to: entry.mode & 0o7770,
  }));
  if (modes.length > 0) {
    changes.push({
      kind: 'set-mode',
      summary: `chmod o-rwx ${modes.length === 1 ? '1 file' : `${modes.length} files`} (logs, sessions, databases)`,
      targets: modes,
    });
  }

  notes.push(...adviceFor(ctx, tree, ids, configDirs));
  return { step: 'storage', changes, notes };
}

function adviceFor(ctx: Context, tree: TreeScan, ids: Set<string>, configDirs: string[]): string[] {
  const notes: string[] = [];
  if (ids.has('storage.env-copy-public')) {
    notes.push('A copy of .env was under public/: if the site was reachable, treat APP_KEY and every password in it as leaked and rotate them.');
  }
  for (const entry of tree.publicGitDirs) notes.push(`Move the Git clone at ${entry.path} out of the web root.`);
  for (const entry of [...tree.publicLogs, ...tree.sqliteFiles.filter((item) => item.area === 'public')]) {
    notes.push(`Move ${entry.path} out of public/ (left in place: something may still write it).`);
  }
  for (const line of publicLinkEscapes(ctx, tree)) notes.push(`Remove the symlink ${line} or point it at public files only.`);

  if (ids.has('storage.secret-in-server-config') || ids.has('storage.env-shadowed-by-server-config')) {
    for (const line of findServerEnvLines(configDirs, htaccessFiles(ctx))) {
      if (!(isSecretKey(line.key) || ctx.install.env?.has(line.key))) continue;
      notes.push(
        `${line.file}:${line.line}: remove ${line.syntax} ${line.key} and reload the server; ` +
          (ctx.install.line === '2.x'
            ? 'Cachet 2.x (phpdotenv 2) keeps a variable that is already set, so until then .env edits of this key change nothing.'
            : 'Laravel keeps a variable that is already set, so until then .env edits of this key change nothing.'),
      );
    }
  }
  return notes;
}

function evidenceOf(entries: TreeEntry[]): string[] {
  const lines = entries.slice(0, MAX_EVIDENCE).map((entry) => {
    const kind = entry.type === 'dir' ? '/' : '';
    return `${entry.rel}${kind} ${formatMode(entry.mode)} ${ownerDisplay(entry.uid, entry.gid)}`;
  });
  if (entries.length > MAX_EVIDENCE) lines.push(`… and ${entries.length - MAX_EVIDENCE} more`);
  return lines;
}

function finding(id: StorageFindingId, evidence: string[]): Finding {
  const definition = CATALOGUE.find((item) => item.id === id)!;
  return { ...definition, step: 'storage', evidence };
}
