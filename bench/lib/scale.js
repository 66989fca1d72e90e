// Scale: `check` (the file steps) on installs with 10k, 100k and 300k files under storage/, with wall time,
// peak memory and how both grow with the tree, next to the shell audit on the same tree.

import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { firstLine, median, timeRun, timeRunWithMemory } from './measure.js';
import { newestProfile, summarizeCpuProfile } from './profile.js';
import { shellAuditArgv } from './shell-floor.js';
import { ensureScaleTree } from './trees.js';

export const SCALE_GOAL = { storageFiles: 300_000, seconds: 2, mebibytes: 200 };
const CHECK_SCOPE = 'files,storage,app';

export function checkArgv({ node, cli, tree }) {
  return [node, cli, 'check', '--json', '--no-probe', '--only', CHECK_SCOPE, '--path', tree];
}

/**
 * For each size: generate (or reuse) the tree, one warm-up run of each command (it also warms the page
 * cache), then `runs` rounds of the CLI and the shell audit in turn. Wall time is the median; peak memory
 * the largest maxRSS seen.
 */
export async function runScale({ node, cli, sizes, runs, env, repoRoot, benchTmp, distDir, memoryMethod, typicalTree, log }) {
  const rows = [];
  const trees = [{ name: 'typical', dir: typicalTree, storageFiles: null, totalFiles: null }];
  for (const storageFiles of sizes) {
    trees.push(await ensureScaleTree({ benchTmp, distDir, storageFiles, log }));
  }

  for (const tree of trees) {
    const cliArgv = checkArgv({ node, cli, tree: tree.dir });
    const shellArgv = shellAuditArgv(tree.dir);
    log(`scale: ${tree.name}: 1 warm-up + ${runs} measured rounds`);
    timeRun(cliArgv, { env });
    timeRun(shellArgv, { env });
    const cliRuns = [];
    const shellRuns = [];
    const failures = [];
    for (let round = 0; round < runs; round++) {
      const run = timeRunWithMemory(cliArgv, { env, method: memoryMethod });
      if (run.status === 0 || run.status === 1) cliRuns.push({ ...run, report: parseReport(run.stdout) });
      else failures.push(`exit ${run.status ?? run.signal}: ${firstLine(run.stderr)}`);
      shellRuns.push(timeRunWithMemory(shellArgv, { env, method: memoryMethod }));
    }
    rows.push({
      tree: tree.name,
      dir: tree.dir,
      storageFiles: tree.storageFiles,
      totalFiles: tree.totalFiles,
      cli: cliRuns.length ? summarizeRuns(cliRuns) : null,
      findings: cliRuns[0]?.report?.findings?.length ?? null,
      outputBytes: cliRuns[0] ? Buffer.byteLength(cliRuns[0].stdout) : null,
      shell: summarizeRuns(shellRuns),
      failures,
    });
  }

  const growth = growthOf(rows.filter((row) => row.storageFiles !== null && row.cli));
  const largest = rows.find((row) => row.storageFiles === SCALE_GOAL.storageFiles);
  const profile = largest?.cli ? profileLargest({ argv: checkArgv({ node, cli, tree: largest.dir }), env, repoRoot, benchTmp }) : null;
  const command = checkArgv({ node, cli, tree: `${benchTmp}/trees/<tree>` });
  return { command, rows, growth, profile, goals: scaleGoals(largest, growth) };
}

function summarizeRuns(runs) {
  const rss = runs.map((run) => run.maxRssKiB).filter((kib) => kib !== null);
  return {
    runs: runs.length,
    medianMs: median(runs.map((run) => run.ms)),
    minMs: Math.min(...runs.map((run) => run.ms)),
    maxMs: Math.max(...runs.map((run) => run.ms)),
    maxRssMiB: rss.length ? Math.max(...rss) / 1024 : null,
  };
}

function parseReport(stdout) {
  try {
    return JSON.parse(stdout);
  } catch {
    return null;
  }
}

/**
 * Growth between consecutive sizes as the exponent b of time ∝ files^b (log-log slope) and as the factor
 * per 10x more files (10^b). b = 1 is linear; a fixed start-up cost makes small trees look sub-linear.
 */
function growthOf(rows) {
  const steps = [];
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1];
    const b = rows[i];
    const filesRatio = Math.log(b.storageFiles / a.storageFiles);
    const timeExponent = Math.log(b.cli.medianMs / a.cli.medianMs) / filesRatio;
    const memoryExponent = a.cli.maxRssMiB && b.cli.maxRssMiB ? Math.log(b.cli.maxRssMiB / a.cli.maxRssMiB) / filesRatio : null;
    steps.push({
      from: a.tree,
      to: b.tree,
      timeExponent,
      timePer10x: 10 ** timeExponent,
      memoryExponent,
      memoryPer10x: memoryExponent === null ? null : 10 ** memoryExponent,
    });
  }
  return steps;
}

function scaleGoals(largest, growth) {
  const seconds = largest?.cli ? largest.cli.medianMs / 1000 : null;
  const mebibytes = largest?.cli?.maxRssMiB ?? null;
  // Linear or better: no step between sizes grows faster than files^1.1 (10 % slack for noise).
  const worst = growth.length ? Math.max(...growth.map((step) => step.timeExponent)) : null;
  return [
    {
      text: `check on ${SCALE_GOAL.storageFiles / 1000}k storage files under ${SCALE_GOAL.seconds} s (median wall time)`,
      value: seconds === null ? null : `${seconds.toFixed(2)} s`,
      met: seconds === null ? null : seconds < SCALE_GOAL.seconds,
    },
    {
      text: `check on ${SCALE_GOAL.storageFiles / 1000}k storage files under ${SCALE_GOAL.mebibytes} MB peak memory (maxRSS)`,
      value: mebibytes === null ? null : `${mebibytes.toFixed(0)} MiB`,
      met: mebibytes === null ? null : mebibytes * 1.048576 < SCALE_GOAL.mebibytes,
    },
    {
      text: 'time grows linearly or better with the number of files (largest log-log slope <= 1.1)',
      value: worst === null ? null : `slope ${worst.toFixed(2)}`,
      met: worst === null ? null : worst <= 1.1,
    },
  ];
}

function profileLargest({ argv, env, repoRoot, benchTmp }) {
  const dir = join(benchTmp, 'profiles', 'scale-largest');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const run = timeRun([argv[0], '--cpu-prof', '--cpu-prof-dir', dir, ...argv.slice(1)], { env });
  const file = newestProfile(dir);
  if (!file) return { error: `no profile written (exit ${run.status}: ${firstLine(run.stderr)})` };
  return { file, ...summarizeCpuProfile(file, repoRoot) };
}
