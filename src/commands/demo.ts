// `cachet-harden --demo`: builds a throw-away Cachet-shaped 2.x install with typical mistakes in a
// temporary directory and runs the real wizard on its file-based steps (files, storage, app). It needs no
// root and no servers: runs, backups and the lock live beside the demo tree.

import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

import { DEFAULT_STATE_DIR, type Answers, type CliOptions, type Io } from '../cli-options.js';
import { buildCachetTree } from '../demo/tree.js';
import { PreconditionError, UsageError } from '../errors.js';
import type { StepId } from '../types.js';
import { groupName } from '../util/users.js';
import { invocation } from '../util/invocation.js';

/** The steps that work on files alone; web and database need a running server. */
export const DEMO_STEPS: readonly StepId[] = ['files', 'storage', 'app'];

/**
 * The fiveai fork's release with the 2021 fixes, in the 2.4 layout. cachethq/cachet 2.4.x has advisories
 * that only an upgrade fixes, so the demo's closing `check` could never pass on it.
 */
const DEMO_VERSION = '2.5.1';

export async function runDemo(options: CliOptions, io: Io): Promise<number> {
  if (!io.interactive && !options.yes && !options.answers && !options.dryRun) {
    throw new UsageError(`--demo without a terminal has nobody to answer its questions: run ${invocation()} --demo --yes.`);
  }

  const base = createDemoDir();
  const root = join(base, 'cachet');
  buildCachetTree(root, { line: '2.x', version: DEMO_VERSION, mistakes: true, configCache: true });
  const stateDir = options.stateDir === DEFAULT_STATE_DIR ? join(base, 'state') : options.stateDir;
  const isRoot = process.getuid?.() === 0;
  const steps = DEMO_STEPS.filter((id) => (options.only === null || options.only.includes(id)) && !options.skip.includes(id));

  const say = (text = ''): void => {
    (options.json ? io.stderr : io.stdout).write(`${text}\n`);
  };
  say(`Demo: a Cachet-shaped 2.x install with typical mistakes is at ${root}`);
  say('  (.env readable by everyone, a copy of .env under public/, storage/ and the config cache open to everyone,');
  say('  debug on, the example APP_KEY). The wizard now runs on it with the steps that need no server:');
  say(`  ${steps.join(', ')}. Nothing outside that directory is changed.`);
  say("  Its artisan is a stand-in, so the config cache is moved into the quarantine instead of rebuilt.");

  // Only root can give files to another account, so without root the demo's PHP user is the one running it.
  let fpmPoolDirs = options.fpmPoolDirs ?? null;
  if (!isRoot) {
    const { user, group } = writeDemoPool(base);
    fpmPoolDirs = [join(base, 'php-fpm')];
    say(`  Not running as root: the demo's PHP user is you (${user}:${group}), so .env gets the app-managed profile.`);
  }
  say();

  const { runWizard } = await import('./wizard.js');
  try {
    return await runWizard(
      {
        ...options,
        path: root,
        only: steps,
        skip: [],
        probe: false,
        stateDir,
        fpmPoolDirs,
        answers: demoAnswers(options, isRoot),
      },
      io,
    );
  } finally {
    // Also after an error (a missing answer without a terminal), so the tree is never left unexplained.
    say();
    say(`The demo install is at ${root}; its runs and backups are in ${stateDir}.`);
    say(`Audit it with:  ${invocation()} check --path ${root} --only ${steps.join(',')}`);
    if (!isRoot) say(`  (check finds the system's PHP user, not the demo's, and may report that it cannot read .env.)`);
    say(`Remove it with: rm -rf ${base}`);
  }
}

function createDemoDir(): string {
  const parent = tmpdir();
  let base: string;
  try {
    base = mkdtempSync(join(parent, 'cachet-harden-demo-'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new PreconditionError(`cannot create the demo directory in ${parent} (${code}). Set TMPDIR to a directory you can write, e.g. TMPDIR=$HOME ${invocation()} --demo.`);
  }
  // Other users (a web user in the wizard's checks) may traverse it, as they would a real install's parent.
  chmodSync(base, 0o755);
  return base;
}

/**
 * Answers the demo fills in unless the user's answers file sets them: the config cache cannot be rebuilt
 * by the stand-in artisan; without root only the app-managed profile can be applied; and `--yes` needs a
 * profile because Cachet 2.x has no recommended one.
 */
function demoAnswers(options: CliOptions, isRoot: boolean): Answers {
  const preset: Answers = { app: { configCache: 'remove' } };
  if (!isRoot) preset.files = { profile: 'app-managed' };
  else if (options.yes) preset.files = { profile: 'locked' };

  const fromFile = options.answers ?? {};
  const merged: Answers = { ...fromFile };
  for (const id of DEMO_STEPS) {
    if (preset[id] || fromFile[id]) merged[id] = { ...preset[id], ...fromFile[id] };
  }
  return merged;
}

/** Writes a PHP-FPM pool file that names the current user, so the wizard detects it as the web user. */
function writeDemoPool(base: string): { user: string; group: string } {
  const { username, gid } = userInfo();
  const group = groupName(gid);
  const dir = join(base, 'php-fpm');
  mkdirSync(dir);
  writeFileSync(join(dir, 'demo.conf'), `; The demo's PHP-FPM pool: read for its user, never started.\n[demo]\nuser = ${username}\ngroup = ${group}\n`);
  return { user: username, group };
}
