// Readers for what a benchmarked process leaves behind: its module load record (hooks/record-loads.js)
// and its V8 CPU profile (`node --cpu-prof`), both reduced to per-package figures.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Returns the package a file belongs to: the segment after the last node_modules/, or the project itself. */
export function packageOf(fileOrUrl, repoRoot) {
  if (!fileOrUrl) return '(no file: V8 and native code)';
  if (fileOrUrl.startsWith('node:')) return 'node (built-in modules)';
  let path = fileOrUrl;
  if (path.startsWith('file://')) path = fileURLToPath(path);
  const marker = '/node_modules/';
  const at = path.lastIndexOf(marker);
  if (at >= 0) {
    const parts = path.slice(at + marker.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (path.startsWith(`${repoRoot}/bench/hooks/`)) return 'bench hooks';
  if (path.startsWith(repoRoot)) return 'cachet-harden';
  return path;
}

/**
 * Reduces a record-loads.js dump to { files, bytes, packages: [{ name, files, bytes }], builtins }.
 * `baselineBuiltins` (from `node -e 0` under the same hook) is removed from the built-in list so that
 * only what the command itself pulled in remains.
 */
export function summarizeLoads(dumpFile, repoRoot, baselineBuiltins = []) {
  const dump = JSON.parse(readFileSync(dumpFile, 'utf8'));
  const paths = new Set();
  for (const url of dump.esm) {
    if (url.startsWith('file://')) paths.add(fileURLToPath(url));
  }
  for (const path of dump.cjs) paths.add(path);

  const byPackage = new Map();
  let bytes = 0;
  for (const path of paths) {
    const name = packageOf(path, repoRoot);
    if (name === 'bench hooks') continue;
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      // A file removed since the run still counts as loaded.
    }
    bytes += size;
    const entry = byPackage.get(name) ?? { name, files: 0, bytes: 0 };
    entry.files += 1;
    entry.bytes += size;
    byPackage.set(name, entry);
  }
  const packages = [...byPackage.values()].sort((a, b) => b.bytes - a.bytes);
  const baseline = new Set(baselineBuiltins);
  const builtins = dump.builtins.filter((name) => !baseline.has(name));
  // Which project modules import each built-in or package: the first place to look when a new one appears.
  const importers = new Map();
  for (const [specifier, parent] of dump.imports ?? []) {
    if (packageOf(parent, repoRoot) !== 'cachet-harden') continue;
    const name = specifier.replace(/^node:/, '');
    // Built-ins that bare `node -e 0` already loads cost nothing extra.
    if (baseline.has(name)) continue;
    const from = relativePath(parent, repoRoot);
    const list = importers.get(name) ?? [];
    if (!list.includes(from)) list.push(from);
    importers.set(name, list);
  }
  return {
    files: packages.reduce((sum, p) => sum + p.files, 0),
    bytes,
    packages,
    builtins,
    rawBuiltins: dump.builtins,
    importers: [...importers.entries()].map(([name, from]) => ({ name, from })).sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** Sums the self time of a `.cpuprofile` per package and per function, in milliseconds. */
export function summarizeCpuProfile(file, repoRoot, topFunctions = 12) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }

  const byPackage = new Map();
  const byFunction = new Map();
  let total = 0;
  for (const [id, micros] of selfMicros) {
    const frame = nodes.get(id).callFrame;
    total += micros;
    const special = frame.functionName.startsWith('(') && !frame.url;
    const name = special ? frame.functionName : packageOf(frame.url, repoRoot);
    byPackage.set(name, (byPackage.get(name) ?? 0) + micros);
    const where = frame.url ? `${shortUrl(frame.url, repoRoot)}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  }
  const ms = (micros) => micros / 1000;
  return {
    totalMs: ms(total),
    packages: [...byPackage.entries()].map(([name, micros]) => ({ name, ms: ms(micros) })).sort((a, b) => b.ms - a.ms),
    functions: [...byFunction.entries()]
      .map(([name, micros]) => ({ name, ms: ms(micros) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, topFunctions),
    allFunctions: [...byFunction.entries()].map(([name, micros]) => ({ name, ms: ms(micros) })),
  };
}

function relativePath(url, repoRoot) {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(`${repoRoot}/`) ? path.slice(repoRoot.length + 1) : path;
}

function shortUrl(url, repoRoot) {
  let path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.startsWith(`${repoRoot}/`)) path = path.slice(repoRoot.length + 1);
  const at = path.lastIndexOf('/node_modules/');
  return at >= 0 ? path.slice(at + 14) : path;
}

/** Finds the newest `.cpuprofile` in a directory. */
export function newestProfile(dir) {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => ({ name, mtime: statSync(`${dir}/${name}`).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  return files.length ? `${dir}/${files[0].name}` : null;
}
