// Shared types: the install, findings, steps and the context that carries all I/O.
// Steps read only what they declare through Pick<Context, ...>; nothing below reads process.* directly.

import type { EnvDocument, Dialect } from './dotenv/index.js';
import type { Change } from './plan/changes.js';

export type StepId = 'web' | 'files' | 'storage' | 'database' | 'app';
export const STEP_IDS: readonly StepId[] = ['web', 'files', 'storage', 'database', 'app'];

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** Catalogue entry: the fixed part of a finding, keyed by its stable id. */
export interface FindingDefinition {
  id: string;
  step: StepId;
  severity: Severity;
  title: string;
  why: string;
  fix: string;
}

/** A finding as reported: a catalogue entry plus what was seen on this system. */
export interface Finding {
  id: string;
  step: StepId;
  severity: Severity;
  title: string;
  /** Evidence lines with every secret already masked. */
  evidence: string[];
  why: string;
  fix: string;
  /** Path the finding is about, when there is one. */
  path?: string;
}

export type CachetLine = '2.x' | '3.x';

export interface DbSettings {
  /** DB_DRIVER (2.x) or DB_CONNECTION (3.x); null when unset. */
  driver: string | null;
  /** Key the driver was read from. */
  driverKey: 'DB_DRIVER' | 'DB_CONNECTION' | null;
  host: string | null;
  port: number | null;
  database: string | null;
  username: string | null;
  /** Resolved password; a secret, never printed. Laravel's `null` keyword resolves to null. */
  password: string | null;
  /** DB_UNIX_SOCKET (2.x) or DB_SOCKET (3.x). */
  socket: string | null;
  prefix: string;
  schema: string | null;
}

export interface WebUser {
  user: string;
  group: string;
  uid: number | null;
  gid: number | null;
  /** Source of the user: an FPM pool file, nginx.conf, Apache envvars, or a fallback. */
  source: string;
}

export interface Install {
  /** App root as given or detected (may contain symlinks). */
  root: string;
  /** realpath of the app root. */
  realRoot: string;
  line: CachetLine;
  /** Version string as recorded by the install, or null when none was found. */
  version: string | null;
  /** Source of the version (file path or composer.lock). */
  versionSource: string | null;
  /** Whether the install is the fiveai fork (fiveai/cachet) rather than cachethq/cachet. */
  isFork: boolean;
  dialect: Dialect;
  /** Basis of the dialect: composer.lock's vlucas/phpdotenv version, or the line. */
  dialectSource: string;
  envPath: string;
  /** Parsed `.env`, or null when missing or unparseable (see envError). */
  env: EnvDocument | null;
  envError: { message: string; line: number | null } | null;
  db: DbSettings;
  webUser: WebUser;
}

/** Options from the command line or answers file that steps may read. */
export interface RunOptions {
  dryRun: boolean;
  yes: boolean;
  json: boolean;
  probe: boolean;
  probeUrl: string | null;
  stateDir: string;
  nginxConf: string | null;
  /** nginx `-p` prefix for a self-contained config (relative paths in it start there); null for the default. */
  nginxPrefix?: string | null;
  apacheConf: string | null;
  /** Extra PHP-FPM pool directories to read (web user, repeated secrets). */
  fpmPoolDirs: string[] | null;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  cwd?: string;
  /** Written to the child's stdin; the way secrets reach subprocesses. */
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Run as this user through runuser (only when we are root). */
  user?: string;
}

export type Exec = (argv: string[], options?: ExecOptions) => Promise<ExecResult>;

export interface Context {
  install: Install;
  options: RunOptions;
  exec: Exec;
  /** The environment this run started with; a copy, never process.env itself. */
  env: Readonly<Record<string, string | undefined>>;
  now: () => Date;
  /** Whether this process runs as root (uid 0). */
  isRoot: boolean;
  /**
   * Results shared between steps within one run (e.g. the single walk of the app tree), keyed by name.
   * Use `memo(ctx, key, compute)` from src/util/memo.ts.
   */
  shared: Map<string, Promise<unknown>>;
}

export interface ChoiceOption<T extends string = string> {
  value: T;
  label: string;
  description?: string;
}

/** A question a step asks before planning; answered by a prompt, `--yes` or the answers file. */
export interface Choice {
  /** Key under the step in the answers file, e.g. `profile` for `{"files": {"profile": "locked"}}`. */
  key: string;
  message: string;
  /** select (default): one of `options`; confirm: 'yes' | 'no'; input: free text; password: hidden text. */
  type?: 'select' | 'confirm' | 'input' | 'password';
  options: ChoiceOption[];
  /** The recommended value for `--yes`; undefined means `--yes` alone cannot decide. */
  recommended?: string;
  /** Longer explanation shown with the prompt (trade-offs). */
  help?: string;
  /** Asked only when this returns true for the values chosen so far (earlier choices come first). */
  when?: (values: Choices) => boolean;
}

export type Choices = Record<string, string>;

export interface Plan {
  step: StepId;
  changes: Change[];
  /** Advice that needs the operator (upgrade, rotate a leaked secret); shown, never applied. */
  notes: string[];
}

export interface Step {
  id: StepId;
  title: string;
  catalogue: readonly FindingDefinition[];
  /**
   * Every answers-file key this step can read, asked on this run or not. An answers file shared by a
   * fleet names keys that only some hosts ask; those are accepted, anything else is a usage error.
   */
  choiceKeys: readonly string[];
  inspect(ctx: Context): Promise<Finding[]>;
  /** Questions for this run, given the findings; empty when nothing needs an answer. */
  choices?(ctx: Context, findings: Finding[]): Choice[];
  plan(ctx: Context, findings: Finding[], choices: Choices): Promise<Plan>;
}
