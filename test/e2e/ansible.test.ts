// examples/ansible/playbook.yml with Debian's ansible-playbook against localhost (connection local) on a
// Cachet-shaped tree: the play recap counts "changed" from the tool's JSON, and exit code 2 fails the host.
// Every ANSIBLE_* setting points into the test's temporary directory, so no user config is read.

import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { BIN } from '../helpers/cli.js';
import { makeCachetTree, type CachetTree } from '../helpers/cachet-tree.js';

const PLAYBOOK = fileURLToPath(new URL('../../examples/ansible/playbook.yml', import.meta.url));
const ANSWERS = fileURLToPath(new URL('../../examples/ansible/answers.json', import.meta.url));

interface PlayResult {
  exitCode: number;
  output: string;
}

let dir: string;
let tree: CachetTree;
let answers: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ch-ansible-'));
  tree = makeCachetTree({ line: '2.x', mistakes: true });
  // The answers file already sits where the play copies it, so that task reports ok and the recap's
  // "changed" counts only the cachet-harden run.
  const answersDir = join(dir, 'answers');
  mkdirSync(answersDir, { mode: 0o700 });
  answers = join(answersDir, 'answers.json');
  copyFileSync(ANSWERS, answers);
  chmodSync(answers, 0o600);
});

afterEach(() => {
  tree.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('ansible playbook', () => {
  it('reports changed, then ok on the second run', async () => {
    const first = await runPlaybook({ cachet_harden_answers_src: answers });
    expect(first.exitCode, first.output).toBe(0);
    expect(recap(first.output)).toMatchObject({ changed: 1, failed: 0, unreachable: 0 });
    expect(first.output).toMatch(/run \d{8}T\d{6}Z-[0-9a-f]{4}: changed, exit [01]/);
    expect(statSync(join(tree.root, '.env')).mode & 0o777).toBe(0o640);
    expect(existsSync(join(tree.root, 'public', '.env.bak'))).toBe(false);

    const second = await runPlaybook({ cachet_harden_answers_src: answers });
    expect(second.exitCode, second.output).toBe(0);
    expect(recap(second.output)).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    expect(second.output).toMatch(/run none: ok, exit [01]/);
  });

  it('fails the host with the tool message on exit 2', async () => {
    // An invalid answer: the tool stops before any change, prints nothing on stdout and exits 2.
    writeFileSync(answers, JSON.stringify({ files: { action: 'apply', profile: 'sideways' } }));
    const result = await runPlaybook({ cachet_harden_answers_src: answers });
    expect(result.exitCode, result.output).toBe(2);
    expect(recap(result.output)).toMatchObject({ changed: 0, failed: 1 });
    expect(result.output).toContain('cachet-harden exited with 2 (invalid usage or input, nothing was changed)');
    // Ansible prints the message as JSON, so its quotes appear escaped.
    expect(result.output).toMatch(/files\.profile\\?" is \\?"sideways/);
    expect(result.output).not.toMatch(/template error|Expecting value/i);
    expect(statSync(join(tree.root, '.env')).mode & 0o777).toBe(0o644);
  });
});

async function runPlaybook(extraVars: Record<string, string>): Promise<PlayResult> {
  const inventory = join(dir, 'inventory.ini');
  writeFileSync(inventory, `localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n`);
  const config = join(dir, 'ansible.cfg');
  writeFileSync(config, '# empty: every setting comes from ANSIBLE_* variables\n');
  const vars = {
    target_hosts: 'localhost',
    // Tests run as root without sudo; a real fleet keeps become on.
    cachet_harden_become: false,
    cachet_path: tree.root,
    cachet_harden_bin: BIN,
    cachet_harden_answers: answers,
    cachet_harden_state_dir: join(dir, 'state'),
    cachet_harden_extra_args: ['--only', 'files,storage,app', '--no-probe'],
    ...extraVars,
  };

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    ANSIBLE_CONFIG: config,
    ANSIBLE_HOME: join(dir, 'ansible-home'),
    ANSIBLE_LOCAL_TEMP: join(dir, 'local-tmp'),
    ANSIBLE_REMOTE_TEMP: join(dir, 'remote-tmp'),
    ANSIBLE_HOST_KEY_CHECKING: 'False',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_STDOUT_CALLBACK: 'default',
    ANSIBLE_LOAD_CALLBACK_PLUGINS: 'False',
    LANG: 'C.UTF-8',
  };
  return new Promise((resolve, reject) => {
    execFile(
      'ansible-playbook',
      ['-i', inventory, PLAYBOOK, '-e', JSON.stringify(vars)],
      { env, cwd: dir, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ exitCode: typeof error?.code === 'number' ? error.code : 0, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** Parses the PLAY RECAP line of localhost into numbers, e.g. { ok: 4, changed: 1, failed: 0, ... }. */
function recap(output: string): Record<string, number> {
  const line = /^localhost\s+:\s+(.+)$/m.exec(output.slice(output.lastIndexOf('PLAY RECAP')))?.[1];
  if (!line) throw new Error(`no play recap for localhost in:\n${output}`);
  return Object.fromEntries([...line.matchAll(/(\w+)=(\d+)/g)].map((match) => [match[1]!, Number(match[2])]));
}
