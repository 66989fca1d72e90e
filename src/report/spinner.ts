// Progress while changes are applied: an ora spinner on stderr when the session is interactive, nothing
// otherwise (results are printed as lines by the caller either way).

import type { Io } from '../cli-options.js';

export interface Spinner {
  start(text: string): void;
  update(text: string): void;
  /** Clears the spinner line; the caller prints the outcome. */
  stop(): void;
}

const SILENT: Spinner = { start() {}, update() {}, stop() {} };

export async function createSpinner(io: Io, color: boolean): Promise<Spinner> {
  if (!io.interactive) return SILENT;
  const { default: ora } = await import('ora');
  // discardStdin off: ora would otherwise put stdin in raw mode, which the next prompt needs for itself.
  const spinner = ora({ stream: io.stderr, isEnabled: true, discardStdin: false, color: color ? 'cyan' : false });
  return {
    start(text) {
      spinner.start(text);
    },
    update(text) {
      spinner.text = text;
    },
    stop() {
      spinner.stop();
    },
  };
}
