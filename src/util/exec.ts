// Runs subprocesses for adapters and the executor. execa is imported on first use so `check` on a
// file-only install never pays for it.

import type { Exec, ExecOptions, ExecResult } from '../types.js';

/** Wraps argv with runuser when a different user is requested (we must be root for that). */
export function withUser(argv: string[], user: string | undefined): string[] {
  if (!user) return argv;
  return ['runuser', '-u', user, '--', ...argv];
}

export const exec: Exec = async (argv: string[], options: ExecOptions = {}): Promise<ExecResult> => {
  const { execa } = await import('execa');
  const [file, ...args] = withUser(argv, options.user);
  const result = await execa(file!, args, {
    cwd: options.cwd,
    input: options.input ?? '',
    env: options.env,
    extendEnv: true,
    timeout: options.timeoutMs ?? 60_000,
    reject: false,
    stripFinalNewline: false,
    encoding: 'utf8',
  });
  // A command that could not start (ENOENT) has no exit code; report it as 127 like a shell does.
  const exitCode = typeof result.exitCode === 'number' ? result.exitCode : 127;
  const stderr = result.failed && result.exitCode === undefined ? `${result.stderr ?? ''}${result.shortMessage}` : result.stderr;
  return { exitCode, stdout: String(result.stdout ?? ''), stderr: String(stderr ?? '') };
};
