// The plan as data: every change a step can propose. The executor applies them, the dry-run renders them,
// and the JSON report carries them (with PLAN_SCHEMA_VERSION). Secret values are Secret instances, so
// serialising a change never reveals them.

import type { Secret } from '../util/secret.js';
import type { Dialect } from '../dotenv/index.js';

export const PLAN_SCHEMA_VERSION = 1;

export interface Ownership {
  uid: number;
  gid: number;
  /** Names for display, e.g. `root:www-data`. */
  display: string;
}

interface ChangeBase {
  /** One line for previews and the manifest, e.g. "chmod 0640 .env". No secrets. */
  summary: string;
}

/**
 * Creates or replaces a file atomically (temp file in the same directory, fsync, rename).
 * An existing file keeps its owner, group and mode unless `mode`/`owner` are given; a symlink is
 * followed and its target replaced. With `expectSha256`, the write is refused when the file changed
 * since the plan was made.
 */
export interface WriteFileChange extends ChangeBase {
  kind: 'write-file';
  path: string;
  content: string;
  mode?: number;
  owner?: Ownership;
  expectSha256?: string | null;
  /** Values inside `content` that previews must mask. */
  secrets?: Secret[];
}

export interface EnvAssignment {
  key: string;
  value: string | Secret;
}

/** Sets keys in a `.env` through the lossless editor; every other byte stays. */
export interface EditEnvChange extends ChangeBase {
  kind: 'edit-env';
  path: string;
  dialect: Dialect;
  set: EnvAssignment[];
  expectSha256?: string | null;
}

export interface SetModeChange extends ChangeBase {
  kind: 'set-mode';
  targets: Array<{ path: string; from: number; to: number }>;
}

export interface SetOwnerChange extends ChangeBase {
  kind: 'set-owner';
  targets: Array<{ path: string; from: Ownership; to: Ownership }>;
}

/** Moves a file or directory into the run's 0700 quarantine directory; never deletes. */
export interface QuarantineChange extends ChangeBase {
  kind: 'quarantine';
  path: string;
}

/** Runs a command; a non-zero exit fails the step. `undoArgv` runs after the step's other changes are undone. */
export interface RunCommandChange extends ChangeBase {
  kind: 'run-command';
  argv: string[];
  /** Run as this user (through runuser) when we are root. */
  user?: string;
  cwd?: string;
  timeoutMs?: number;
  undoArgv?: string[];
  undoUser?: string;
  /**
   * Files the command rewrites (e.g. the config cache). They are backed up before it runs and put back
   * byte for byte on undo, which a second run of the command cannot do for a file that was stale.
   */
  restores?: string[];
}

export type DbEngine = 'mysql' | 'pgsql';

/** Administrator access to the database server; never stored in the manifest with a password. */
export type DbAdminAccess =
  | { engine: 'mysql'; via: 'socket'; socket: string; user: string; password?: Secret }
  | { engine: 'mysql'; via: 'tcp'; host: string; port: number; user: string; password?: Secret }
  | { engine: 'pgsql'; via: 'runuser'; osUser: string; host: string; port: number; database: string }
  | { engine: 'pgsql'; via: 'tcp'; host: string; port: number; user: string; password?: Secret; database: string };

export interface SqlStatement {
  /** SQL text with identifiers already validated and quoted; secret values only as parameters. */
  sql: string;
  params?: Array<string | Secret>;
  /** Text for previews: the SQL with secrets masked. */
  preview: string;
}

export interface RunSqlChange extends ChangeBase {
  kind: 'run-sql';
  admin: DbAdminAccess;
  /** Database the statements run in, when it differs from the admin default. */
  database?: string;
  statements: SqlStatement[];
  /** Statements that reverse these, run in order when the step rolls back. */
  undo: SqlStatement[];
  /**
   * Read-only query run before anything is recorded: apply stops with an ApplyError when it returns a
   * row (the account to create already exists), so an undo never drops what this change did not create.
   * After apply, verify expects it to return a row.
   */
  guard?: SqlStatement;
}

/** Logs in as an account and runs Cachet's kinds of query in a transaction that is rolled back. */
export interface DbLoginChange extends ChangeBase {
  kind: 'db-login';
  engine: DbEngine;
  host: string | null;
  port: number | null;
  socket: string | null;
  database: string;
  user: string;
  password: Secret;
  /** Tables to exercise (with DB_PREFIX applied); SELECT on each, INSERT/UPDATE/DELETE on the first writable. */
  tables: string[];
  schema?: string;
}

export interface ProbeRequest {
  url: string;
  /** Host header to send when the URL names an address rather than the site. */
  host?: string;
  /** blocked: 403/404 or anything but 2xx/3xx with private content; ok: 2xx or 3xx; exact: this status. */
  expect: 'blocked' | 'ok' | { status: number; bodyIncludes?: string };
  /**
   * A file written just before the request and removed right after it, with any directories made for it:
   * the ACME self-test token that proves /.well-known/acme-challenge/ is still served.
   */
  fixture?: { path: string; content: string };
}

/** Verification over HTTP; a connection error is "unknown" and fails the probe, never passes it. */
export interface ProbeChange extends ChangeBase {
  kind: 'probe';
  requests: ProbeRequest[];
}

export type Change =
  | WriteFileChange
  | EditEnvChange
  | SetModeChange
  | SetOwnerChange
  | QuarantineChange
  | RunCommandChange
  | RunSqlChange
  | DbLoginChange
  | ProbeChange;

export type ChangeKind = Change['kind'];
