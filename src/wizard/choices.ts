// Answers a step's choices from, in order: the answers file, `--yes` (the recommended value), a prompt,
// and for a dry run without a terminal the recommended value. Anything still open is a UsageError that
// names the answers key to set.

import type { StepAnswers } from '../cli-options.js';
import { UsageError } from '../errors.js';
import type { Choice, Choices, StepId } from '../types.js';
import type { Prompter } from './prompts.js';

export interface ChoiceMode {
  answers: StepAnswers | undefined;
  yes: boolean;
  dryRun: boolean;
  prompter: Prompter | null;
  /** Prints the help text of a choice before its prompt. */
  say: (text: string) => void;
}

export interface ResolvedChoices {
  values: Choices;
  /** Keys a dry run took the recommended value for, because no terminal was there to ask. */
  assumed: string[];
}

export async function resolveChoices(
  step: StepId,
  choices: Choice[],
  mode: ChoiceMode,
  choiceKeys: readonly string[] = [],
): Promise<ResolvedChoices> {
  validateAnswerKeys(step, choices, mode.answers, choiceKeys);
  const values: Choices = {};
  const assumed: string[] = [];
  // Keys the steps read beyond their choices, such as `adminPasswordEnv`, pass through unchanged.
  for (const [key, value] of Object.entries(mode.answers ?? {})) {
    if (key !== 'action' && value !== undefined) values[key] = value;
  }

  for (const choice of choices) {
    if (choice.when && !choice.when(values)) continue;
    const answered = mode.answers?.[choice.key];
    if (answered !== undefined) {
      values[choice.key] = validateAnswer(step, choice, answered);
      continue;
    }
    if (choice.type === 'password' && mode.answers?.[`${choice.key}Env`] !== undefined) continue;
    if (mode.yes && choice.recommended !== undefined) {
      values[choice.key] = choice.recommended;
      continue;
    }
    if (mode.prompter) {
      if (choice.help) mode.say(choice.help);
      values[choice.key] = await ask(mode.prompter, choice);
      continue;
    }
    if (mode.dryRun && choice.recommended !== undefined) {
      values[choice.key] = choice.recommended;
      assumed.push(choice.key);
      continue;
    }
    // A preview changes nothing, so without a terminal a choice with no recommendation shows its first
    // option instead of no preview at all. The output names the key to set for a real run.
    if (mode.dryRun && choice.options.length > 0) {
      values[choice.key] = choice.options[0]!.value;
      assumed.push(choice.key);
      continue;
    }
    throw missingAnswer(step, choice);
  }
  return { values, assumed };
}

async function ask(prompter: Prompter, choice: Choice): Promise<string> {
  switch (choice.type ?? 'select') {
    case 'confirm':
      return (await prompter.confirm(choice.message, choice.recommended !== 'no')) ? 'yes' : 'no';
    case 'input':
      return prompter.input(choice.message, choice.recommended);
    case 'password':
      return prompter.password(choice.message);
    default:
      return prompter.select(choice.message, choice.options, choice.recommended);
  }
}

function validateAnswer(step: StepId, choice: Choice, value: string): string {
  const type = choice.type ?? 'select';
  const allowed = type === 'confirm' ? ['yes', 'no'] : type === 'select' ? choice.options.map((option) => option.value) : null;
  if (allowed !== null && !allowed.includes(value)) {
    throw new UsageError(
      `answers file: "${step}.${choice.key}" is "${value}"; expected one of ${allowed.map((v) => `"${v}"`).join(', ')}.`,
    );
  }
  return value;
}

/** Rejects answer keys this step does not ask, so a typo is caught before anything changes. */
function validateAnswerKeys(
  step: StepId,
  choices: Choice[],
  answers: StepAnswers | undefined,
  choiceKeys: readonly string[],
): void {
  if (!answers) return;
  const known = new Set(['action', ...choiceKeys, ...choices.map((choice) => choice.key)]);
  for (const choice of choices) if (choice.type === 'password') known.add(`${choice.key}Env`);
  for (const key of Object.keys(answers)) {
    if (!known.has(key)) {
      throw new UsageError(
        `answers file: unknown key "${step}.${key}". This step accepts ${[...known].map((k) => `"${k}"`).join(', ')}.`,
      );
    }
  }
}

function missingAnswer(step: StepId, choice: Choice): UsageError {
  const type = choice.type ?? 'select';
  let example: string;
  if (type === 'password') {
    example = `{"${step}": {"${choice.key}Env": "NAME_OF_AN_ENVIRONMENT_VARIABLE"}}`;
  } else {
    const sample = type === 'confirm' ? 'yes' : (choice.recommended ?? choice.options[0]?.value ?? '...');
    example = `{"${step}": {"${choice.key}": "${sample}"}}`;
  }
  let allowed = '';
  if (type === 'select') allowed = ` (one of ${choice.options.map((option) => option.value).join(', ')})`;
  if (type === 'confirm') allowed = ' (yes or no)';
  const yes = choice.recommended !== undefined ? ', or pass --yes to take the recommended value' : '';
  return new UsageError(
    `no answer for "${step}.${choice.key}"${allowed}: ${choice.message} ` +
      `There is no terminal to ask; set it in the answers file, e.g. ${example}${yes}.`,
  );
}
