// Runs the built CLI (dist/, built by the global setup) as a user would, and captures its output.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/cachet-harden.js', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? '/',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

const DEV_ONLY = new Set(['typescript', 'vitest', '@vitest', 'vite', 'node-pty', '@rolldown', 'rolldown', 'esbuild', '@esbuild', 'lightningcss', 'lightningcss-linux-x64-gnu', '@types']);
const copies = new Map<string, string>();

/**
 * Returns the entry script `user` can run: BIN itself when the user can read the checkout, else a copy of
 * the built tool (bin, dist, templates, runtime packages) in a world-readable temporary directory. CI may
 * clone the repository under a directory only root can enter, such as /root.
 */
export function binForUser(user: string): string {
  const probe = spawnSync('runuser', ['-u', user, '--', process.execPath, BIN, '--version'], { stdio: 'ignore' });
  if (probe.status === 0) return BIN;
  let copy = copies.get('tool');
  if (!copy) {
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    copy = mkdtempSync(join(tmpdir(), 'cachet-harden-copy-'));
    chmodSync(copy, 0o755);
    for (const entry of ['package.json', 'bin', 'dist', 'templates']) cpSync(join(repo, entry), join(copy, entry), { recursive: true });
    cpSync(join(repo, 'node_modules'), join(copy, 'node_modules'), {
      recursive: true,
      filter: (source) => !DEV_ONLY.has(basename(source)) || dirname(source) !== join(repo, 'node_modules'),
    });
    copies.set('tool', copy);
    const made = copy;
    process.on('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return join(copy, 'bin', 'cachet-harden.js');
}
