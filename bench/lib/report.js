// Renders bench/RESULTS.md from the figures of one `npm run bench`.

import { relative } from 'node:path';

import { BENCH_ANSWERS } from './apply.js';
import { STARTUP_GOAL_RATIO } from './startup.js';
import { shellAuditDisplay } from './shell-floor.js';

const ms = (value) => (value == null ? 'n/a' : `${value.toFixed(0)} ms`);
// A net time below zero means the step cost less than the run-to-run noise of the baseline.
const netMs = (value) => (value != null && value < 0 ? '~0 (below noise)' : ms(value));
const seconds = (value) => (value == null ? 'n/a' : `${(value / 1000).toFixed(2)} s`);
const mib = (value) => (value == null ? 'n/a' : `${value.toFixed(0)} MiB`);
const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
function verdict(met) {
  if (met === null || met === undefined) return 'not measured';
  return met ? 'met' : 'missed';
}

function display(argv, results) {
  const tidy = (arg) => {
    if (arg === results.repoRoot) return '.';
    if (arg === process.execPath) return 'node';
    if (arg.startsWith(`${results.repoRoot}/`)) return relative(results.repoRoot, arg);
    return arg;
  };
  if (argv[0] === 'sh') return 'sh -c "<shell audit below>" sh ' + tidy(argv[4]);
  return argv.map(tidy).map((arg) => (/[\s"$]/.test(arg) ? `'${arg}'` : arg)).join(' ');
}

export function renderResults(results) {
  const lines = [];
  const push = (...more) => lines.push(...more);
  const m = results.machine;

  push('# Benchmarks', '');
  push(
    `Written by \`npm run bench\` (\`node bench/run.js${results.options.quick ? ' --quick' : ''}\`) on ${results.date}, in ${results.seconds.toFixed(0)} s.`,
    'Rerun it to refresh this page; raw figures go to `bench/tmp/results.json`.',
    '',
  );
  push('## Machine', '');
  push('| | |', '|---|---|');
  push(`| CPU | ${m.cpu} |`);
  push(`| Cores | ${m.cores} |`);
  push(`| Memory | ${m.memoryGiB.toFixed(1)} GiB (${m.freeMemoryGiB.toFixed(1)} GiB free at start) |`);
  push(`| Kernel | Linux ${m.kernel} |`);
  push(`| Node.js | ${m.node} |`);
  push(`| Tool | ${results.cli === `${results.repoRoot}/bin/cachet-harden.js` ? 'bin/cachet-harden.js' : results.cli} at commit ${m.commit ?? 'unknown'}${m.dirty ? ' with uncommitted changes in src/' : ''} |`);
  push(`| Load average (1, 5, 15 min) | ${fmtLoad(results.loadBefore)} before, ${fmtLoad(results.loadAfter)} after |`);
  push(`| Peak memory from | ${results.memoryMethod === 'gnu-time' ? 'GNU time (`/usr/bin/time -f %M`, the child\'s ru_maxrss after wait4)' : '`process.resourceUsage().maxRSS` written at exit by bench/hooks/report-rss.js (GNU time is not installed)'} |`);
  push('');
  if (Math.max(...results.loadBefore, ...results.loadAfter) > m.cores * 0.5) {
    push(`> The load average reached ${Math.max(...results.loadBefore, ...results.loadAfter).toFixed(1)} on ${m.cores} cores: other processes ran during this benchmark, so the times below are noisy and likely too high. Interleaving spreads that noise over the tool and its baselines alike, which keeps the ratios more trustworthy than the absolute times.`, '');
  }

  push('## Goals', '');
  push('| Goal | Measured | Verdict |', '|---|---|---|');
  for (const goal of collectGoals(results)) push(`| ${goal.text} | ${goal.value ?? 'n/a'} | ${verdict(goal.met)}${goal.why ? ` (${goal.why})` : ''} |`);
  push('');

  if (results.startup) renderStartup(push, results);
  if (results.scale) renderScale(push, results);
  if (results.apply) renderApply(push, results);
  renderShell(push);
  renderMethod(push, results);
  return `${lines.join('\n')}\n`;
}

function fmtLoad(values) {
  return values.map((value) => value.toFixed(2)).join(', ');
}

function collectGoals(results) {
  const goals = [];
  if (results.startup) goals.push({ ...results.startup.goal, value: results.startup.goal.value == null ? null : `${results.startup.goal.value.toFixed(2)}x` });
  if (results.scale) goals.push(...results.scale.goals);
  if (results.apply) {
    const apply = results.apply;
    const ok = !apply.skipped && apply.firstMedianMs != null;
    const runs = apply.full ?? [];
    const completed = runs.length > 0 && runs.every((run) => run.first.ok && run.second.ok);
    goals.push({
      text: 'full `--yes` apply on nginx + MariaDB completes, and a second run changes nothing',
      value: ok ? `${seconds(apply.firstMedianMs)} then ${seconds(apply.secondMedianMs)}` : null,
      met: ok ? completed && runs.every((run) => run.second.changes === 0) : null,
      why: apply.skipped ?? (completed ? null : firstError(apply)),
    });
  }
  return goals;
}

function firstError(apply) {
  const failed = apply.full?.flatMap((run) => [run.first, run.second]).find((run) => !run.ok);
  return failed ? `exit ${failed.status}: ${failed.error}` : null;
}

function renderStartup(push, results) {
  const startup = results.startup;
  const options = results.options;
  push('## 1. Start-up', '');
  push(
    `Each command ran ${options.runs} times after ${options.warmup} warm-up rounds, interleaved (one of each per round, the order rotating), on the typical tree: \`buildCachetTree\` for Cachet 2.x with the usual mistakes planted (\`bench/tmp/trees/typical\`). Times are wall clock from spawn to exit, as seen by the parent.`,
    '',
  );
  push('| Command | Median | Min | p90 | Median / `node -e 0` | Exact command |', '|---|---|---|---|---|---|');
  for (const row of startup.rows) {
    const failures = row.failures.length ? ` (${row.failures.length} failed runs: ${row.failures[0]})` : '';
    push(`| ${row.name} | ${ms(row.summary?.median)} | ${ms(row.summary?.min)} | ${ms(row.summary?.p90)} | ${row.ratio == null ? 'n/a' : `${row.ratio.toFixed(2)}x`}${failures} | \`${display(row.argv, results)}\` |`);
  }
  push('');

  push('### Modules loaded', '');
  push(
    'From one extra run of each command under `node --import bench/hooks/record-loads.js` (a loader hook for ES modules plus the require cache at exit for CommonJS); built-in modules are those in `process.moduleLoadList` beyond what `node -e 0` loads under the same hook.',
    '',
  );
  push('| Command | Files | Size on disk | By package (files, size) | Built-in modules added |', '|---|---|---|---|---|');
  for (const [name, loads] of Object.entries(startup.loads)) {
    if (loads.error) {
      push(`| ${name} | n/a | n/a | ${loads.error} | |`);
      continue;
    }
    const packages = loads.packages.map((p) => `${p.name} (${p.files}, ${kib(p.bytes)})`).join(', ');
    push(`| ${name} | ${loads.files} | ${kib(loads.bytes)} | ${packages} | ${loads.builtins.length}: ${loads.builtins.join(', ')} |`);
  }
  push('');
  const check = startup.loads.check;
  if (check?.importers?.length) {
    push('Built-ins and packages that `check` imports from the project\'s own modules, and where:', '');
    for (const entry of check.importers) push(`- ${entry.name}: ${entry.from.join(', ')}`);
    push('');
  }
  renderProfile(push, 'CPU profile of `check` (self time)', startup.profile, '`node --cpu-prof --cpu-prof-interval 100` on the check command above');
}

function renderProfile(push, title, profile, how) {
  push(`### ${title}`, '');
  if (!profile || profile.error) {
    push(`Not available: ${profile?.error ?? 'not run'}.`, '');
    return;
  }
  push(`From ${how}; ${profile.totalMs.toFixed(0)} ms sampled in total. "(program)" is V8 and Node work outside JavaScript functions, which includes compiling and linking modules.`, '');
  push('| Package | Self time |', '|---|---|');
  for (const entry of profile.packages.slice(0, 10)) push(`| ${entry.name} | ${entry.ms.toFixed(1)} ms |`);
  push('', '| Hottest functions | Self time |', '|---|---|');
  for (const entry of profile.functions) push(`| \`${entry.name}\` | ${entry.ms.toFixed(1)} ms |`);
  push('');
}

function renderScale(push, results) {
  const scale = results.scale;
  push('## 2. Scale', '');
  push(
    `\`check --json --no-probe --only files,storage,app\` on clean Cachet 2.x trees (\`bench/tmp/trees/storage-*\`, generated once and reused): storage/framework/cache/data/xx/yy/<sha1> (60 %), storage/framework/sessions (30 %), storage/framework/views (10 %), 30 daily logs, 5,000 assets under public/build/ and 8,000 PHP files under vendor/. storage/ and bootstrap/cache/ belong to www-data when the bench runs as root, as on a working install. Each tree: 1 warm-up run (which also fills the page cache), then ${results.options.scaleRuns} measured runs of the tool and of the shell audit in turn. The "typical" row is the small start-up tree.`,
    '',
  );
  push('| Tree | Storage files | Files in tree | check median (min-max) | check peak memory | Findings | JSON bytes | Shell audit median | Shell audit peak memory | check / shell |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const row of scale.rows) {
    const failures = row.failures.length ? ` (${row.failures.length} failed: ${row.failures[0]})` : '';
    const ratio = row.cli && row.shell ? `${(row.cli.medianMs / row.shell.medianMs).toFixed(1)}x` : 'n/a';
    push(
      `| ${row.tree} | ${row.storageFiles ?? '-'} | ${row.totalFiles ?? '-'} | ${row.cli ? `${seconds(row.cli.medianMs)} (${seconds(row.cli.minMs)}-${seconds(row.cli.maxMs)})` : 'n/a'}${failures} | ${mib(row.cli?.maxRssMiB)} | ${row.findings ?? 'n/a'} | ${row.outputBytes ?? 'n/a'} | ${seconds(row.shell.medianMs)} | ${mib(row.shell.maxRssMiB)} | ${ratio} |`,
    );
  }
  push('');
  push(`Exact command per tree: \`${display(scale.command, results)}\`, with <tree> one of the rows; the shell audit: \`sh -c "<shell audit below>" sh bench/tmp/trees/<tree>\`.`, '');
  if (scale.growth.length) {
    push('### Growth', '');
    push('Exponent b of time ∝ files^b between consecutive sizes (1 is linear), and the factor per 10x more files (10^b). A fixed start-up cost makes the first step look better than linear.', '');
    push('| From | To | Time exponent | Time per 10x | Memory exponent | Memory per 10x |', '|---|---|---|---|---|---|');
    for (const step of scale.growth) {
      push(`| ${step.from} | ${step.to} | ${step.timeExponent.toFixed(2)} | ${step.timePer10x.toFixed(1)}x | ${step.memoryExponent?.toFixed(2) ?? 'n/a'} | ${step.memoryPer10x == null ? 'n/a' : `${step.memoryPer10x.toFixed(1)}x`} |`);
    }
    push('');
  }
  if (scale.profile) {
    renderProfile(push, 'CPU profile of `check` on the largest tree (self time)', scale.profile, '`node --cpu-prof` (1 ms sampling) on the largest tree');
    renderScaleLimits(push, scale);
  }
}

/** Renders what bounds the largest tree's time: system calls from the profile, next to the shell audit. */
function renderScaleLimits(push, scale) {
  const profile = scale.profile;
  if (!profile || profile.error || !profile.totalMs) return;
  const all = profile.allFunctions ?? profile.functions;
  const sum = (names) => all.filter((entry) => names.some((name) => entry.name === name || entry.name.startsWith(`${name} `))).reduce((total, entry) => total + entry.ms, 0);
  const syscalls = sum(['lstat', 'readdir', 'stat', 'open', 'read', 'close']);
  const dates = sum(['dateFromMs']);
  const largest = scale.rows[scale.rows.length - 1];
  push('### What limits the largest tree', '');
  push(
    `- System calls (lstat, readdir and file reads, native self time) take ${syscalls.toFixed(0)} ms of the ${profile.totalMs.toFixed(0)} ms profiled (${((100 * syscalls) / profile.totalMs).toFixed(0)} %). The shell audit makes the same lstat and readdir calls and took ${seconds(largest.shell.medianMs)} on this tree, so on this machine a tool that looks at every entry once cannot get far below that.`,
    `- Node 20's fs.Stats builds four Date objects per lstat (\`dateFromMs\`): ${dates.toFixed(0)} ms here. nodejs/node#50908, a semver-major change merged after Node 20 was released, makes them lazy.`,
    '',
  );
}

function renderApply(push, results) {
  const apply = results.apply;
  push('## 3. Full apply on nginx + MariaDB', '');
  if (apply.skipped) {
    push(`Not measured yet: ${apply.skipped}.${apply.missingModules?.length ? ` Missing: ${apply.missingModules.map((file) => `dist/${file}`).join(', ')}.` : ''} The harness (bench/lib/apply.js) runs once they exist.`, '');
    return;
  }
  push(
    `Each run gets a fresh stack in a temporary directory: nginx 1 worker on 127.0.0.1 serving <stack>/cachet/public, MariaDB on 127.0.0.1 and a unix socket, and a Cachet 2.x tree with the usual mistakes whose \`.env\` uses the \`homestead\`/\`secret\` account holding ALL PRIVILEGES. The answers file sets only what \`--yes\` cannot choose: \`${JSON.stringify(BENCH_ANSWERS)}\`. The stack's start and stop are not timed. ${apply.repeats} stack(s) for the full run; the second run repeats the same command when there is nothing left to change.`,
    '',
    `Command: \`${apply.command}\``,
    '',
  );
  push('| Run | Median wall time | Completed (exit 0 or 1) | Changes applied | Findings remaining | Steps (first stack) | First error |', '|---|---|---|---|---|---|---|');
  for (const [label, key, median] of [
    ['first (changes applied)', 'first', apply.firstMedianMs],
    ['second (nothing to change)', 'second', apply.secondMedianMs],
  ]) {
    const runs = apply.full.map((run) => run[key]);
    const okRuns = runs.filter((run) => run.ok);
    push(
      `| ${label} | ${seconds(median)} | ${okRuns.length}/${runs.length} | ${runs.map((run) => run.changes).join(', ')} | ${runs.map((run) => run.remaining).join(', ')} | ${runs[0]?.steps.join('; ') ?? ''} | ${runs.find((run) => !run.ok)?.error ?? ''} |`,
    );
  }
  push('');

  const timings = apply.full.find((run) => run.firstTimings)?.firstTimings;
  push('### Per step', '');
  if (timings) {
    push('From the per-step timings in the run\'s JSON report (first full run).', '');
    push('| Step | Time |', '|---|---|');
    for (const [id, value] of Object.entries(timings)) push(`| ${id} | ${ms(value)} |`);
    push('');
  }
  push(
    `The JSON report carries no per-step times${timings ? ' in older builds' : ''}, so each step also ran alone (\`--only <step>\`, same options) on its own fresh stack. Net time = wall time minus the wizard's fixed cost (${ms(apply.baselineMs)}: the median of 5 runs with no step selected, \`--only app --skip app\`, which start Node, load the CLI, detect the install and print the report), and for web also minus one \`nginx -s reload\` (${ms(apply.reloadMs)}, median of 5 on the stack; the command returns once the signal is sent). Net times are estimates: each step loads its own modules, which a full run shares.`,
    '',
  );
  push('| Step | First run wall | First run net | Second run wall | Second run net | Exit codes | Changes (first, second) | Error |', '|---|---|---|---|---|---|---|---|');
  for (const step of apply.perStep) {
    if (step.skipped) {
      push(`| ${step.id} | not measured yet: ${step.skipped} | | | | | | |`);
      continue;
    }
    const error = step.first.error ?? step.second.error ?? '';
    push(`| ${step.id} | ${ms(step.first.ms)} | ${netMs(step.firstNetMs)} | ${ms(step.second.ms)} | ${netMs(step.secondNetMs)} | ${step.first.status}, ${step.second.status} | ${step.first.changes}, ${step.second.changes} | ${error} |`);
  }
  push('');
}

function renderShell(push) {
  push('## 4. The same audit by hand', '');
  push(
    'The "shell audit" rows above run this script (bench/lib/shell-floor.js) with `sh -c`: one GNU find walk for world-writable entries, `.env` copies, editor leftovers, `.git` and readable logs, plus stat and grep. It is the floor a user reaches without the tool: it prints raw lines, masks no secret and explains nothing.',
    '',
    '```sh',
    shellAuditDisplay(),
    '```',
    '',
  );
}

function renderMethod(push, results) {
  push('## How to read these figures', '');
  push(
    `- Wall time is measured by the bench process around \`spawnSync\` (process.hrtime), so it includes fork, exec and Node's own start; \`node -e 0\` pays the same costs and is the baseline. Start-up goal: the median of \`check\` within ${STARTUP_GOAL_RATIO}x the median of \`node -e 0\` from the same interleaved run.`,
    `- Peak memory is the maximum resident set size of the measured process (${results.memoryMethod === 'gnu-time' ? 'GNU time' : 'Node\'s maxRSS at exit'}), the largest over the measured runs. MiB = 2^20 bytes; the 200 MB goal is checked in 10^6 bytes.`,
    '- The scale trees sit in the page cache (warm runs). A cold cache after a reboot adds disk reads proportional to the tree for the tool and the shell audit alike.',
    '- A 2-core machine shared with other work gives noisy absolute times; compare ratios from the same run, and rerun on a quiet machine before drawing conclusions from small differences.',
    '- Limits: each `check` is one process with one walk of the tree, so its time is bounded below by one lstat per entry (what the shell audit also pays) plus Node start-up and module loading.',
    '',
  );
}
