// Cachet-shaped trees in temporary directories for tests; removed by the returned cleanup.

import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildCachetTree, type TreeOptions } from '../../src/demo/tree.js';

export { DEMO_APP_KEY, typicalEnv } from '../../src/demo/tree.js';

export interface CachetTree {
  root: string;
  cleanup: () => void;
}

export function makeCachetTree(options: TreeOptions): CachetTree {
  // Under /tmp with mode 0755 so a web user (www-data) can traverse it in verification steps.
  const base = mkdtempSync(join(tmpdir(), 'cachet-tree-'));
  chmodSync(base, 0o755);
  const root = join(base, 'cachet');
  buildCachetTree(root, options);
  return { root, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}
