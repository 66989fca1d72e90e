// Install detection: find the Cachet tree, its line, version and phpdotenv dialect, parse `.env` and
// read the database settings and the web server user.

import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

import type { CliOptions } from '../cli-options.js';
import { EnvParseError, parseEnv, type Dialect, type EnvDocument } from '../dotenv/index.js';
import { PreconditionError, UsageError } from '../errors.js';
import type { CachetLine, Install } from '../types.js';
import { readDbSettings } from './db-settings.js';
import { detectWebUser } from './web-user.js';

/** Places a package or a tutorial usually puts Cachet, tried in order when no --path is given. */
export const COMMON_PLACES = ['/var/www/cachet', '/var/www/Cachet', '/var/www/html', '/srv/cachet', '/opt/cachet'];

export interface DetectOptions extends Pick<CliOptions, 'path' | 'cwd' | 'env'> {
  /** Extra PHP-FPM pool directories to read for the web user (tests, unusual layouts). */
  fpmPoolDirs?: string[] | null;
  nginxConf?: string | null;
  apacheConf?: string | null;
}

export async function detectInstall(options: DetectOptions): Promise<Install> {
  const root = locateRoot(options);
  const realRoot = realpathSync(root);
  const composer = readComposer(root);
  const line = detectLine(root, composer);
  const { version, versionSource } = readVersion(root, line);
  const { dialect, dialectSource } = detectDialect(root, line);
  const envPath = join(root, '.env');
  const { env, envError } = readEnv(envPath, dialect);

  return {
    root,
    realRoot,
    line,
    version,
    versionSource,
    isFork: isForkVersion(version),
    dialect,
    dialectSource,
    envPath,
    env,
    envError,
    db: readDbSettings(env, line),
    webUser: detectWebUser({
      fpmPoolDirs: options.fpmPoolDirs ?? null,
      nginxConf: options.nginxConf ?? null,
      apacheConf: options.apacheConf ?? null,
    }),
  };
}

/** Lists what a directory lacks to be a Cachet tree; empty when it is one. */
export function missingCachetParts(dir: string): string[] {
  const missing: string[] = [];
  if (!existsSync(join(dir, 'artisan'))) missing.push('artisan');
  if (!existsSync(join(dir, 'public', 'index.php'))) missing.push('public/index.php');
  const composer = readComposer(dir);
  if (composer === null) missing.push('composer.json');
  else if (!namesCachet(composer)) missing.push('composer.json naming cachethq/cachet or cachethq/core');
  return missing;
}

function locateRoot(options: DetectOptions): string {
  if (options.path !== null) {
    const dir = isAbsolute(options.path) ? options.path : resolve(options.cwd, options.path);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new UsageError(`--path ${dir}: no such directory. Pass the directory that contains Cachet's artisan and .env.`);
    }
    const missing = missingCachetParts(dir);
    if (missing.length > 0) {
      throw new PreconditionError(
        `${dir} is not a Cachet installation: missing ${missing.join(', ')}. Pass the Cachet app root with --path.`,
      );
    }
    return dir;
  }

  for (const dir of [options.cwd, ...COMMON_PLACES]) {
    if (existsSync(dir) && missingCachetParts(dir).length === 0) return dir;
  }
  throw new PreconditionError(
    `No Cachet installation found in ${options.cwd} or in ${COMMON_PLACES.join(', ')}. ` +
      'Pass the Cachet app root with --path DIR (the directory that contains artisan and .env).',
  );
}

interface ComposerInfo {
  name: string | null;
  requires: string[];
}

function readComposer(dir: string): ComposerInfo | null {
  try {
    const json = JSON.parse(readFileSync(join(dir, 'composer.json'), 'utf8')) as {
      name?: unknown;
      require?: Record<string, unknown>;
    };
    return {
      name: typeof json.name === 'string' ? json.name.toLowerCase() : null,
      requires: Object.keys(json.require ?? {}).map((name) => name.toLowerCase()),
    };
  } catch {
    return null;
  }
}

function namesCachet(composer: ComposerInfo): boolean {
  return composer.name === 'cachethq/cachet' || composer.requires.includes('cachethq/core');
}

function detectLine(root: string, composer: ComposerInfo | null): CachetLine {
  if (composer?.requires.includes('cachethq/core')) return '3.x';
  if (existsSync(join(root, 'vendor', 'cachethq', 'core'))) return '3.x';
  return '2.x';
}

function readVersion(root: string, line: CachetLine): { version: string | null; versionSource: string | null } {
  const candidates = line === '3.x' ? [join('vendor', 'cachethq', 'core', 'VERSION'), 'VERSION'] : ['VERSION'];
  for (const relative of candidates) {
    const text = readText(join(root, relative));
    if (text !== null && text.trim() !== '') return { version: text.trim(), versionSource: relative };
  }
  const locked = lockedPackageVersion(root, line === '3.x' ? 'cachethq/core' : 'cachethq/cachet');
  if (locked !== null) return { version: locked.replace(/^v/, ''), versionSource: 'composer.lock' };
  return { version: null, versionSource: null };
}

/** Chooses the dialect from the phpdotenv version composer.lock pins, else from the Cachet line. */
function detectDialect(root: string, line: CachetLine): { dialect: Dialect; dialectSource: string } {
  const locked = lockedPackageVersion(root, 'vlucas/phpdotenv');
  const major = locked === null ? NaN : Number(/^v?(\d+)/.exec(locked)?.[1]);
  if (Number.isInteger(major)) {
    // phpdotenv 2.x and 3.x share the unquoted-comment and first-wins rules closest to 2.6; 4.x and 5.x
    // share the 5.x lexer rules.
    const dialect: Dialect = major >= 4 ? 'phpdotenv5' : 'phpdotenv2';
    return { dialect, dialectSource: `composer.lock: vlucas/phpdotenv ${locked}` };
  }
  return {
    dialect: line === '3.x' ? 'phpdotenv5' : 'phpdotenv2',
    dialectSource: `Cachet ${line} (composer.lock names no vlucas/phpdotenv)`,
  };
}

function lockedPackageVersion(root: string, name: string): string | null {
  const text = readText(join(root, 'composer.lock'));
  if (text === null) return null;
  try {
    const lock = JSON.parse(text) as { packages?: Array<{ name?: string; version?: string }> };
    const entry = lock.packages?.find((pkg) => pkg.name?.toLowerCase() === name);
    return entry?.version ?? null;
  } catch {
    return null;
  }
}

function readEnv(envPath: string, dialect: Dialect): Pick<Install, 'env' | 'envError'> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(envPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? `${envPath} does not exist` : `${envPath} cannot be read (${code})`;
    return { env: null, envError: { message, line: null } };
  }
  try {
    const env: EnvDocument = parseEnv(bytes, dialect);
    return { env, envError: null };
  } catch (error) {
    if (error instanceof EnvParseError) {
      return { env: null, envError: { message: error.message, line: error.line } };
    }
    throw error;
  }
}

/** The fiveai fork continues the 2.x line at 2.5; cachethq's own 2.x stops at 2.4. */
function isForkVersion(version: string | null): boolean {
  return version !== null && /^v?2\.(5|[6-9])(\.|$|-)/.test(version);
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
