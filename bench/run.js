// `npm run bench`: start-up, scale, and a full apply on real servers, each next to its baseline, written
// to bench/RESULTS.md (and the raw figures to bench/tmp/results.json).
//
// Usage: node bench/run.js [--quick] [--sections startup,scale,apply] [--runs N] [--sizes 10000,100000]
//   --quick    5 start-up rounds, scale up to 100k files, 1 apply repeat: a smoke test, not figures to keep
// Environment: CACHET_BENCH_CLI (default bin/cachet-harden.js) and CACHET_BENCH_DIST (default dist/) point
// at another build of the tool.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { runApply } from './lib/apply.js';
import { hasGnuTime } from './lib/measure.js';
import { renderResults } from './lib/report.js';
import { runScale } from './lib/scale.js';
import { runStartup } from './lib/startup.js';
import { ensureTypicalTree } from './lib/trees.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const benchTmp = join(repoRoot, 'bench', 'tmp');
const SECTIONS = ['startup', 'scale', 'apply'];

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      sections: { type: 'string' },
      runs: { type: 'string' },
      sizes: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${readUsage()}\n`);
    process.exit(0);
  }
  const sections = (values.sections ?? SECTIONS.join(',')).split(',').map((name) => name.trim());
  for (const name of sections) {
    if (!SECTIONS.includes(name)) fail(`--sections ${values.sections}: unknown section "${name}". Expected a comma-separated list of ${SECTIONS.join(', ')}.`);
  }
  const runs = Number(values.runs ?? (values.quick ? 5 : 15));
  if (!Number.isInteger(runs) || runs < 1) fail(`--runs ${values.runs}: expected a whole number of at least 1.`);
  const sizes = (values.sizes ?? (values.quick ? '10000,100000' : '10000,100000,300000')).split(',').map(Number);
  for (const size of sizes) {
    if (!Number.isInteger(size) || size < 1000) fail(`--sizes ${values.sizes}: expected whole numbers of at least 1000, e.g. 10000,100000.`);
  }
  return {
    quick: values.quick,
    sections,
    runs,
    warmup: values.quick ? 1 : 3,
    scaleRuns: values.quick ? 2 : 3,
    applyRepeats: values.quick ? 1 : 3,
    sizes,
    out: values.out ? resolve(values.out) : join(repoRoot, 'bench', 'RESULTS.md'),
  };
}

function readUsage() {
  return 'Usage: node bench/run.js [--quick] [--sections startup,scale,apply] [--runs N] [--sizes 10000,100000,300000] [--out FILE]';
}

function machine() {
  const cpuList = cpus();
  let commit = null;
  let dirty = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bin', 'package.json'], { cwd: repoRoot, encoding: 'utf8' }).trim() !== '';
  } catch {
    // Not a git checkout (e.g. an unpacked release): the commit stays unknown.
  }
  return {
    cpu: cpuList[0]?.model?.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: totalmem() / 1024 ** 3,
    freeMemoryGiB: freemem() / 1024 ** 3,
    kernel: release(),
    node: process.version,
    commit,
    dirty,
  };
}

function childEnv() {
  // NODE_OPTIONS from the caller would change every Node child in ways this page cannot report, so it is
  // dropped. Colours are off, as they are for any output into a pipe.
  const env = { ...process.env, NO_COLOR: '1' };
  delete env.NODE_OPTIONS;
  return env;
}

async function main() {
  const options = parseOptions();
  const cli = process.env.CACHET_BENCH_CLI ? resolve(process.env.CACHET_BENCH_CLI) : join(repoRoot, 'bin', 'cachet-harden.js');
  const distDir = process.env.CACHET_BENCH_DIST ? resolve(process.env.CACHET_BENCH_DIST) : join(repoRoot, 'dist');
  if (!existsSync(join(distDir, 'cli.js'))) {
    fail(`${join(distDir, 'cli.js')} not found. Build the tool first: npm ci (its prepare script runs tsc), or npm run build.`);
  }
  mkdirSync(benchTmp, { recursive: true });
  const log = (message) => process.stderr.write(`bench: ${message}\n`);
  const node = process.execPath;
  const env = childEnv();
  const memoryMethod = hasGnuTime() ? 'gnu-time' : 'rss-hook';
  const started = new Date();
  const results = {
    date: started.toISOString(),
    machine: machine(),
    loadBefore: loadavg(),
    options,
    memoryMethod,
    cli,
    distDir,
    repoRoot,
  };

  const typical = await ensureTypicalTree({ benchTmp, distDir });
  results.typicalTree = typical.dir;

  if (options.sections.includes('startup')) {
    results.startup = runStartup({ node, cli, tree: typical.dir, runs: options.runs, warmup: options.warmup, env, repoRoot, benchTmp, log });
  }
  if (options.sections.includes('scale')) {
    results.scale = await runScale({
      node,
      cli,
      sizes: options.sizes,
      runs: options.scaleRuns,
      env,
      repoRoot,
      benchTmp,
      distDir,
      memoryMethod,
      typicalTree: typical.dir,
      log,
    });
  }
  if (options.sections.includes('apply')) {
    try {
      results.apply = await runApply({ node, cli, distDir, benchTmp, env, repeats: options.applyRepeats, repoRoot, log });
    } catch (error) {
      results.apply = { skipped: `the stack could not be built: ${error.message.split('\n')[0]}` };
    }
  }

  results.loadAfter = loadavg();
  results.seconds = (Date.now() - started.getTime()) / 1000;
  writeFileSync(join(benchTmp, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(options.out, renderResults(results));
  log(`done in ${results.seconds.toFixed(0)} s: ${options.out}`);
}

await main();
