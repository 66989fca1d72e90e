// Options parsed from the command line (and the answers file), and the streams a command writes to.

import type { Severity, StepId } from './types.js';

export interface CliOptions {
  /** --path DIR; null means detect from the current directory and common locations. */
  path: string | null;
  dryRun: boolean;
  yes: boolean;
  /** --answers FILE, already read and validated (see src/answers.ts). */
  answers: Answers | null;
  answersFile: string | null;
  only: StepId[] | null;
  skip: StepId[];
  json: boolean;
  probe: boolean;
  probeUrl: string | null;
  stateDir: string;
  failOn: Severity;
  nginxConf: string | null;
  apacheConf: string | null;
  /** PHP-FPM pool directories read before the system's, for the web user (the demo sets its own pool). */
  fpmPoolDirs?: string[] | null;
  color: boolean;
  /** The working directory the command was started in. */
  cwd: string;
  /** A copy of the environment the command was started with. */
  env: Readonly<Record<string, string | undefined>>;
}

export interface StepAnswers {
  action?: 'apply' | 'skip';
  [choiceKey: string]: string | undefined;
}

export type Answers = Partial<Record<StepId, StepAnswers>> & {
  options?: { path?: string; nginxConf?: string; apacheConf?: string; probeUrl?: string; stateDir?: string };
};

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** True when both stdin and stderr are terminals: prompts and spinners are allowed. */
  interactive: boolean;
}

export const DEFAULT_STATE_DIR = '/var/lib/cachet-harden';
