// Cachet-shaped trees for the benchmarks, generated once under bench/tmp/trees/ and reused while their
// recipe (TREE_RECIPE) is unchanged. The skeleton comes from the project's own buildCachetTree (dist/);
// the bulk is what a busy install accumulates under storage/ and public/.

import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Bump when the layout below changes, so stale trees are rebuilt instead of reused. */
export const TREE_RECIPE = 4;

/** Files outside storage/ that every scale tree has, whatever its size. */
export const FIXED_PUBLIC_ASSETS = 5000;
export const FIXED_VENDOR_FILES = 8000;

/**
 * Share of the storage/ files per directory. Laravel's file cache stores each key at
 * data/<2 hex>/<2 hex>/<sha1> (Illuminate\Cache\FileStore::path), sessions are one file per session id
 * (40 characters), compiled Blade views one `<sha1>.php` each.
 */
const STORAGE_SHARES = { cache: 0.6, sessions: 0.3, views: 0.1 };

export function treeDir(benchTmp, name) {
  return join(benchTmp, 'trees', name);
}

async function loadTreeBuilder(distDir) {
  const module = pathToFileURL(join(distDir, 'demo', 'tree.js')).href;
  const { buildCachetTree } = await import(module);
  return buildCachetTree;
}

/** Returns the numeric uid and gid of www-data when it exists and we may chown to it; null otherwise. */
export function webOwner() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const uid = spawnSync('id', ['-u', 'www-data'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'www-data'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

function isCurrent(dir, spec) {
  const marker = `${dir}.json`;
  if (!existsSync(marker) || !existsSync(dir)) return false;
  try {
    return JSON.stringify(JSON.parse(readFileSync(marker, 'utf8')).spec) === JSON.stringify(spec);
  } catch {
    return false;
  }
}

function markCurrent(dir, spec, stats) {
  writeFileSync(`${dir}.json`, `${JSON.stringify({ spec, ...stats }, null, 2)}\n`);
}

/** Builds (or reuses) the small tree used for start-up: the demo install with its usual mistakes (Cachet 2.x). */
export async function ensureTypicalTree({ benchTmp, distDir }) {
  const dir = treeDir(benchTmp, 'typical');
  const spec = { recipe: TREE_RECIPE, kind: 'typical', line: '2.x', mistakes: true };
  if (isCurrent(dir, spec)) return { dir, reused: true, files: null };
  rmSync(dir, { recursive: true, force: true });
  const buildCachetTree = await loadTreeBuilder(distDir);
  buildCachetTree(dir, { line: '2.x', mistakes: true });
  markCurrent(dir, spec, {});
  return { dir, reused: false };
}

/**
 * Builds (or reuses) a clean Cachet 2.x install with `storageFiles` files under storage/framework/, 5k public assets and
 * 8k vendor files. Writable areas belong to www-data (when we are root), as on a working install. Files
 * keep the 0644 that Laravel's writes get under umask 022.
 */
export async function ensureScaleTree({ benchTmp, distDir, storageFiles, log }) {
  const name = `storage-${storageFiles / 1000}k`;
  const dir = treeDir(benchTmp, name);
  const owner = webOwner();
  const spec = { recipe: TREE_RECIPE, kind: 'scale', storageFiles, owner: owner ? 'www-data' : 'current user' };
  if (isCurrent(dir, spec)) return { dir, name, reused: true, ...JSON.parse(readFileSync(`${dir}.json`, 'utf8')) };

  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}.json`, { force: true });
  log?.(`generating ${name} (${storageFiles} storage files) in ${dir}`);
  const started = Date.now();
  const buildCachetTree = await loadTreeBuilder(distDir);
  buildCachetTree(dir, { line: '2.x', mistakes: false, configCache: true });

  const writer = new TreeWriter(dir);
  const cacheFiles = Math.round(storageFiles * STORAGE_SHARES.cache);
  const sessionFiles = Math.round(storageFiles * STORAGE_SHARES.sessions);
  const viewFiles = storageFiles - cacheFiles - sessionFiles;
  const expiry = 1_900_000_000;

  for (let i = 0; i < cacheFiles; i++) {
    const hash = sha1(`cache:${i}`);
    writer.file(`storage/framework/cache/data/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`, `${expiry}s:12:"cached value";`);
  }
  for (let i = 0; i < sessionFiles; i++) {
    const id = sha1(`session:${i}`);
    writer.file(`storage/framework/sessions/${id}`, `a:3:{s:6:"_token";s:40:"${sha1(`token:${i}`)}";s:9:"_previous";a:1:{s:3:"url";s:22:"http://localhost/login";}}`);
  }
  for (let i = 0; i < viewFiles; i++) {
    writer.file(`storage/framework/views/${sha1(`view:${i}`)}.php`, `<?php /* compiled view ${i} */ ?>\n<div class="component"><?php echo e($name); ?></div>\n`);
  }
  for (let day = 1; day <= 30; day++) {
    writer.file(`storage/logs/laravel-2024-01-${String(day).padStart(2, '0')}.log`, `[2024-01-${day} 00:00:00] production.INFO: daily log\n`, 0o640);
  }

  const kinds = ['js', 'css', 'png', 'svg', 'woff2'];
  for (let i = 0; i < FIXED_PUBLIC_ASSETS; i++) {
    const ext = kinds[i % kinds.length];
    writer.file(`public/build/assets/${ext}/${i % 50}/asset-${sha1(`asset:${i}`).slice(0, 8)}.${ext}`, `/* asset ${i} */\n`);
  }
  for (let i = 0; i < FIXED_VENDOR_FILES; i++) {
    writer.file(`vendor/package-${i % 80}/src/Part${Math.floor(i / 80) % 10}/Class${i}.php`, `<?php\nclass Class${i} {}\n`);
  }

  if (owner) {
    // The writable areas of Cachet 2.x: storage/, bootstrap/cache/ and bootstrap/cachet/.
    for (const area of ['storage', 'bootstrap/cache', 'bootstrap/cachet']) {
      const chown = spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, join(dir, area)], { encoding: 'utf8' });
      if (chown.status !== 0) throw new Error(`chown -R www-data ${join(dir, area)} failed: ${chown.stderr.trim()}`);
    }
    chownSync(join(dir, '.env'), 0, owner.gid);
  }

  const stats = {
    storageFiles,
    publicAssets: FIXED_PUBLIC_ASSETS,
    vendorFiles: FIXED_VENDOR_FILES,
    totalFiles: writer.count,
    generatedInSeconds: (Date.now() - started) / 1000,
  };
  markCurrent(dir, spec, stats);
  log?.(`generated ${name}: ${writer.count} files in ${stats.generatedInSeconds.toFixed(1)} s`);
  return { dir, name, reused: false, spec, ...stats };
}

function sha1(text) {
  return createHash('sha1').update(text).digest('hex');
}

class TreeWriter {
  constructor(root) {
    this.root = root;
    this.dirs = new Set();
    this.count = 0;
  }

  file(relativePath, content, mode = 0o644) {
    const path = join(this.root, relativePath);
    const parent = path.slice(0, path.lastIndexOf('/'));
    if (!this.dirs.has(parent)) {
      mkdirSync(parent, { recursive: true, mode: 0o755 });
      this.dirs.add(parent);
    }
    writeFileSync(path, content, { mode });
    this.count += 1;
  }
}
