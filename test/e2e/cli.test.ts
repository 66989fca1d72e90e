import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('cli', () => {
  it('prints its version', async () => {
    const result = await runCli(['--version']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it('prints help naming the commands and options', async () => {
    const result = await runCli(['--help']);
    expect(result.exitCode).toBe(0);
    for (const word of ['check', 'rollback', 'render', '--dry-run', '--answers', '--json', '--state-dir']) {
      expect(result.stdout).toContain(word);
    }
  });

  it('rejects an unknown option with exit 2', async () => {
    const result = await runCli(['check', '--frobnicate']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--frobnicate');
    expect(result.stdout).toBe('');
  });

  it('rejects an unknown step with exit 2 naming the steps', async () => {
    const result = await runCli(['check', '--only', 'files,nope']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('unknown step "nope"');
    expect(result.stderr).toContain('web, files, storage, database, app');
  });

  it('rejects an unknown severity with exit 2', async () => {
    const result = await runCli(['check', '--fail-on', 'severe']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--fail-on severe');
  });

  it('rejects a directory that is not Cachet with exit 2', async () => {
    const result = await runCli(['check', '--path', '/usr']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('/usr is not a Cachet installation: missing artisan');
    expect(result.stdout).toBe('');
  });

  it('rejects a missing answers file with exit 2', async () => {
    const result = await runCli(['--answers', '/nonexistent/answers.json', '--dry-run']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('/nonexistent/answers.json');
  });

  it('rejects an invalid probe URL with exit 2', async () => {
    const result = await runCli(['check', '--probe-url', 'ftp://x']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('only http and https');
  });

  it('rejects a selection of no steps with exit 2', async () => {
    const result = await runCli(['check', '--only', 'app', '--skip', 'app', '--path', '/usr']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('selects no step');
  });

  it('prints usage errors as JSON on stdout with --json', async () => {
    const result = await runCli(['check', '--json', '--path', '/nonexistent/cachet']);
    expect(result.exitCode).toBe(2);
    const document = JSON.parse(result.stdout) as { error: string; exitCode: number };
    expect(document.exitCode).toBe(2);
    expect(document.error).toContain('/nonexistent/cachet');
    expect(result.stderr).toContain('/nonexistent/cachet');
  });

  it('lists only rollback options in its help', async () => {
    const result = await runCli(['rollback', '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('--state-dir');
    expect(result.stdout).not.toContain('--only');
    expect(result.stdout).not.toContain('--fail-on');
  });
});
