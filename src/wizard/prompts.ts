// Terminal prompts through @inquirer/prompts, imported on first use. Prompts render on stderr so stdout
// stays clean for `--json`; Ctrl-C at a prompt becomes a CancelledError.

import type { Io } from '../cli-options.js';
import { CancelledError } from '../errors.js';
import type { ChoiceOption } from '../types.js';

export interface Prompter {
  select(message: string, options: ChoiceOption[], defaultValue?: string): Promise<string>;
  confirm(message: string, defaultValue: boolean): Promise<boolean>;
  input(message: string, defaultValue?: string): Promise<string>;
  /** Hidden input; the caller wraps the answer in a Secret at once. */
  password(message: string): Promise<string>;
}

export const CANCELLED_MESSAGE = 'Cancelled at a prompt; nothing further was changed.';

export function createPrompter(io: Io, color: boolean): Prompter {
  const context = { input: io.stdin, output: io.stderr };
  // Without colour, every style is the identity and the prefixes are plain characters.
  const plain = (text: string): string => text;
  const theme = color
    ? undefined
    : {
        prefix: { idle: '?', done: '✔' },
        style: {
          answer: plain,
          message: plain,
          error: (text: string) => `> ${text}`,
          defaultAnswer: (text: string) => `(${text})`,
          help: plain,
          highlight: plain,
          key: (text: string) => `<${text}>`,
          description: plain,
          disabled: plain,
        },
      };

  return {
    async select(message, options, defaultValue) {
      const { select } = await import('@inquirer/prompts');
      const choices = options.map((option) => ({ value: option.value, name: option.label, description: option.description }));
      return cancellable(() => select({ message, choices, default: defaultValue, theme }, context));
    },
    async confirm(message, defaultValue) {
      const { confirm } = await import('@inquirer/prompts');
      return cancellable(() => confirm({ message, default: defaultValue, theme }, context));
    },
    async input(message, defaultValue) {
      const { input } = await import('@inquirer/prompts');
      return cancellable(() => input({ message, default: defaultValue, theme }, context));
    },
    async password(message) {
      const { password } = await import('@inquirer/prompts');
      return cancellable(() => password({ message, mask: '*', theme }, context));
    },
  };
}

async function cancellable<T>(prompt: () => Promise<T>): Promise<T> {
  try {
    return await prompt();
  } catch (error) {
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
      throw new CancelledError(CANCELLED_MESSAGE, { cause: error });
    }
    throw error;
  }
}
