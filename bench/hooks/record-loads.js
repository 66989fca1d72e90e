// Preloaded with `node --import`: records every module the process loads, so a start-up regression can
// be traced to the package that brought it in. ES modules are seen by a loader hook (load-hook.js, run on
// Node's hooks thread); CommonJS files required from CommonJS never reach that hook on Node 20, so the
// require cache is read at exit as well. Writes JSON to $CACHET_BENCH_LOADS_FILE.

import { createRequire, register } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.env.CACHET_BENCH_LOADS_FILE;
if (file) {
  const esmFile = `${file}.esm`;
  writeFileSync(esmFile, '');
  register('./load-hook.js', import.meta.url, { data: { file: esmFile } });
  process.on('exit', () => {
    const lines = readFileSync(esmFile, 'utf8').split('\n').filter(Boolean);
    const esm = lines.filter((line) => line.startsWith('load ')).map((line) => line.slice(5));
    const imports = lines.filter((line) => line.startsWith('import ')).map((line) => line.slice(7).split(' '));
    const cjs = Object.keys(createRequire(import.meta.url).cache);
    // process.moduleLoadList names Node's own internal modules and bindings loaded so far.
    const builtins = process.moduleLoadList.filter((name) => name.startsWith('NativeModule ')).map((name) => name.slice(13));
    writeFileSync(file, JSON.stringify({ esm, cjs, builtins, imports }));
  });
}
