// A full `--yes` apply on a real stack: a Cachet 2.x tree with the usual mistakes, served by nginx and
// backed by MariaDB, both started here from temporary directories on 127.0.0.1. Each measured run gets a
// fresh stack, then the same command runs again, when there is nothing left to change.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { firstLine, median, timeRun } from './measure.js';
import { makeStackDir, missingServerBinaries, removeStackDir, startMariaDb, startNginx } from './servers.js';

export const STEP_IDS = ['web', 'files', 'storage', 'database', 'app'];

/**
 * Choices that `--yes` alone cannot make, passed with `--answers` as an unattended run would pass them. `locked`
 * is the files step's safer profile (root owns `.env`, the web group reads it).
 */
export const BENCH_ANSWERS = { files: { profile: 'locked' } };

/** Lists the compiled modules a full apply needs that are missing, so the apply rows wait for them instead of failing. */
export function missingApplyModules(distDir) {
  const needed = ['commands/wizard.js', ...STEP_IDS.map((id) => `steps/${id}.js`)];
  return needed.filter((file) => !existsSync(join(distDir, file)));
}

export async function buildStack({ distDir, benchTmp }) {
  const dir = makeStackDir('cachet-bench-stack-');
  const app = join(dir, 'cachet');
  const state = join(dir, 'state');
  const { buildCachetTree } = await import(pathToFileURL(join(distDir, 'demo', 'tree.js')).href);
  const [nginx, db] = await Promise.all([startNginx({ dir, docroot: join(app, 'public') }), startMariaDb({ dir })]);
  try {
    // The mistakes of a tutorial install: the homestead/secret account with every privilege, reached
    // through the unix socket as a Debian PHP would.
    const env = buildEnv(db);
    buildCachetTree(app, { line: '2.x', mistakes: true, env });
    const tables = await cachetTables(distDir);
    const statements = [
      'CREATE DATABASE cachet',
      ...tables.map((table) => `CREATE TABLE cachet.\`${table}\` (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(191))`),
      ...['localhost', '127.0.0.1'].flatMap((host) => [
        `CREATE USER 'homestead'@'${host}' IDENTIFIED BY 'secret'`,
        `GRANT ALL PRIVILEGES ON *.* TO 'homestead'@'${host}' WITH GRANT OPTION`,
      ]),
    ];
    db.sql(statements.join(';\n'));
  } catch (error) {
    await Promise.all([nginx.stop(), db.stop()]);
    removeStackDir(dir);
    throw error;
  }
  const answers = join(dir, 'answers.json');
  writeFileSync(answers, `${JSON.stringify(BENCH_ANSWERS, null, 2)}\n`);
  return {
    dir,
    app,
    state,
    answers,
    nginx,
    db,
    async stop() {
      await Promise.all([nginx.stop(), db.stop()]);
      removeStackDir(dir);
    },
  };
}

function buildEnv(db) {
  return [
    'APP_ENV=production',
    'APP_DEBUG=true',
    'APP_URL=http://localhost',
    'APP_TIMEZONE=UTC',
    'APP_KEY=SomeRandomString',
    'DEBUGBAR_ENABLED=false',
    '',
    'DB_DRIVER=mysql',
    'DB_HOST=localhost',
    `DB_UNIX_SOCKET=${db.socket}`,
    'DB_DATABASE=cachet',
    'DB_USERNAME=homestead',
    'DB_PASSWORD=secret',
    `DB_PORT=${db.port}`,
    'DB_PREFIX=null',
    '',
    'CACHE_DRIVER=file',
    'SESSION_DRIVER=file',
    'QUEUE_DRIVER=sync',
    'CACHET_BEACON=true',
    '',
  ].join('\n');
}

async function cachetTables(distDir) {
  const file = join(distDir, 'database', 'cachet-tables.js');
  if (!existsSync(file)) return ['settings', 'users', 'components', 'incidents', 'migrations'];
  const module = await import(pathToFileURL(file).href);
  return [...module.CACHET_2_TABLES];
}

function applyArgv({ node, cli, stack, only }) {
  return [
    node,
    cli,
    '--yes',
    '--json',
    '--answers',
    stack.answers,
    '--path',
    stack.app,
    '--nginx-conf',
    stack.nginx.conf,
    '--state-dir',
    stack.state,
    '--probe-url',
    `http://127.0.0.1:${stack.nginx.port}/`,
    ...(only ? ['--only', only] : []),
  ];
}

/** Shows an argv with the per-stack temporary paths replaced by names, for RESULTS.md. */
function displayArgv(argv, stack, repoRoot) {
  const cli = argv[1].startsWith(`${repoRoot}/`) ? argv[1].slice(repoRoot.length + 1) : argv[1];
  return ['node', cli, ...argv.slice(2)]
    .map((arg) =>
      arg
        .replace(stack.app, '<stack>/cachet')
        .replace(stack.nginx.conf, '<stack>/nginx/nginx.conf')
        .replace(stack.state, '<stack>/state')
        .replace(stack.answers, '<stack>/answers.json')
        .replace(String(stack.nginx.port), '<port>'),
    )
    .join(' ');
}

/**
 * Per-step wall times, if a future report carries them: any numeric field of steps[i] whose name says
 * milliseconds or duration. Returns null when the report has none.
 */
function stepTimingsOf(report) {
  if (!report || !Array.isArray(report.steps)) return null;
  const timings = {};
  for (const step of report.steps) {
    const key = Object.keys(step).find((name) => /(^|[a-z])(ms|Ms|duration|elapsed)/.test(name) && typeof step[name] === 'number');
    if (key && step.id) timings[step.id] = /seconds/i.test(key) ? step[key] * 1000 : step[key];
  }
  return Object.keys(timings).length ? timings : null;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * Reduces one run to its time, exit code, change counts and error. Exit 1 still counts as completed: with --yes, findings that need the operator (an
 * upgrade, say) remain and set it. 2, 3 and anything else is a failure.
 */
function outcome(run) {
  const report = parseJson(run.stdout);
  const ok = (run.status === 0 || run.status === 1) && report !== null;
  const steps = Array.isArray(report?.steps) ? report.steps : [];
  return {
    ms: run.ms,
    status: run.status,
    ok,
    error: ok ? null : errorOf(run, steps),
    changes: steps.reduce((sum, step) => sum + (step.changes?.length ?? 0), 0),
    remaining: steps.reduce((sum, step) => sum + (step.remaining?.length ?? 0), 0),
    steps: steps.map((step) => `${step.id} ${step.status} (${step.changes?.length ?? 0} changes, ${step.remaining?.length ?? 0} remaining)`),
    report,
  };
}

/** Returns why a run failed: a failed step's error from the JSON report, else the first line of stderr. */
function errorOf(run, steps) {
  const failed = steps.find((step) => step.error);
  if (failed) return `${failed.id}: ${failed.error}`;
  const lines = String(run.stderr ?? '').trim().split('\n');
  // An internal error prints a generic first line; the exception's message follows on the next.
  let message = lines[0];
  if (/internal error/.test(message ?? '')) message = lines.slice(0, 2).join(' ');
  return message || `exit ${run.status ?? run.signal}`;
}

/** Times `nginx -s reload` on a running stack: the part of the web step that is the server's own. */
function measureReload(stack, times) {
  const samples = [];
  for (let i = 0; i < times; i++) {
    const start = process.hrtime.bigint();
    stack.nginx.reload();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

/** Times the wizard with no step selected (`--only app --skip app`): it detects the install and reports. */
function measureBaseline(argv, env, times) {
  const samples = [];
  for (let i = 0; i < times; i++) {
    const run = timeRun([...argv, '--skip', 'app'], { env });
    if (run.status === 0) samples.push(run.ms);
  }
  return samples.length ? median(samples) : null;
}

/**
 * Full runs (`repeats` fresh stacks, first and second run each) and one `--only <step>` pair per step on
 * its own fresh stack. Per-step time = the `--only` run minus the wizard's fixed cost (a run with no step
 * selected: start-up, detection and the JSON report), minus one `nginx -s reload` for the web step.
 */
export async function runApply({ node, cli, distDir, benchTmp, env, repeats, repoRoot, log }) {
  const missingBinaries = missingServerBinaries();
  if (missingBinaries.length) {
    return { skipped: `server binaries not found: ${missingBinaries.join(', ')} (install nginx and mariadb-server)` };
  }
  const missingModules = missingApplyModules(distDir);

  const full = [];
  let command = null;
  let reloadMs = null;
  let baselineMs = null;
  if (missingModules.includes('commands/wizard.js')) {
    return { skipped: 'the wizard (dist/commands/wizard.js) is not built yet', missingModules };
  }
  for (let i = 0; i < repeats; i++) {
    log(`apply: full run ${i + 1}/${repeats} on a fresh stack`);
    const stack = await buildStack({ distDir, benchTmp });
    try {
      const argv = applyArgv({ node, cli, stack });
      command ??= displayArgv(argv, stack, repoRoot);
      const first = outcome(timeRun(argv, { env }));
      const second = outcome(timeRun(argv, { env }));
      reloadMs ??= measureReload(stack, 5);
      baselineMs ??= measureBaseline(applyArgv({ node, cli, stack, only: 'app' }), env, 5);
      full.push({ first, second, firstTimings: stepTimingsOf(first.report), secondTimings: stepTimingsOf(second.report) });
    } finally {
      await stack.stop();
    }
  }

  const perStep = [];
  for (const id of STEP_IDS) {
    if (missingModules.includes(`steps/${id}.js`)) {
      perStep.push({ id, skipped: `dist/steps/${id}.js is not built yet` });
      continue;
    }
    log(`apply: --only ${id} on a fresh stack`);
    const stack = await buildStack({ distDir, benchTmp });
    try {
      const argv = applyArgv({ node, cli, stack, only: id });
      const first = outcome(timeRun(argv, { env }));
      const second = outcome(timeRun(argv, { env }));
      const overhead = (baselineMs ?? 0) + (id === 'web' ? reloadMs ?? 0 : 0);
      perStep.push({
        id,
        command: displayArgv(argv, stack, repoRoot),
        first,
        second,
        firstNetMs: first.ms - overhead,
        secondNetMs: second.ms - overhead,
      });
    } finally {
      await stack.stop();
    }
  }

  const summarize = (key) => {
    const ok = full.map((run) => run[key]).filter((run) => run.ok);
    return ok.length ? median(ok.map((run) => run.ms)) : null;
  };
  return {
    command,
    repeats,
    reloadMs,
    baselineMs,
    full,
    firstMedianMs: summarize('first'),
    secondMedianMs: summarize('second'),
    perStep,
    missingModules,
  };
}
