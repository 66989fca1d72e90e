// A real run (state directory, run directory, manifest, backups) around a Cachet-shaped tree, for tests of
// the change handlers and the executor.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ApplyContext, UndoRecord } from '../../src/apply/types.js';
import { RunJournal } from '../../src/apply/run.js';
import type { CliOptions } from '../../src/cli-options.js';
import { createContext } from '../../src/context.js';
import { detectInstall } from '../../src/install/detect.js';
import type { Context } from '../../src/types.js';
import { makeCachetTree, type CachetTree } from './cachet-tree.js';
import type { TreeOptions } from '../../src/demo/tree.js';

export interface Harness {
  tree: CachetTree;
  stateDir: string;
  ctx: Context;
  journal: RunJournal;
  actx: ApplyContext;
  records: UndoRecord[];
  cleanup: () => void;
}

export function cliOptions(root: string, stateDir: string, overrides: Partial<CliOptions> = {}): CliOptions {
  return {
    path: root,
    dryRun: false,
    yes: false,
    answers: null,
    answersFile: null,
    only: null,
    skip: [],
    json: false,
    probe: false,
    probeUrl: null,
    stateDir,
    failOn: 'high',
    nginxConf: null,
    apacheConf: null,
    color: false,
    cwd: '/',
    env: {},
    ...overrides,
  };
}

export async function makeContext(root: string, stateDir: string): Promise<Context> {
  const options = cliOptions(root, stateDir);
  return createContext(await detectInstall(options), options);
}

export async function makeHarness(treeOptions: TreeOptions = { line: '2.x', mistakes: true }): Promise<Harness> {
  const tree = makeCachetTree(treeOptions);
  const stateDir = mkdtempSync(join(tmpdir(), 'cachet-state-'));
  const ctx = await makeContext(tree.root, stateDir);
  const journal = await RunJournal.create(stateDir, tree.root, new Date());
  const records: UndoRecord[] = [];
  const actx: ApplyContext = {
    ctx,
    runId: journal.id,
    runDir: journal.dir,
    backupFile: (path) => journal.backupFile(path),
    record: async (record) => {
      records.push(record);
      await journal.recordUndo('files', 0, 'test change', record, new Date());
    },
  };
  return {
    tree,
    stateDir,
    ctx,
    journal,
    actx,
    records,
    cleanup: () => {
      tree.cleanup();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
