// Environment variables set by web-server and PHP-FPM config: Apache `SetEnv`, nginx `fastcgi_param`,
// PHP-FPM `env[...]`. Such a variable reaches PHP's environment before phpdotenv reads `.env`, and
// phpdotenv (2.x, and 5.x as Laravel loads it) never overwrites a variable that is already set, so the
// server config wins over `.env`.

import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { RunOptions } from '../types.js';

export type ServerEnvSyntax = 'SetEnv' | 'fastcgi_param' | 'env[]';

export interface ServerEnvLine {
  file: string;
  /** 1-based line number. */
  line: number;
  syntax: ServerEnvSyntax;
  key: string;
  /** The value as written, quotes removed; may be a secret, so never printed unmasked. */
  value: string;
}

/** Config directories of the usual Debian and RHEL layouts. */
export const SYSTEM_CONFIG_DIRS = ['/etc/nginx', '/etc/apache2', '/etc/httpd', '/etc/php-fpm.d'];

const MAX_FILE_BYTES = 2 * 1024 * 1024;
const MAX_DEPTH = 6;

const PATTERNS: Array<{ syntax: ServerEnvSyntax; pattern: RegExp }> = [
  { syntax: 'SetEnv', pattern: /^\s*SetEnv\s+([A-Za-z_][A-Za-z0-9_]*)(?:\s+(.*?))?\s*$/i },
  { syntax: 'fastcgi_param', pattern: /^\s*fastcgi_param\s+([A-Za-z_][A-Za-z0-9_]*)\s+(.*?)\s*(?:if_not_empty\s*)?;/ },
  { syntax: 'env[]', pattern: /^\s*env\[\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*\]\s*=\s*(.*?)\s*$/ },
];

/**
 * Lists the directories to read: the system layouts, every PHP version's `fpm/pool.d`, and the
 * directories of the nginx and Apache config and FPM pools given on the command line.
 */
export function serverConfigDirs(options: Pick<RunOptions, 'nginxConf' | 'apacheConf' | 'fpmPoolDirs'>): string[] {
  const dirs = [...SYSTEM_CONFIG_DIRS];
  try {
    for (const version of readdirSync('/etc/php')) dirs.push(join('/etc/php', version, 'fpm', 'pool.d'));
  } catch {
    // No Debian PHP layout.
  }
  return [...dirs, ...extraConfigDirs(options)];
}

/** Only the directories named on the command line (what tests and unusual layouts pass). */
export function extraConfigDirs(options: Pick<RunOptions, 'nginxConf' | 'apacheConf' | 'fpmPoolDirs'>): string[] {
  const dirs: string[] = [];
  if (options.nginxConf) dirs.push(dirname(options.nginxConf));
  if (options.apacheConf) dirs.push(dirname(options.apacheConf));
  dirs.push(...(options.fpmPoolDirs ?? []));
  return dirs;
}

/**
 * Reads every config file under the directories (links to files followed, each file once), then the
 * single files given, such as the app's `.htaccess` files that Apache also reads.
 */
export function findServerEnvLines(dirs: string[], files: string[] = []): ServerEnvLine[] {
  const found: ServerEnvLine[] = [];
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>();
  for (const dir of dirs) walk(dir, 0, seenDirs, seenFiles, found);
  for (const file of files) readConfigFile(file, seenFiles, found);
  return found;
}

function walk(dir: string, depth: number, seenDirs: Set<string>, seenFiles: Set<string>, found: ServerEnvLine[]): void {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return;
  }
  if (seenDirs.has(real) || depth > MAX_DEPTH) return;
  seenDirs.add(real);

  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    let stats;
    try {
      stats = statSync(path);
    } catch {
      continue;
    }
    if (stats.isDirectory()) walk(path, depth + 1, seenDirs, seenFiles, found);
    else if (stats.isFile() && stats.size <= MAX_FILE_BYTES) readConfigFile(path, seenFiles, found);
  }
}

function readConfigFile(path: string, seenFiles: Set<string>, found: ServerEnvLine[]): void {
  let real: string;
  let text: string;
  try {
    if (!statSync(path).isFile() || statSync(path).size > MAX_FILE_BYTES) return;
    real = realpathSync(path);
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    text = readFileSync(path, 'utf8');
  } catch {
    return;
  }
  if (text.includes('\0')) return;

  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (/^\s*[#;]/.test(line)) continue;
    for (const { syntax, pattern } of PATTERNS) {
      const match = pattern.exec(line);
      if (!match) continue;
      found.push({ file: path, line: index + 1, syntax, key: match[1]!, value: unquote(match[2] ?? '') });
      break;
    }
  }
}

function unquote(value: string): string {
  const quoted = /^(["'])(.*)\1$/.exec(value);
  return quoted ? quoted[2]! : value;
}

/** Names that hold secrets: passwords, keys, tokens (DB_PASSWORD, APP_KEY, MAIL_PASSWORD, GITHUB_TOKEN, ...). */
export function isSecretKey(key: string): boolean {
  return /(^|_)(PASSWORD|PASSWD|PASS|SECRET|TOKEN|KEY)$/i.test(key);
}
