// `cachet-harden rollback [RUN]`: restores what a run changed, from its manifest and backups alone.
// It deliberately skips install detection, so it also works when `.env` or the server config is broken.

import type { CliOptions, Io } from '../cli-options.js';
import { rollbackRun } from '../apply/rollback.js';
import { createContext } from '../context.js';
import { RollbackError } from '../errors.js';
import { createStyler } from '../report/style.js';
import type { Context, Install } from '../types.js';
import { VERSION } from '../version.js';
import { invocation } from '../util/invocation.js';

export async function runRollback(runId: string | null, options: CliOptions, io: Io): Promise<number> {
  const style = createStyler(options.color);
  const human = options.json ? null : io.stdout;
  const result = await rollbackRun(rollbackContext(options), options.stateDir, runId, (item) => {
    human?.write(`  ${style('ok', 'restored')}  ${style('muted', `${item.step}:`)} ${item.summary}\n`);
  });

  if (options.json) {
    const document = {
      tool: 'cachet-harden',
      version: VERSION,
      command: 'rollback',
      runId: result.runId,
      status: result.errors.length === 0 ? 'rolled-back' : 'rollback-incomplete',
      restored: result.restored.map((item) => ({ step: item.step, summary: item.summary })),
      errors: result.errors,
    };
    io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  }

  if (result.errors.length > 0) {
    throw new RollbackError(
      `run ${result.runId}: ${result.restored.length} change(s) restored, ${result.errors.length} could not be:\n` +
        result.errors.map((error) => `  - ${error}`).join('\n') +
        `\nFix the cause, then run: ${invocation()} rollback ${result.runId} --state-dir ${options.stateDir}`,
    );
  }
  const count = result.restored.length;
  human?.write(`${style('heading', 'Rolled back')} run ${result.runId}: ${count} change(s) restored.\n`);
  return 0;
}

/**
 * Builds a Context for undo handlers, which use only exec, isRoot, env and the clock. The install fields are
 * placeholders because reading the real install could fail on the very breakage being rolled back.
 */
function rollbackContext(options: CliOptions): Context {
  const install: Install = {
    root: options.path ?? options.cwd,
    realRoot: options.path ?? options.cwd,
    line: '2.x',
    version: null,
    versionSource: null,
    isFork: false,
    dialect: 'phpdotenv2',
    dialectSource: 'not read during rollback',
    envPath: '',
    env: null,
    envError: null,
    db: {
      driver: null,
      driverKey: null,
      host: null,
      port: null,
      database: null,
      username: null,
      password: null,
      socket: null,
      prefix: '',
      schema: null,
    },
    webUser: { user: '', group: '', uid: null, gid: null, source: 'not read during rollback' },
  };
  return createContext(install, options);
}
