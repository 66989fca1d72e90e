// The step registry. Each step module is imported only when selected, so `check --only files` never loads
// the web or database adapters.

import { UsageError } from '../errors.js';
import { STEP_IDS, type Step, type StepId } from '../types.js';

const loaders: Record<StepId, () => Promise<{ step: Step }>> = {
  web: () => import('./web.js'),
  files: () => import('./files.js'),
  storage: () => import('./storage.js'),
  database: () => import('./database.js'),
  app: () => import('./app.js'),
};

/** Step ids in the order the wizard walks them, after --only and --skip. */
export function selectSteps(only: StepId[] | null, skip: StepId[]): StepId[] {
  return STEP_IDS.filter((id) => (only === null || only.includes(id)) && !skip.includes(id));
}

export async function loadSteps(only: StepId[] | null, skip: StepId[]): Promise<Step[]> {
  const ids = selectSteps(only, skip);
  if (ids.length === 0) {
    // An empty selection would pass every check, which a cron line with an empty variable must not do.
    throw new UsageError(
      `--only ${only?.join(',') ?? '(all)'} --skip ${skip.join(',') || '(none)'} selects no step. ` +
        `Name at least one of ${STEP_IDS.join(', ')}.`,
    );
  }
  const modules = await Promise.all(ids.map((id) => loaders[id]()));
  return modules.map((module) => module.step);
}
