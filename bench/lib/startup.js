// Start-up: the CLI against bare `node -e 0` in the same run, interleaved, as a ratio of medians; which
// modules each command loads; and a CPU profile of `check` so a slow start names its package.

import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { firstLine, interleave, timeRun } from './measure.js';
import { newestProfile, summarizeCpuProfile, summarizeLoads } from './profile.js';
import { shellAuditArgv } from './shell-floor.js';

export const STARTUP_GOAL_RATIO = 4;
const CHECK_SCOPE = 'files,storage,app';

export function startupCommands({ node, cli, tree }) {
  return {
    'node -e 0': [node, '-e', '0'],
    check: [node, cli, 'check', '--json', '--no-probe', '--only', CHECK_SCOPE, '--path', tree],
    '--version': [node, cli, '--version'],
    '--help': [node, cli, '--help'],
    'shell audit': shellAuditArgv(tree),
  };
}

export function runStartup({ node, cli, tree, runs, warmup, env, repoRoot, benchTmp, log }) {
  const commands = startupCommands({ node, cli, tree });
  log(`start-up: ${Object.keys(commands).length} commands, ${warmup} warm-up + ${runs} measured rounds, interleaved`);
  // check exits 1 when findings at or above --fail-on remain, which the typical tree has on purpose.
  const results = interleave(commands, { runs, warmup, accept: [0, 1], env });

  const bare = results['node -e 0'].summary?.median ?? null;
  const rows = Object.entries(results).map(([name, result]) => ({
    name,
    argv: commands[name],
    summary: result.summary,
    failures: result.failures,
    ratio: bare && result.summary ? result.summary.median / bare : null,
  }));

  const loads = recordLoads({ node, commands, env, repoRoot, benchTmp });
  const profile = profileCheck({ argv: commands.check, env, repoRoot, benchTmp });
  const check = rows.find((row) => row.name === 'check');
  return {
    rows,
    loads,
    profile,
    goal: {
      text: `check start-up within ${STARTUP_GOAL_RATIO}x of bare node (ratio of medians)`,
      value: check?.ratio ?? null,
      met: check?.ratio != null ? check.ratio <= STARTUP_GOAL_RATIO : null,
    },
  };
}

/** One extra run of each Node command under hooks/record-loads.js; the hook's own cost is not timed. */
function recordLoads({ node, commands, env, repoRoot, benchTmp }) {
  const hook = join(repoRoot, 'bench', 'hooks', 'record-loads.js');
  const dir = join(benchTmp, 'loads');
  mkdirSync(dir, { recursive: true });
  const dumps = {};
  for (const [name, argv] of Object.entries(commands)) {
    if (argv[0] !== node) continue;
    const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, '_')}.json`);
    rmSync(file, { force: true });
    const run = timeRun([node, '--import', hook, ...argv.slice(1)], { env: { ...env, CACHET_BENCH_LOADS_FILE: file } });
    dumps[name] = { file, status: run.status, error: run.status > 1 ? firstLine(run.stderr) : null };
  }
  const baseline = dumps['node -e 0']?.status === 0 ? summarizeLoads(dumps['node -e 0'].file, repoRoot).rawBuiltins : [];
  const out = {};
  for (const [name, dump] of Object.entries(dumps)) {
    if (name === 'node -e 0') continue;
    try {
      out[name] = { ...summarizeLoads(dump.file, repoRoot, baseline), status: dump.status };
    } catch (error) {
      out[name] = { error: dump.error ?? error.message };
    }
  }
  return out;
}

function profileCheck({ argv, env, repoRoot, benchTmp }) {
  const dir = join(benchTmp, 'profiles', 'startup-check');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // A 100 µs sampling interval, since the whole run lasts a few hundred milliseconds.
  const run = timeRun([argv[0], '--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', dir, ...argv.slice(1)], { env });
  const file = newestProfile(dir);
  if (!file) return { error: `no profile written (exit ${run.status}: ${firstLine(run.stderr)})` };
  return { file, ...summarizeCpuProfile(file, repoRoot) };
}
