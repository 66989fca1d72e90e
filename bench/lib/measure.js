// Process timing and peak memory for the benchmarks: wall time from the parent's monotonic clock, peak
// resident memory (maxRSS) from GNU time when installed, else from an exit hook inside the Node child.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GNU_TIME = '/usr/bin/time';
const RSS_HOOK = fileURLToPath(new URL('../hooks/report-rss.js', import.meta.url));

/** GNU time (Debian package `time`) reads the child's rusage after wait4, so it sees the whole process. */
export function hasGnuTime() {
  if (!existsSync(GNU_TIME)) return false;
  const probe = spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' });
  return probe.status === 0 && /^\d+\s*$/m.test(probe.stderr);
}

/**
 * Runs argv once and returns { ms, status, stdout, stderr }. Output is captured in full; the child's
 * stdin is /dev/null so nothing waits for a terminal.
 */
export function timeRun(argv, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(argv[0], argv.slice(1), {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.error) throw new Error(`${argv.join(' ')}: could not start: ${result.error.message}`);
  return { ms, status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs argv once and also returns maxRssKiB. With GNU time the figure covers the whole child; without
 * it, a Node child gets `--import report-rss.js`, which writes process.resourceUsage().maxRSS at exit,
 * and a non-Node child gets null.
 */
export function timeRunWithMemory(argv, options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cachet-bench-'));
  const out = join(dir, 'rusage');
  try {
    if (options.method === 'gnu-time') {
      const run = timeRun([GNU_TIME, '-o', out, '-f', '%M', ...argv], options);
      const kib = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
      return { ...run, maxRssKiB: Number.isFinite(kib) ? kib : null };
    }
    if (argv[0] === process.execPath || argv[0] === 'node') {
      const env = { ...(options.env ?? process.env), CACHET_BENCH_RSS_FILE: out };
      const run = timeRun([argv[0], '--import', RSS_HOOK, ...argv.slice(1)], { ...options, env });
      const kib = existsSync(out) ? Number(readFileSync(out, 'utf8').trim()) : NaN;
      return { ...run, maxRssKiB: Number.isFinite(kib) ? kib : null };
    }
    return { ...timeRun(argv, options), maxRssKiB: null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile, p in 0..100. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summarize(values) {
  return {
    runs: values.length,
    median: median(values),
    min: Math.min(...values),
    p90: percentile(values, 90),
    max: Math.max(...values),
  };
}

/**
 * Runs every command of `commands` (name -> argv) `runs` times, interleaved so that load from other
 * processes spreads over all of them alike, after `warmup` rounds that are not counted.
 * Returns name -> { samples, summary, failures }.
 */
export function interleave(commands, { runs, warmup, accept = [0], cwd, env }) {
  const names = Object.keys(commands);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  const failures = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < warmup + runs; round++) {
    // Rotate the order each round so no command always runs right after the same neighbour.
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) {
      const run = timeRun(commands[name], { cwd, env });
      if (!accept.includes(run.status)) {
        failures[name].push(`exit ${run.status ?? run.signal}: ${firstLine(run.stderr)}`);
        continue;
      }
      if (round >= warmup) samples[name].push(run.ms);
    }
  }
  return Object.fromEntries(
    names.map((name) => [name, { samples: samples[name], summary: samples[name].length ? summarize(samples[name]) : null, failures: failures[name] }]),
  );
}

export function firstLine(text) {
  return String(text ?? '').trim().split('\n')[0] ?? '';
}
