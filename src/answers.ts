// Reads and validates the answers file for unattended runs (`--answers FILE`).
// Shape: { "<step>": { "action": "apply" | "skip", "<choice key>": "<value>" }, "options": { ... } }.
// Here only the structure is checked, so a typo in a step name or option fails before anything runs.
// Each step's own keys are checked against everything that step can ask (Step.choiceKeys) when it runs.

import { readFileSync } from 'node:fs';

import type { Answers } from './cli-options.js';
import { UsageError } from './errors.js';
import { STEP_IDS, type StepId } from './types.js';

const OPTION_KEYS = ['path', 'nginxConf', 'apacheConf', 'probeUrl', 'stateDir'] as const;

export function readAnswers(file: string): Answers {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--answers ${file}: cannot read the file (${(error as NodeJS.ErrnoException).code}).`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--answers ${file}: invalid JSON (${(error as Error).message}).`);
  }
  return validateAnswers(data, file);
}

export function validateAnswers(data: unknown, file: string): Answers {
  if (!isObject(data)) throw new UsageError(`--answers ${file}: expected a JSON object at the top level.`);

  const answers: Answers = {};
  for (const [key, value] of Object.entries(data)) {
    if (key === 'options') {
      answers.options = validateOptions(value, file);
      continue;
    }
    if (!STEP_IDS.includes(key as StepId)) {
      throw new UsageError(
        `--answers ${file}: unknown key "${key}". Expected one of ${[...STEP_IDS, 'options'].join(', ')}.`,
      );
    }
    if (!isObject(value)) throw new UsageError(`--answers ${file}: "${key}" must be an object of choices.`);
    const step: Record<string, string> = {};
    for (const [choice, answer] of Object.entries(value)) {
      if (typeof answer !== 'string' && typeof answer !== 'boolean' && typeof answer !== 'number') {
        throw new UsageError(`--answers ${file}: "${key}.${choice}" must be a string, number or boolean.`);
      }
      if (typeof answer === 'boolean') step[choice] = answer ? 'yes' : 'no';
      else step[choice] = String(answer);
    }
    for (const choice of Object.keys(step)) {
      if (/password$/i.test(choice)) {
        throw new UsageError(
          `--answers ${file}: "${key}.${choice}" puts a password in the file. ` +
            `Export it in an environment variable and name that variable with "${key}.${choice}Env".`,
        );
      }
    }
    if (step.action !== undefined && step.action !== 'apply' && step.action !== 'skip') {
      throw new UsageError(`--answers ${file}: "${key}.action" is "${step.action}"; expected "apply" or "skip".`);
    }
    answers[key as StepId] = step as Answers[StepId];
  }
  return answers;
}

function validateOptions(value: unknown, file: string): NonNullable<Answers['options']> {
  if (!isObject(value)) throw new UsageError(`--answers ${file}: "options" must be an object.`);
  const options: NonNullable<Answers['options']> = {};
  for (const [key, option] of Object.entries(value)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      throw new UsageError(`--answers ${file}: unknown option "options.${key}". Expected one of ${OPTION_KEYS.join(', ')}.`);
    }
    if (typeof option !== 'string' || option === '') {
      throw new UsageError(`--answers ${file}: "options.${key}" must be a non-empty string.`);
    }
    options[key as (typeof OPTION_KEYS)[number]] = option;
  }
  return options;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
