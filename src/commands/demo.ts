// `cachet-harden --demo`: builds a throw-away Cachet-shaped install with typical mistakes in a temporary
// directory and runs the real wizard on its file-based steps (no root, no servers).

import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { CliOptions, Io } from '../cli-options.js';
import { buildCachetTree } from '../demo/tree.js';

export async function runDemo(options: CliOptions, io: Io): Promise<number> {
  const base = mkdtempSync(join(tmpdir(), 'cachet-harden-demo-'));
  chmodSync(base, 0o755);
  const root = join(base, 'cachet');
  buildCachetTree(root, { line: '2.x', mistakes: true, configCache: true });

  const say = (text: string): void => {
    (options.json ? io.stderr : io.stdout).write(`${text}\n`);
  };
  say(`Demo: a Cachet-shaped 2.x install with typical mistakes was created at ${root}`);
  say('The wizard now runs on it with the file-based steps (files, storage, app); no servers are touched.\n');

  const { runWizard } = await import('./wizard.js');
  const exitCode = await runWizard(
    {
      ...options,
      path: root,
      only: ['files', 'storage', 'app'],
      skip: [],
      probe: false,
      // Runs, backups and the lock stay beside the demo tree, so no root is needed.
      stateDir: options.stateDir === '/var/lib/cachet-harden' ? join(base, 'state') : options.stateDir,
    },
    io,
  );

  say(`\nThe demo install is at ${root}; its runs and backups are in ${join(base, 'state')}.`);
  say(`Audit it with:  cachet-harden check --path ${root}`);
  say(`Remove it with: rm -rf ${base}`);
  return exitCode;
}
