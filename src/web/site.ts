// The parts of nginx and Apache sites that this step treats alike. They include where a URL prefix maps
// into the file system, how that directory relates to the Cachet app root, which private files an app
// tree contains, and the parameters of the drop-in that blocks them.

import { createHash } from 'node:crypto';
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export type WebServerKind = 'nginx' | 'apache';

export interface SourcePosition {
  file: string;
  line: number;
}

export interface Listen {
  /** Address as written, or `*` for every address. */
  address: string;
  port: number;
  ssl: boolean;
  isDefault: boolean;
}

/**
 * How a served directory relates to the app root: `public` is the intended web root, `app-root` and
 * `inside-app` serve what public/ should hide, `ancestor` serves the whole app under a URL prefix.
 */
export type RootRelation = 'public' | 'app-root' | 'inside-app' | 'ancestor';

/** One URL prefix of a site and the directory it serves (the root, or an alias). */
export interface Mount {
  urlPrefix: string;
  dir: string;
  relation: RootRelation;
  position: SourcePosition | null;
}

/** Parameters of the deny drop-in; the rendered text depends on nothing else. */
export interface DropInSpec {
  /** Serve /.well-known/acme-challenge/ ahead of every regex rule. */
  acme: boolean;
  /** Root for ACME files when an existing acme location used its own. */
  acmeRoot: string | null;
  /** URL-path regular expressions (PCRE) that get a 404: the app under an ancestor root, app-root entries. */
  denyPatterns: string[];
  /** Directories denied outright (Apache `<Directory>`); the app root under an ancestor document root. */
  denyDirectories: string[];
}

export const DROP_IN_DIR_NAME = 'cachet-harden';
export const MANAGED_MARKER = 'managed by cachet-harden';

/** Private files and directories of a Laravel app root that the web must never serve, as relative paths. */
export const APP_SECRETS = ['.env', '.git/config', '.git/HEAD', 'storage/logs/laravel.log', 'bootstrap/cache/config.php'];

/** File-name suffixes of editor and backup copies (vim, nano, emacs, patch, manual copies). */
export const BACKUP_SUFFIXES = ['~', '.bak', '.swp', '.save', '.orig', '.old', '.backup'];

export function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Classifies a served directory against the app root; null when it cannot reach the app. */
export function relateToApp(dir: string, appRoot: string): RootRelation | null {
  const served = stripSlash(realpathOrSelf(dir));
  const app = stripSlash(appRoot);
  if (served === join(app, 'public')) return 'public';
  if (served === app) return 'app-root';
  if (isInside(served, app)) return isInside(served, join(app, 'public')) ? null : 'inside-app';
  if (isInside(app, served)) return 'ancestor';
  return null;
}

/** Checks that `child` lies strictly below `parent`. */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..';
}

export function stripSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** Joins a URL prefix and a relative path with exactly one slash between them. */
export function joinUrl(prefix: string, rel: string): string {
  const left = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const right = rel.startsWith('/') ? rel.slice(1) : rel;
  return `${left}/${right}`;
}

/** URL path under which the app root itself is served through this mount. */
export function appUrlPrefix(mount: Mount, appRoot: string): string {
  if (mount.relation === 'ancestor') return joinUrl(mount.urlPrefix, relative(realpathOrSelf(mount.dir), appRoot).split(sep).join('/'));
  return mount.urlPrefix;
}

/** Escapes text for a PCRE pattern. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, (ch) => (ch === '/' ? '/' : `\\${ch}`));
}

/** Lists the deny patterns and directories a mount needs beyond the generic dotfile and backup rules. */
export function mountDenies(mount: Mount, appRoot: string): Pick<DropInSpec, 'denyPatterns' | 'denyDirectories'> {
  if (mount.relation === 'ancestor') {
    return {
      denyPatterns: [`^${escapeRegex(appUrlPrefix(mount, appRoot))}(?:/|$)`],
      denyDirectories: [appRoot],
    };
  }
  if (mount.relation === 'app-root' || mount.relation === 'inside-app') {
    const names = listNonPublicEntries(realpathOrSelf(mount.dir));
    if (names.length === 0) return { denyPatterns: [], denyDirectories: [] };
    const prefix = mount.urlPrefix.endsWith('/') ? mount.urlPrefix : `${mount.urlPrefix}/`;
    return { denyPatterns: [`^${escapeRegex(prefix)}(?:${names.map(escapeRegex).join('|')})(?:/|$)`], denyDirectories: [] };
  }
  return { denyPatterns: [], denyDirectories: [] };
}

/** Top-level entries of a served app directory other than public/ and dotfiles (the dotfile rule covers those). */
function listNonPublicEntries(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name !== 'public' && !name.startsWith('.'))
      .sort();
  } catch {
    return ['app', 'artisan', 'bootstrap', 'composer.json', 'composer.lock', 'config', 'database', 'resources', 'routes', 'storage', 'vendor'];
  }
}

/** Names a drop-in stably: the plain name for the common case, a content hash otherwise. */
export function dropInName(spec: DropInSpec): string {
  if (spec.acme && spec.acmeRoot === null && spec.denyPatterns.length === 0 && spec.denyDirectories.length === 0) {
    return 'cachet-harden.conf';
  }
  const hash = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 8);
  return `cachet-harden-${hash}.conf`;
}

export function mergeSpecs(specs: DropInSpec[]): DropInSpec {
  const out: DropInSpec = { acme: true, acmeRoot: null, denyPatterns: [], denyDirectories: [] };
  for (const spec of specs) {
    out.acme &&= spec.acme;
    out.acmeRoot ??= spec.acmeRoot;
    for (const pattern of spec.denyPatterns) if (!out.denyPatterns.includes(pattern)) out.denyPatterns.push(pattern);
    for (const dir of spec.denyDirectories) if (!out.denyDirectories.includes(dir)) out.denyDirectories.push(dir);
  }
  return out;
}

/**
 * Finds dotfiles and backup copies inside a served directory (depth-limited, no symlinked directories),
 * returned as paths relative to it. Vendor trees are skipped: they hold many harmless dotfiles.
 */
export function findPrivateFiles(dir: string, maxDepth = 3): string[] {
  const found: string[] = [];
  const walk = (current: string, rel: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(current);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const path = join(current, name);
      const relPath = rel === '' ? name : `${rel}/${name}`;
      if (name === '.well-known') continue;
      let isDir = false;
      try {
        isDir = statSync(path).isDirectory();
      } catch {
        continue;
      }
      if (name.startsWith('.')) {
        if (isDir) {
          if (name === '.git') found.push(`${relPath}/config`);
          continue;
        }
        found.push(relPath);
        continue;
      }
      if (!isDir && BACKUP_SUFFIXES.some((suffix) => name.endsWith(suffix))) found.push(relPath);
      if (isDir && depth < maxDepth && name !== 'vendor' && name !== 'node_modules') walk(path, relPath, depth + 1);
    }
  };
  walk(dir, '', 1);
  return found;
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

export type OutcomeKind = 'denied' | 'redirect' | 'passed' | 'static';

/** Handling of one URI by a site, as far as its configuration shows. */
export interface RequestOutcome {
  kind: OutcomeKind;
  /** The rule or location that decided, e.g. `location ~ /\.ht (…/default:12)`. */
  detail: string;
  /** File a static response maps to; null when the mapping is not known. */
  file: string | null;
}

/** A site (nginx server block, Apache virtual host or main server) as the shared checks see it. */
export interface SiteView {
  server: WebServerKind;
  /** e.g. `server www.example.com (/etc/nginx/sites-enabled/default:1)`. */
  label: string;
  position: SourcePosition;
  names: string[];
  listens: Listen[];
  mounts: Mount[];
  resolve(uri: string): RequestOutcome;
}

export interface SiteIssue {
  id: string;
  evidence: string[];
  path?: string;
}
