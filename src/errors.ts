// Named error classes; the CLI's one handler maps them to exit codes (design: 2 usage/input, 3 apply failed).

export class UsageError extends Error {
  override name = 'UsageError';
  readonly exitCode = 2;
}

/** The system is not in a state we can work on (not a Cachet tree, unparseable .env, broken config). */
export class PreconditionError extends Error {
  override name = 'PreconditionError';
  readonly exitCode = 2;
}

/** A change failed to apply or verify; the step was rolled back. */
export class ApplyError extends Error {
  override name = 'ApplyError';
  readonly exitCode = 3;
}

/** Undoing a run failed; the message lists what could not be restored. */
export class RollbackError extends Error {
  override name = 'RollbackError';
  readonly exitCode = 3;
}

/** The user pressed Ctrl-C at a prompt. */
export class CancelledError extends Error {
  override name = 'CancelledError';
  readonly exitCode = 1;
}

export class InternalError extends Error {
  override name = 'InternalError';
  readonly exitCode = 70;
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof Error && 'exitCode' in error && typeof error.exitCode === 'number') return error.exitCode;
  return 70;
}
