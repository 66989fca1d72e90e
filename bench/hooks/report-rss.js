// Preloaded with `node --import` when GNU time is missing: writes this process's peak resident set
// size in KiB (process.resourceUsage().maxRSS, from getrusage(RUSAGE_SELF)) to $CACHET_BENCH_RSS_FILE at exit.

import { writeFileSync } from 'node:fs';

const file = process.env.CACHET_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, `${process.resourceUsage().maxRSS}\n`);
  });
}
