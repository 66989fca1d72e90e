// app: insecure settings in `.env`, evaluated the way Cachet reads them, and the advisories of the
// installed version. Fixes are `.env` edits (then a config cache rebuild); advisories and leaked values
// get advice only.

import { join } from 'node:path';

import { advisoriesFor, type Advisory } from '../cachet/advisories.js';
import { classifyAppKey, describeAppKey, generateAppKey } from '../cachet/app-key.js';
import { judgeDbCredentials } from '../cachet/db-credentials.js';
import { envBool, laravelEnv, type EnvDocument, type EnvEntry } from '../dotenv/index.js';
import type { Change, EnvAssignment } from '../plan/changes.js';
import { lstatOrNull } from '../scan/modes.js';
import { isSecretKey } from '../scan/server-config.js';
import { CONFIG_CACHE } from '../scan/tree.js';
import { UsageError } from '../errors.js';
import type { Choice, Choices, Context, Finding, FindingDefinition, Plan, Step } from '../types.js';

const CATALOGUE = [
  {
    id: 'app.env-unparseable',
    severity: 'critical',
    title: '.env does not parse',
    why: 'phpdotenv rejects the file, so every request fails with an error page until the line is fixed.',
    fix: 'Fix the line named below by hand (quote values with spaces); this tool never rewrites a file it cannot parse.',
  },
  {
    id: 'app.env-missing',
    severity: 'medium',
    title: '.env is missing or unreadable',
    why: 'Without .env Cachet runs on built-in defaults or on variables from the server environment, which nobody reviews here.',
    fix: 'Create .env from .env.example with production values, or check the path given with --path.',
  },
  {
    id: 'app.debug-enabled',
    severity: 'critical',
    title: 'Debug mode is on',
    why: "Laravel's debug error page prints the environment, the database password and APP_KEY included, to any visitor who triggers an error. Cachet reads APP_DEBUG with PHP's (bool) cast, so off, no and yes all mean on.",
    fix: 'Set APP_DEBUG=false and rebuild the config cache.',
  },
  {
    id: 'app.env-not-production',
    severity: 'high',
    title: 'APP_ENV is not production',
    why: 'Outside production Laravel and Cachet relax checks, show development tools and run migrations without asking.',
    fix: 'Set APP_ENV=production.',
  },
  {
    id: 'app.key-invalid',
    severity: 'critical',
    title: 'APP_KEY is missing, a placeholder or malformed',
    why: 'AES-256-CBC needs exactly 32 bytes (raw, or base64 after a base64: prefix); anything else breaks sessions and encryption, and a placeholder is known to everyone.',
    fix: 'Generate a new key: base64: and 32 random bytes (php artisan key:generate does the same).',
  },
  {
    id: 'app.key-known',
    severity: 'high',
    title: 'APP_KEY is well-formed but publicly known',
    why: 'With the key anyone can forge session and remember-me cookies and decrypt what the app encrypted; on old Laravel releases a forged cookie runs code.',
    fix: 'Replace the key (every user is logged out; 3.x encrypted settings must be entered again).',
  },
  {
    id: 'app.debugbar-enabled',
    severity: 'high',
    title: 'Laravel Debugbar is enabled',
    why: 'The debug bar shows queries, session data and configuration to visitors, and its routes answer requests.',
    fix: 'Set DEBUGBAR_ENABLED=false (or remove the dev dependency with composer install --no-dev).',
  },
  {
    id: 'app.beacon-enabled',
    severity: 'low',
    title: 'Telemetry to the Cachet project is on (CACHET_BEACON)',
    why: 'The beacon reports the installation to the vendor; it is on unless set to false.',
    fix: 'Set CACHET_BEACON=false.',
  },
  {
    id: 'app.session-cookie-insecure',
    severity: 'medium',
    title: 'Session cookies may travel over plain HTTP',
    why: 'APP_URL is https, but without SESSION_SECURE_COOKIE=true the browser also sends the session cookie over http, where it can be read on the network.',
    fix: 'Set SESSION_SECURE_COOKIE=true (Cachet 2.3 hard-codes insecure cookies; upgrade).',
  },
  {
    id: 'app.url-not-https',
    severity: 'low',
    title: 'APP_URL does not use https',
    why: 'Links in e-mails and redirects point at http, and logins travel unencrypted.',
    fix: 'Serve the site over TLS and set APP_URL=https://...',
  },
  {
    id: 'app.demo-mode',
    severity: 'critical',
    title: 'Demo mode is on (CACHET_DEMO_MODE)',
    why: 'Cachet 3.x demo mode re-seeds a known administrator account (test@test.com / test123) every 30 minutes.',
    fix: 'Set CACHET_DEMO_MODE=false and remove the demo account.',
  },
  {
    id: 'app.blade-renderer',
    severity: 'medium',
    title: 'The Blade template renderer is enabled (CACHET_BLADE_RENDERER)',
    why: 'Blade templates compile to PHP and run with the application\'s permissions, so any dashboard user who edits a template runs code on the server.',
    fix: 'Set CACHET_BLADE_RENDERER=false; the sandboxed Twig renderer stays available.',
  },
  {
    id: 'app.log-level-debug',
    severity: 'medium',
    title: 'LOG_LEVEL is debug',
    why: 'Cachet 3.x logs at debug level unless LOG_LEVEL says otherwise, which writes request details and queries to storage/logs.',
    fix: 'Set LOG_LEVEL=warning.',
  },
  {
    id: 'app.env-secret-reference',
    severity: 'high',
    title: 'A .env value references a secret through ${...} (possible CVE-2021-39174 use)',
    why: 'phpdotenv expands ${NAME}, so a setting shown on pages or in e-mails (for example MAIL_NAME) reveals the referenced secret; on 2.x dashboard users could plant such references.',
    fix: 'Replace the value with plain text and rotate the referenced secret if the value was ever shown.',
  },
  {
    id: 'app.env-injected-keys',
    severity: 'high',
    title: 'Security keys reappear after the MAIL_* block (CVE-2021-39172 trace)',
    why: 'Cachet 2.x wrote dashboard mail settings into .env unchecked, so a newline in a mail field appended arbitrary keys; which duplicate wins depends on the phpdotenv version.',
    fix: 'Delete the duplicated lines after the MAIL_* block by hand and review who has dashboard access.',
  },
  {
    id: 'app.advisory',
    severity: 'high',
    title: 'This Cachet version has published vulnerabilities',
    why: 'cachethq/cachet 2.x never received the 2021 fixes; they exist only in the fiveai/Cachet fork (2.5.1) and the 3.x line.',
    fix: 'Upgrade to fiveai/Cachet 2.5.1 or later, or to Cachet 3.x; until then allow /dashboard and /api only from trusted addresses.',
  },
  {
    id: 'app.advisory-critical',
    severity: 'critical',
    title: 'This Cachet version has a published unauthenticated vulnerability',
    why: 'CVE-2021-39165 lets anyone who reaches the public API read the database through SQL injection; cachethq/cachet 2.x was never fixed.',
    fix: 'Upgrade to fiveai/Cachet 2.5.0 or later, or to Cachet 3.x; until then block /api from untrusted addresses.',
  },
] as const satisfies ReadonlyArray<Omit<FindingDefinition, 'step'>>;

type AppFindingId = (typeof CATALOGUE)[number]['id'];

/** Keys whose values are secrets for the ${...} reference check. */
function isSecretName(name: string): boolean {
  return isSecretKey(name) || /^(DB_PASSWORD|APP_KEY|MAIL_PASSWORD|REDIS_PASSWORD)$/.test(name);
}

/**
 * Every answers-file key this step may ask for. The step asks only the questions that apply to the
 * findings of a run, so a fleet-wide answers file can name keys that one server is not asked.
 */
export const CHOICE_KEYS: readonly string[] = ['production', 'appKey', 'configCache'];

export const step: Step = {
  id: 'app',
  title: 'Unused features and insecure defaults',
  choiceKeys: CHOICE_KEYS,
  catalogue: CATALOGUE.map((definition) => ({ ...definition, step: 'app' as const })),
  inspect,
  choices,
  plan,
};

async function inspect(ctx: Context): Promise<Finding[]> {
  const findings: Finding[] = [];
  const { install } = ctx;

  const advisories = advisoriesFor(install.line, install.version);
  findings.push(...advisoryFindings(advisories, install.version));

  const env = install.env;
  if (!env) {
    const error = install.envError;
    if (error && error.line !== null) {
      findings.push(finding('app.env-unparseable', [`${install.envPath} line ${error.line}: ${error.message}`], install.envPath));
    } else {
      findings.push(finding('app.env-missing', [error?.message ?? `${install.envPath} was not read`], install.envPath));
    }
    return findings;
  }

  findings.push(...settingFindings(ctx, env));
  findings.push(...traceFindings(env));
  // Default and weak database credentials are the database step's findings (db.*), with or without a
  // connection, so they are not repeated here.
  return findings;
}

/** Judges each setting as Cachet reads it: env() keywords and quotes first, then PHP's (bool) where Cachet casts. */
function settingFindings(ctx: Context, env: EnvDocument): Finding[] {
  const { install } = ctx;
  const findings: Finding[] = [];
  const at = (key: string): string => {
    const entry = effectiveEntry(env, key);
    return entry ? `${key}=${entry.rawValue} (line ${entry.line})` : `${key} not set`;
  };
  const value = (key: string) => laravelEnv(env.get(key), env.dialect);
  const bool = (key: string) => envBool(env.get(key), env.dialect);
  const path = install.envPath;

  if (bool('APP_DEBUG')) findings.push(finding('app.debug-enabled', [at('APP_DEBUG')], path));
  const appEnv = value('APP_ENV');
  // Unset APP_ENV means production: config/app.php reads env('APP_ENV', 'production') in both lines.
  if (appEnv !== undefined && appEnv !== 'production') findings.push(finding('app.env-not-production', [at('APP_ENV')], path));

  const key = value('APP_KEY');
  // env() turns `null` into null and `empty` into ''; true/false keywords are not keys either.
  const keyText = typeof key === 'string' ? key : null;
  const keyState = classifyAppKey(keyText);
  if (keyState.kind === 'known') findings.push(finding('app.key-known', [describeAppKey(keyState)], path));
  else if (keyState.kind !== 'valid') findings.push(finding('app.key-invalid', [describeAppKey(keyState)], path));

  if (bool('DEBUGBAR_ENABLED')) findings.push(finding('app.debugbar-enabled', [at('DEBUGBAR_ENABLED')], path));
  // The beacon defaults to on (config/cachet.php: env('CACHET_BEACON', true)), so only an explicit off counts.
  if (!env.has('CACHET_BEACON') || bool('CACHET_BEACON')) findings.push(finding('app.beacon-enabled', [at('CACHET_BEACON')], path));

  const url = value('APP_URL');
  const isHttps = typeof url === 'string' && /^https:\/\//i.test(url);
  if (isHttps && !bool('SESSION_SECURE_COOKIE')) {
    findings.push(finding('app.session-cookie-insecure', [at('APP_URL'), at('SESSION_SECURE_COOKIE')], path));
  }
  if (typeof url === 'string' && /^http:\/\//i.test(url) && !isLocalUrl(url)) {
    findings.push(finding('app.url-not-https', [at('APP_URL')], path));
  }

  if (install.line === '3.x') {
    if (bool('CACHET_DEMO_MODE')) findings.push(finding('app.demo-mode', [at('CACHET_DEMO_MODE')], path));
    if (bool('CACHET_BLADE_RENDERER')) findings.push(finding('app.blade-renderer', [at('CACHET_BLADE_RENDERER')], path));
    // Laravel 11's config/logging.php defaults LOG_LEVEL to debug.
    const level = value('LOG_LEVEL');
    if (level === undefined || (typeof level === 'string' && level.toLowerCase() === 'debug')) {
      findings.push(finding('app.log-level-debug', [at('LOG_LEVEL')], path));
    }
  }
  return findings;
}

/** Traces of the 2021 dashboard-to-.env bugs: ${...} references to secrets, keys repeated after MAIL_*. */
function traceFindings(env: EnvDocument): Finding[] {
  const findings: Finding[] = [];
  const entries = env.entries();

  const references: string[] = [];
  for (const entry of entries) {
    for (const match of entry.rawValue.matchAll(/\$\{([A-Za-z0-9_.]+)\}/g)) {
      if (isSecretName(match[1]!)) references.push(`line ${entry.line}: ${entry.key} references \${${match[1]}}`);
    }
  }
  if (references.length > 0) findings.push(finding('app.env-secret-reference', references));

  const firstMail = entries.find((entry) => entry.key.startsWith('MAIL_'));
  if (firstMail) {
    const repeated: string[] = [];
    for (const entry of entries) {
      if (entry.line <= firstMail.line || !/^(APP|DB)_/.test(entry.key)) continue;
      const earlier = entries.find((other) => other.key === entry.key && other.line < entry.line);
      if (!earlier) continue;
      const winner = env.dialect === 'phpdotenv2' ? earlier.line : lastLineOf(entries, entry.key);
      repeated.push(`${entry.key} on line ${earlier.line} and again on line ${entry.line}, after MAIL_* (line ${winner} takes effect)`);
    }
    if (repeated.length > 0) findings.push(finding('app.env-injected-keys', repeated));
  }
  return findings;
}

function advisoryFindings(advisories: Advisory[], version: string | null): Finding[] {
  const label = version === null ? 'version unknown, assumed affected' : `version ${version}`;
  const findings: Finding[] = [];
  const critical = advisories.filter((advisory) => advisory.severity === 'critical');
  const others = advisories.filter((advisory) => advisory.severity !== 'critical');
  const lines = (list: Advisory[]) => [label, ...list.map((advisory) => `${advisory.id}: ${advisory.title} (fixed in ${advisory.fixedIn})`)];
  if (critical.length > 0) findings.push(finding('app.advisory-critical', lines(critical)));
  if (others.length > 0) findings.push(finding('app.advisory', lines(others)));
  return findings;
}

function choices(ctx: Context, findings: Finding[]): Choice[] {
  const ids = new Set(findings.map((item) => item.id));
  const list: Choice[] = [];
  const web = ctx.install.webUser;

  if (['app.debug-enabled', 'app.env-not-production', 'app.log-level-debug', 'app.debugbar-enabled'].some((id) => ids.has(id))) {
    list.push({
      key: 'production',
      message: 'Is this the production site? (turns debug output off)',
      type: 'confirm',
      options: [
        { value: 'yes', label: 'yes', description: 'APP_ENV=production, APP_DEBUG=false, no debug bar, quieter logs' },
        { value: 'no', label: 'no', description: 'a development copy: leave debug settings alone' },
      ],
      recommended: 'yes',
      help: 'Debug settings show secrets to visitors. Keep them only on a machine nobody else can reach.',
    });
  }
  if (ids.has('app.key-known')) {
    list.push({
      key: 'appKey',
      message: 'Replace the publicly known APP_KEY?',
      type: 'select',
      options: [
        { value: 'rotate', label: 'rotate', description: 'new random key; everyone is logged out' },
        { value: 'keep', label: 'keep', description: 'leave the key (the finding stays)' },
      ],
      // Replacing a working key logs every user out and, on 3.x, makes encrypted settings unreadable, so
      // only the operator can decide.
      recommended: undefined,
      help:
        'A known key lets anyone forge session cookies. A new key logs every user out, and on Cachet 3.x ' +
        'settings stored encrypted (mail passwords) must be entered again.',
    });
  }
  if (configCacheExists(ctx) && (assignments(ctx, ids, {}).length > 0 || ids.has('app.key-known'))) {
    list.push({
      key: 'configCache',
      message: `bootstrap/cache/config.php exists: Laravel ignores .env until it is rebuilt. Rebuild or remove it?`,
      type: 'select',
      options: [
        { value: 'rebuild', label: 'rebuild', description: `php artisan config:cache as ${web.user}` },
        { value: 'remove', label: 'remove', description: 'move it into the quarantine; Laravel then reads .env on every request' },
      ],
      recommended: 'rebuild',
      help:
        'rebuild needs a working php and artisan; if the command fails, the step is rolled back. remove always ' +
        'works and costs a little speed per request; rollback puts the old cache back.',
    });
  }
  return list;
}

async function plan(ctx: Context, findings: Finding[], answers: Choices): Promise<Plan> {
  const { install } = ctx;
  const ids = new Set(findings.map((item) => item.id));
  const changes: Change[] = [];
  const notes = adviceFor(ctx, ids, findings);
  const env = install.env;
  if (!env) return { step: 'app', changes, notes };

  const set = assignments(ctx, ids, answers);
  if (set.length === 0) return { step: 'app', changes, notes };

  // Imported here rather than at the top so that `check` never loads node:crypto.
  const { createHash } = await import('node:crypto');
  changes.push({
    kind: 'edit-env',
    summary: `set ${set.map((assignment) => assignment.key).join(', ')} in .env`,
    path: install.envPath,
    dialect: env.dialect,
    set,
    expectSha256: createHash('sha256').update(env.toBuffer()).digest('hex'),
  });

  if (configCacheExists(ctx)) {
    const choice = answers.configCache ?? 'rebuild';
    if (choice === 'remove') {
      changes.push({ kind: 'quarantine', summary: `move ${CONFIG_CACHE} into the quarantine`, path: join(install.root, CONFIG_CACHE) });
    } else if (choice === 'rebuild') {
      // umask 027: a new config.php must not be world-readable; it repeats every secret of .env.
      const argv = ['sh', '-c', 'umask 027 && exec php artisan config:cache'];
      const user = ctx.isRoot ? install.webUser.user : undefined;
      changes.push({
        kind: 'run-command',
        summary: `rebuild the config cache (php artisan config:cache${user ? ` as ${user}` : ''})`,
        argv,
        cwd: install.root,
        ...(user ? { user, undoUser: user } : {}),
        // The cache may have been stale before the run, so undo restores its bytes rather than rebuilding.
        restores: [join(install.root, CONFIG_CACHE)],
        timeoutMs: 120_000,
      });
      notes.push('PHP-FPM with opcache.validate_timestamps=0 keeps serving the old config cache until it is reloaded (systemctl reload php*-fpm).');
    } else {
      throw new UsageError(`app.configCache is "${choice}"; it must be "rebuild" or "remove".`);
    }
  }
  return { step: 'app', changes, notes };
}

function assignments(ctx: Context, ids: Set<string>, answers: Choices): EnvAssignment[] {
  const set: EnvAssignment[] = [];
  const isProduction = answers.production !== 'no';
  if (isProduction) {
    if (ids.has('app.debug-enabled')) set.push({ key: 'APP_DEBUG', value: 'false' });
    if (ids.has('app.env-not-production')) set.push({ key: 'APP_ENV', value: 'production' });
    if (ids.has('app.debugbar-enabled')) set.push({ key: 'DEBUGBAR_ENABLED', value: 'false' });
    if (ids.has('app.log-level-debug')) set.push({ key: 'LOG_LEVEL', value: 'warning' });
  }
  if (ids.has('app.key-invalid') || (ids.has('app.key-known') && answers.appKey === 'rotate')) {
    set.push({ key: 'APP_KEY', value: generateAppKey() });
  }
  if (ids.has('app.beacon-enabled')) set.push({ key: 'CACHET_BEACON', value: 'false' });
  if (ids.has('app.session-cookie-insecure') && !isCachet23(ctx)) set.push({ key: 'SESSION_SECURE_COOKIE', value: 'true' });
  if (ids.has('app.demo-mode')) set.push({ key: 'CACHET_DEMO_MODE', value: 'false' });
  if (ids.has('app.blade-renderer')) set.push({ key: 'CACHET_BLADE_RENDERER', value: 'false' });
  return set;
}

function adviceFor(ctx: Context, ids: Set<string>, findings: Finding[]): string[] {
  const { install } = ctx;
  const notes: string[] = [];

  if (ids.has('app.env-unparseable') && install.envError) {
    notes.push(`Fix ${install.envPath} line ${install.envError.line} by hand (values with spaces need double quotes), then run again.`);
  }
  if (ids.has('app.advisory') || ids.has('app.advisory-critical')) {
    const listed = findings
      .filter((item) => item.id === 'app.advisory' || item.id === 'app.advisory-critical')
      .flatMap((item) => item.evidence.slice(1).map((line) => line.split(':')[0]));
    notes.push(
      `Cachet ${install.version ?? '(version unknown)'} is affected by ${listed.join(', ')}. Upgrade to fiveai/Cachet 2.5.1 or ` +
        'later, or to Cachet 3.x. Until then allow /dashboard, /setup and /api only from trusted addresses (web ' +
        'server allow/deny rules or a VPN), and review which accounts can log in to the dashboard.',
    );
  }
  if (ids.has('app.env-secret-reference') || ids.has('app.env-injected-keys')) {
    notes.push(
      'Remove the lines listed under app.env-secret-reference and app.env-injected-keys by hand; rotate DB_PASSWORD, ' +
        'APP_KEY and mail passwords if a dashboard page or e-mail may have shown them.',
    );
  }
  if (ids.has('app.session-cookie-insecure') && isCachet23(ctx)) {
    notes.push('Cachet 2.3 hard-codes insecure session cookies (config/session.php), so SESSION_SECURE_COOKIE has no effect; upgrade.');
  }
  if (ids.has('app.demo-mode')) {
    notes.push('Delete the demo administrator test@test.com in the dashboard after turning demo mode off.');
  }
  const defaultCredentials = (judgeDbCredentials(install.db)?.defaults.length ?? 0) > 0;
  if (install.line === '2.x' && (ids.has('app.key-invalid') || defaultCredentials)) {
    notes.push(
      'This .env looks like a fresh copy of the example. If /setup still answers, anyone who reaches it can create an ' +
        'administrator: finish setup now or block /setup (the database step checks whether setup finished).',
    );
  }
  return notes;
}

function configCacheExists(ctx: Pick<Context, 'install'>): boolean {
  return lstatOrNull(join(ctx.install.realRoot, CONFIG_CACHE))?.isFile() ?? false;
}

function isCachet23(ctx: Pick<Context, 'install'>): boolean {
  return ctx.install.line === '2.x' && /^v?2\.3(\.|$|-)/.test(ctx.install.version ?? '');
}

function isLocalUrl(url: string): boolean {
  return /^http:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?(\/|$)/i.test(url);
}

/** Returns the entry whose value takes effect: the first under phpdotenv 2, the last under 5. */
function effectiveEntry(env: EnvDocument, key: string): EnvEntry | undefined {
  const matching = env.entries().filter((entry) => entry.key === key);
  return env.dialect === 'phpdotenv2' ? matching[0] : matching[matching.length - 1];
}

function lastLineOf(entries: EnvEntry[], key: string): number {
  return entries.filter((entry) => entry.key === key).at(-1)!.line;
}

function finding(id: AppFindingId, evidence: string[], path?: string): Finding {
  const definition = CATALOGUE.find((item) => item.id === id)!;
  return { ...definition, step: 'app', evidence, ...(path ? { path } : {}) };
}

