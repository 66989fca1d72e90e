// files: who may read and write `.env`, the config cache and the app's writable directories.
//
// Two ownership profiles for `.env`:
// - locked: root:<web group> 0640. The app reads `.env` and cannot change it (3.x never writes it).
// - app-managed: <web user>:<web group> 0600. Cachet 2.x's setup wizard and its dashboard mail settings
//   page rewrite `.env` as the web user, so they fail with "Permission denied" under the locked profile.
// storage/, bootstrap/cache/ (and 2.x's bootstrap/cachet/) belong to the web user under both profiles.

import { lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';

import { UsageError } from '../errors.js';
import type { Ownership, RunCommandChange, SetModeChange, SetOwnerChange, Change } from '../plan/changes.js';
import { formatMode, OTHERS_READ, OTHERS_WRITE, GROUP_WRITE, ANY_EXEC, lstatOrNull } from '../scan/modes.js';
import { CONFIG_CACHE, WRITABLE_TOPS, readTree, writableTarget, type TreeEntry, type TreeScan } from '../scan/tree.js';
import type { Choice, Choices, Context, Finding, FindingDefinition, Plan, Step } from '../types.js';
import { ownerDisplay } from '../util/users.js';

export type EnvProfile = 'locked' | 'app-managed';

const CATALOGUE = [
  {
    id: 'files.env-world-readable',
    severity: 'high',
    title: '.env is readable by every local user',
    why: '.env holds APP_KEY and the database and mail passwords; any account or compromised service on the server can read them.',
    fix: 'Apply the locked profile (root:<web group> 0640) or the app-managed profile (<web user> 0600).',
  },
  {
    id: 'files.env-writable',
    severity: 'high',
    title: '.env is writable by its group or by other users',
    why: 'Whoever can write .env can turn debug mode on, point the app at another database or change APP_KEY.',
    fix: 'Remove group and other write bits: mode 0640 (locked) or 0600 (app-managed).',
  },
  {
    id: 'files.env-web-owned',
    severity: 'medium',
    title: '.env is owned by the web user although this Cachet never writes it',
    why: 'Cachet 3.x does not rewrite .env at run time, so a web user that owns it only gives an attacker who runs code as that user a way to change the configuration.',
    fix: 'Apply the locked profile: root:<web group> 0640.',
  },
  {
    id: 'files.env-executable',
    severity: 'low',
    title: '.env has execute bits',
    why: 'A configuration file never needs execute bits; they usually come from a recursive chmod 755 or 777 over the whole tree.',
    fix: 'Mode 0640 (locked) or 0600 (app-managed).',
  },
  {
    id: 'files.env-unreadable',
    severity: 'medium',
    title: 'The web user cannot read .env',
    why: 'Without .env the app falls back to defaults and fails with errors; a config cache hides this only until it is rebuilt.',
    fix: 'Apply a profile: the web group reads .env (locked) or the web user owns it (app-managed).',
  },
  {
    id: 'files.env-symlink',
    severity: 'info',
    title: '.env is a symlink',
    why: 'Modes and owners apply to the link target, which may live outside the app root (for example a deploy tool\'s shared directory).',
    fix: 'Nothing to do; the target is checked and changed, the link stays.',
  },
  {
    id: 'files.env-hard-linked',
    severity: 'low',
    title: '.env has more than one hard link',
    why: 'Another name points at the same secrets, possibly with weaker protection around it, and an editor that replaces the file by renaming splits the links.',
    fix: 'Find the other name (find / -samefile .env) and remove it unless it is wanted.',
  },
  {
    id: 'files.config-cache-world-readable',
    severity: 'critical',
    title: 'The config cache bootstrap/cache/config.php is readable by every local user',
    why: 'After php artisan config:cache this file repeats every secret from .env in plain text: a second copy of the secrets.',
    fix: 'Mode 0640 or 0600, owned by the web user (who rebuilds it).',
  },
  {
    id: 'files.tree-world-writable',
    severity: 'high',
    title: 'Files or directories in the app tree are writable by every local user',
    why: 'Any account on the server can plant PHP code the web server runs, or replace logs and caches; usually left by chmod -R 777.',
    fix: 'Remove o+w everywhere; the web user owns what it must write.',
  },
  {
    id: 'files.settings-cache-world-writable',
    severity: 'high',
    title: "Cachet's settings cache (bootstrap/cachet/*.php) is writable by every local user",
    why: 'Cachet 2.x loads these PHP files on every request, so whoever writes them runs code as the web user.',
    fix: 'Owned by the web user, mode without o+w.',
  },
  {
    id: 'files.writable-area-owner',
    severity: 'medium',
    title: 'storage/ or bootstrap/cache/ holds entries the web user does not own',
    why: 'A log or cache file owned by another account (often root, after running artisan as root) makes the app fail to write it, and that account can change what the app reads.',
    fix: 'chown the writable areas to the web user and group.',
  },
  {
    id: 'files.writable-area-open',
    severity: 'low',
    title: 'storage/ or bootstrap/cache/ is open to other users or has stray mode bits',
    why: 'Other users can enter the directories that hold logs, sessions and caches; files with execute bits or without owner write bits come from blanket chmods.',
    fix: 'Remove o+rwx on the top directories and execute bits on files; keep the owner read and write bits.',
  },
  {
    id: 'files.code-web-writable',
    severity: 'medium',
    title: 'The web user can write application code',
    why: 'A flaw that lets an attacker write files as the web user then lets them change the PHP code itself, a foothold that outlives the flaw.',
    fix: 'Give the code tree to root or a deploy user (for example chown -R root:root, then the writable areas back to the web user); see the notes of this step.',
  },
  {
    id: 'files.tree-links-skipped',
    severity: 'info',
    title: 'Linked directories were not followed',
    why: 'Only the app\'s own storage/, public/ and bootstrap/cache/ are followed through symlinks; modes and owners behind any other link were not checked.',
    fix: 'Check the link targets by hand, or replace the links with the directories themselves.',
  },
  {
    id: 'files.tree-unreadable',
    severity: 'info',
    title: 'Some directories could not be read',
    why: 'Without read access the walk cannot see what is inside, so findings may be missing.',
    fix: 'Run as root (or with sudo) for a complete check.',
  },
] as const satisfies ReadonlyArray<Omit<FindingDefinition, 'step'>>;

type FilesFindingId = (typeof CATALOGUE)[number]['id'];

const ENV_FINDINGS: ReadonlySet<string> = new Set([
  'files.env-world-readable',
  'files.env-writable',
  'files.env-web-owned',
  'files.env-executable',
  'files.env-unreadable',
]);

const MAX_EVIDENCE = 10;

/** The directories where a write probe as the web user proves the app can still write. */
const WRITE_PROBE_DIRS = [
  'storage/logs',
  'storage/framework/cache',
  'storage/framework/sessions',
  'storage/framework/views',
  'bootstrap/cache',
  'bootstrap/cachet',
];

/**
 * Every answers-file key this step may ask for. The step asks only the questions that apply to the
 * findings of a run, so a fleet-wide answers file can name keys that one server is not asked.
 */
export const CHOICE_KEYS: readonly string[] = ['profile'];

export const step: Step = {
  id: 'files',
  title: 'Ownership and mode of .env and other secret files',
  choiceKeys: CHOICE_KEYS,
  catalogue: CATALOGUE.map((definition) => ({ ...definition, step: 'files' as const })),
  inspect,
  choices,
  plan,
};

interface EnvFile {
  /** Path through the app root. */
  path: string;
  /** The file that contains the bytes (the symlink target when `.env` is a link). */
  target: string;
  isLink: boolean;
  stats: Stats;
}

async function inspect(ctx: Context): Promise<Finding[]> {
  const findings: Finding[] = [];
  const env = readEnvFile(ctx);
  if (env) findings.push(...inspectEnv(ctx, env));

  const configCache = lstatOrNull(join(ctx.install.realRoot, CONFIG_CACHE));
  if (configCache?.isFile() && configCache.mode & OTHERS_READ) {
    findings.push(
      finding('files.config-cache-world-readable', [`${CONFIG_CACHE} ${describe(configCache)}`], join(ctx.install.root, CONFIG_CACHE)),
    );
  }

  const tree = await readTree(ctx);
  findings.push(...inspectTree(ctx, tree));
  return findings;
}

function readEnvFile(ctx: Pick<Context, 'install'>): EnvFile | null {
  const path = ctx.install.envPath;
  const link = lstatOrNull(path);
  if (!link) return null;
  if (!link.isSymbolicLink()) return { path, target: path, isLink: false, stats: link };
  try {
    return { path, target: realpathSync(path), isLink: true, stats: statSync(path) };
  } catch {
    // A dangling link: there is nothing to protect; the app step reports the missing .env.
    return null;
  }
}

function inspectEnv(ctx: Context, env: EnvFile): Finding[] {
  const findings: Finding[] = [];
  const { stats } = env;
  const web = ctx.install.webUser;
  const seen = `.env ${describe(stats)}${env.isLink ? ` (symlink to ${env.target})` : ''}`;

  if (env.isLink) findings.push(finding('files.env-symlink', [`.env -> ${env.target}`], env.path));
  if (stats.mode & OTHERS_READ) findings.push(finding('files.env-world-readable', [seen], env.path));
  if (stats.mode & (GROUP_WRITE | OTHERS_WRITE)) findings.push(finding('files.env-writable', [seen], env.path));
  if (ctx.install.line === '3.x' && web.uid !== null && web.uid !== 0 && stats.uid === web.uid) {
    findings.push(finding('files.env-web-owned', [seen, `web user ${web.user} (from ${web.source})`], env.path));
  }
  if (stats.mode & ANY_EXEC) findings.push(finding('files.env-executable', [seen], env.path));
  if (web.uid !== null && web.gid !== null && !canRead(stats, web.uid, web.gid)) {
    findings.push(finding('files.env-unreadable', [seen, `web user ${web.user}:${web.group} (from ${web.source})`], env.path));
  }
  if (stats.nlink > 1) findings.push(finding('files.env-hard-linked', [`${seen}, ${stats.nlink} links`], env.path));
  return findings;
}

function inspectTree(ctx: Context, tree: TreeScan): Finding[] {
  const findings: Finding[] = [];
  const web = ctx.install.webUser;
  const settings = tree.worldWritable.filter(isSettingsCache);
  const others = tree.worldWritable.filter((entry) => !isSettingsCache(entry) && entry.rel !== '.env');

  if (others.length > 0) {
    findings.push(finding('files.tree-world-writable', sampleEvidence(others, `${others.length} entries with o+w`)));
  }
  if (settings.length > 0) {
    findings.push(finding('files.settings-cache-world-writable', sampleEvidence(settings, `${settings.length} files with o+w`)));
  }

  if (web.uid !== null && web.gid !== null) {
    const foreign = tree.writableMismatches.filter((entry) => entry.uid !== web.uid || entry.gid !== web.gid);
    if (foreign.length > 0) {
      findings.push(
        finding(
          'files.writable-area-owner',
          sampleEvidence(foreign, `${foreign.length} entries not owned by ${web.user}:${web.group}`),
        ),
      );
    }
  }
  const open = tree.writableMismatches.filter((entry) => {
    const target = writableTarget(entry, ctx.install.webUser);
    return target.mode !== entry.mode && !(entry.mode & OTHERS_WRITE) && entry.rel !== CONFIG_CACHE;
  });
  if (open.length > 0) {
    findings.push(finding('files.writable-area-open', sampleEvidence(open, `${open.length} entries with other-user or stray mode bits`)));
  }

  if (tree.webWritableCode.count > 0) {
    findings.push(
      finding(
        'files.code-web-writable',
        sampleEvidence(
          tree.webWritableCode.examples,
          `${tree.webWritableCode.count} code entries writable by ${web.user}`,
          tree.webWritableCode.count,
        ),
      ),
    );
  }
  if (tree.skippedLinks.count > 0) {
    const links = tree.skippedLinks.examples.map((entry) => entry.path);
    if (tree.skippedLinks.count > links.length) links.push(`… and ${tree.skippedLinks.count - links.length} more`);
    findings.push(finding('files.tree-links-skipped', links));
  }
  if (tree.unreadable.length > 0) {
    findings.push(finding('files.tree-unreadable', [`${tree.unreadable.length} directories, e.g. ${tree.unreadable.slice(0, 3).join(', ')}`]));
  }
  return findings;
}

function choices(ctx: Context, findings: Finding[]): Choice[] {
  if (!findings.some((item) => ENV_FINDINGS.has(item.id))) return [];
  const web = ctx.install.webUser;
  const is3x = ctx.install.line === '3.x';
  return [
    {
      key: 'profile',
      message: `Who may change .env? (Cachet ${ctx.install.version ?? ctx.install.line})`,
      type: 'select',
      options: [
        {
          value: 'locked',
          label: `locked: root:${web.group} 0640`,
          description: `${web.user} reads .env but cannot change it`,
        },
        {
          value: 'app-managed',
          label: `app-managed: ${web.user}:${web.group} 0600`,
          description: 'Cachet itself may rewrite .env',
        },
      ],
      // 3.x has no code that rewrites .env at run time; 2.x has (setup wizard, dashboard mail settings),
      // so only the operator knows whether those pages are used.
      recommended: is3x ? 'locked' : undefined,
      help:
        'locked keeps the secrets out of reach of the web user: code running as the web user cannot change ' +
        'APP_KEY, debug mode or the database settings. On Cachet 2.x the setup wizard and Dashboard > ' +
        'Settings > Mail write .env as the web user, so under locked those saves fail with "Permission denied" ' +
        'and mail settings must be edited in .env on the command line (then php artisan config:cache). ' +
        'app-managed keeps those pages working, at the price that the web user can rewrite its own configuration. ' +
        'Neither profile lets other users read .env. On SELinux hosts app-managed also needs the ' +
        'httpd_sys_rw_content_t label on .env (semanage fcontext + restorecon); this tool does not change labels.',
    },
  ];
}

async function plan(ctx: Context, findings: Finding[], answers: Choices): Promise<Plan> {
  const changes: Change[] = [];
  const notes: string[] = [];
  const web = ctx.install.webUser;
  const ids = new Set(findings.map((item) => item.id));

  if (web.uid === null || web.gid === null) {
    notes.push(
      `The web user ${web.user}:${web.group} (from ${web.source}) is not in /etc/passwd or /etc/group, so no owner ` +
        'can be planned. Pass the PHP-FPM pool or web server config that names it, or create the account.',
    );
    return { step: 'files', changes, notes };
  }
  const webOwner: Ownership = { uid: web.uid, gid: web.gid, display: `${web.user}:${web.group}` };

  let profile: EnvProfile | null = null;
  const env = readEnvFile(ctx);
  if (env && [...ENV_FINDINGS].some((id) => ids.has(id))) {
    profile = readProfile(answers);
    changes.push(...planEnv(env, profile, webOwner));
  }
  const treeChanges = await planTree(ctx, webOwner);
  changes.push(...treeChanges);

  if (ctx.isRoot && changes.length > 0) {
    if (env && profile) changes.push(...envProbes(env, profile, web.user));
    if (treeChanges.length > 0) changes.push(...writeProbes(ctx, web.user));
  } else if (changes.length > 0) {
    notes.push(`Not running as root, so the checks that ${web.user} can still read .env and write storage/ are left out.`);
  }

  if (ids.has('files.code-web-writable')) {
    notes.push(
      `${web.user} can write application code. Give the code to root or a deploy user, then the writable ` +
        `areas back to ${web.user}, for example: chown -R root:root ${ctx.install.root} && chown -R ` +
        `${web.user}:${web.group} ${[...WRITABLE_TOPS].map((dir) => join(ctx.install.root, dir)).join(' ')} ` +
        `(mind a deploy user that pulls code or runs composer).`,
    );
  }
  if (profile === 'locked' && ctx.install.line === '2.x') {
    notes.push(
      'With the locked profile, Dashboard > Settings > Mail and the setup wizard cannot save: change MAIL_* in ' +
        `.env as root, then run: runuser -u ${web.user} -- php artisan config:cache`,
    );
  }
  return { step: 'files', changes, notes };
}

function readProfile(answers: Choices): EnvProfile {
  const value = answers.profile;
  if (value === 'locked' || value === 'app-managed') return value;
  throw new UsageError(
    `files.profile is ${value === undefined ? 'not set' : `"${value}"`}; it must be "locked" or "app-managed". ` +
      'Answer the prompt, or set {"files": {"profile": "locked"}} in the answers file.',
  );
}

function planEnv(env: EnvFile, profile: EnvProfile, web: Ownership): Change[] {
  const stats = statSync(env.target);
  const to: Ownership =
    profile === 'locked' ? { uid: 0, gid: web.gid, display: `root:${web.display.split(':')[1]}` } : web;
  const mode = profile === 'locked' ? 0o640 : 0o600;
  const changes: Change[] = [];

  if (stats.uid !== to.uid || stats.gid !== to.gid) {
    const change: SetOwnerChange = {
      kind: 'set-owner',
      summary: `chown ${to.display} ${env.target}`,
      targets: [{ path: env.target, from: ownership(stats), to }],
    };
    changes.push(change);
  }
  if ((stats.mode & 0o7777) !== mode) {
    const change: SetModeChange = {
      kind: 'set-mode',
      summary: `chmod ${formatMode(mode)} ${env.target}`,
      targets: [{ path: env.target, from: stats.mode & 0o7777, to: mode }],
    };
    changes.push(change);
  }
  return changes;
}

/**
 * Plans owners and modes for the writable areas and o+w removal elsewhere. Every entry is stat'ed again
 * here, because another step may have changed the tree since the shared walk. What already matches is
 * left out, so a second plan after applying is empty.
 */
async function planTree(ctx: Context, web: Ownership): Promise<Change[]> {
  const tree = await readTree(ctx);
  const ids = { uid: web.uid, gid: web.gid };
  const owners: SetOwnerChange['targets'] = [];
  const modes: SetModeChange['targets'] = [];
  const seen = new Set<string>();

  const candidates: TreeEntry[] = [...tree.writableMismatches, ...tree.worldWritable];
  const configCache = fresh({ path: join(ctx.install.realRoot, CONFIG_CACHE), rel: CONFIG_CACHE, area: 'bootstrap-cache' });
  if (configCache) candidates.push(configCache);

  for (const candidate of candidates) {
    if (seen.has(candidate.path) || candidate.rel === '.env') continue;
    seen.add(candidate.path);
    const entry = fresh(candidate);
    if (!entry) continue;

    if (entry.area === 'storage' || entry.area === 'bootstrap-cache' || entry.area === 'bootstrap-cachet') {
      const target = writableTarget(entry, ids);
      if (entry.uid !== target.uid || entry.gid !== target.gid) {
        owners.push({ path: entry.path, from: ownership(entry), to: web });
      }
      if (entry.mode !== target.mode) modes.push({ path: entry.path, from: entry.mode, to: target.mode });
    } else if (entry.mode & OTHERS_WRITE) {
      modes.push({ path: entry.path, from: entry.mode, to: entry.mode & ~OTHERS_WRITE });
    }
  }

  // chown first: on Linux a chown by root clears setuid/setgid bits of files, which chmod then sets as planned.
  const changes: Change[] = [];
  if (owners.length > 0) {
    changes.push({ kind: 'set-owner', summary: `chown ${web.display} ${countOf(owners.length)} in the writable areas`, targets: owners });
  }
  if (modes.length > 0) {
    changes.push({ kind: 'set-mode', summary: `chmod ${countOf(modes.length)} (no o+w, writable areas closed to other users)`, targets: modes });
  }
  return changes;
}

function fresh(entry: Pick<TreeEntry, 'path' | 'rel' | 'area'>): TreeEntry | null {
  let stats: Stats;
  try {
    // The followed storage/ or bootstrap/cache/ link is changed through its target, as chmod/chown do.
    stats = WRITABLE_TOPS.has(entry.rel) ? statSync(entry.path) : lstatSync(entry.path);
  } catch {
    return null;
  }
  if (stats.isSymbolicLink()) return null;
  return {
    path: entry.path,
    rel: entry.rel,
    area: entry.area,
    mode: stats.mode & 0o7777,
    uid: stats.uid,
    gid: stats.gid,
    type: stats.isDirectory() ? 'dir' : stats.isFile() ? 'file' : 'other',
    reachable: false,
  };
}

function envProbes(env: EnvFile, profile: EnvProfile, user: string): RunCommandChange[] {
  const probes: RunCommandChange[] = [
    { kind: 'run-command', summary: `check that ${user} can read ${env.path}`, argv: ['test', '-r', env.path], user },
  ];
  if (profile === 'app-managed') {
    probes.push({ kind: 'run-command', summary: `check that ${user} can write ${env.path}`, argv: ['test', '-w', env.path], user });
  }
  return probes;
}

function writeProbes(ctx: Pick<Context, 'install'>, user: string): RunCommandChange[] {
  const probes: RunCommandChange[] = [];
  for (const rel of WRITE_PROBE_DIRS) {
    const dir = join(ctx.install.root, rel);
    if (!lstatOrNull(dir)) continue;
    probes.push({
      kind: 'run-command',
      summary: `check that ${user} can create and delete a file in ${rel}/`,
      // The directory is an argument ($1), never part of the script text.
      argv: ['sh', '-c', 'f=$(mktemp -p "$1") && rm -f "$f"', 'sh', dir],
      user,
    });
  }
  return probes;
}

function canRead(stats: Stats, uid: number, gid: number): boolean {
  // NOTE: supplementary groups of the web user are not considered; its primary or configured group is.
  if (uid === 0) return true;
  if (stats.uid === uid) return (stats.mode & 0o400) !== 0;
  if (stats.gid === gid) return (stats.mode & 0o040) !== 0;
  return (stats.mode & OTHERS_READ) !== 0;
}

function isSettingsCache(entry: TreeEntry): boolean {
  return entry.rel.startsWith('bootstrap/cachet/') && entry.rel.endsWith('.php');
}

function ownership(stats: { uid: number; gid: number }): Ownership {
  return { uid: stats.uid, gid: stats.gid, display: ownerDisplay(stats.uid, stats.gid) };
}

function describe(stats: Stats): string {
  return `${formatMode(stats.mode)} ${ownerDisplay(stats.uid, stats.gid)}`;
}

function sampleEvidence(entries: TreeEntry[], headline: string, total = entries.length): string[] {
  const lines = [headline];
  const shown = entries.slice(0, MAX_EVIDENCE);
  for (const entry of shown) {
    lines.push(`${entry.rel}${entry.type === 'dir' ? '/' : ''} ${formatMode(entry.mode)} ${ownerDisplay(entry.uid, entry.gid)}`);
  }
  if (total > shown.length) lines.push(`… and ${total - shown.length} more`);
  return lines;
}

function countOf(count: number): string {
  return count === 1 ? '1 entry' : `${count} entries`;
}

function finding(id: FilesFindingId, evidence: string[], path?: string): Finding {
  const definition = CATALOGUE.find((item) => item.id === id)!;
  return { ...definition, step: 'files', evidence, ...(path ? { path } : {}) };
}
