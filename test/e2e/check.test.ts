import { randomBytes } from 'node:crypto';
import { chownSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { makeCachetTree, typicalEnv, type CachetTree } from '../helpers/cachet-tree.js';
import { runCli } from '../helpers/cli.js';

interface Report {
  findings: Array<{ id: string; severity: string; evidence: string[] }>;
  install: { line: string; version: string; dialect: string };
  exitCode: number;
}

const trees: CachetTree[] = [];

function randomKey(): string {
  return `base64:${randomBytes(32).toString('base64')}`;
}
afterEach(() => {
  for (const tree of trees.splice(0)) tree.cleanup();
});

/** Gives the writable areas to www-data, as a correct install has them. */
function chownWritable(root: string): void {
  const walk = (path: string): void => {
    chownSync(path, 33, 33);
    if (statSync(path).isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(join(root, 'storage'));
  walk(join(root, 'bootstrap', 'cache'));
  if (statSync(join(root, 'bootstrap')).isDirectory()) {
    try {
      walk(join(root, 'bootstrap', 'cachet'));
    } catch {
      // 3.x has no bootstrap/cachet.
    }
  }
  chownSync(join(root, '.env'), 0, 33);
}

async function check(root: string, extra: string[] = []): Promise<{ exitCode: number; report: Report; stderr: string }> {
  const result = await runCli(['check', '--json', '--no-probe', '--path', root, ...extra]);
  expect(result.stdout.trim().startsWith('{')).toBe(true);
  return { exitCode: result.exitCode, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
}

function severityOf(report: Report, id: string): string | undefined {
  return report.findings.find((finding) => finding.id === id)?.severity;
}

describe('check on a 2.4-shaped tree with typical mistakes', () => {
  it('lists each mistake with its id and severity and exits 1', async () => {
    const tree = makeCachetTree({ line: '2.x', version: '2.4.1', mistakes: true, configCache: true });
    trees.push(tree);
    const { exitCode, report } = await check(tree.root, ['--skip', 'web']);

    expect(exitCode).toBe(1);
    expect(report.install.line).toBe('2.x');
    expect(report.install.dialect).toBe('phpdotenv2');
    expect(severityOf(report, 'app.debug-enabled')).toBe('critical');
    expect(severityOf(report, 'app.key-invalid')).toBe('critical');
    expect(severityOf(report, 'db.default-credentials')).toBe('critical');
    expect(severityOf(report, 'files.env-world-readable')).toBe('high');
    expect(severityOf(report, 'files.config-cache-world-readable')).toBe('critical');
    expect(severityOf(report, 'files.tree-world-writable')).toBe('high');
    expect(severityOf(report, 'storage.env-copy-public')).toBe('critical');
    expect(severityOf(report, 'app.beacon-enabled')).toBe('low');
  });

  it('never prints a secret from .env', async () => {
    const password = 'Qw7distinctPassZ';
    const mailPassword = 'Mq4mailPassDistinct';
    const appKey = randomKey();
    const env = typicalEnv('2.x', true)
      .replace('DB_PASSWORD=secret', `DB_PASSWORD=${password}`)
      .replace('MAIL_PASSWORD=null', `MAIL_PASSWORD=${mailPassword}`)
      .replace('APP_KEY=SomeRandomString', `APP_KEY=${appKey}`)
      .replace('MAIL_NAME=null', 'MAIL_NAME=${DB_PASSWORD}');
    const tree = makeCachetTree({ line: '2.x', mistakes: true, env });
    trees.push(tree);
    const json = await runCli(['check', '--json', '--no-probe', '--skip', 'web', '--path', tree.root]);
    const text = await runCli(['check', '--no-probe', '--skip', 'web', '--path', tree.root]);
    expect(json.exitCode).toBe(1);
    for (const output of [json.stdout, json.stderr, text.stdout, text.stderr]) {
      expect(output).not.toContain(password);
      expect(output).not.toContain(mailPassword);
      expect(output).not.toContain(appKey.slice(7));
    }
  });
});

describe('check on a 3.x-shaped tree', () => {
  it('catches the development defaults of the example .env', async () => {
    const tree = makeCachetTree({ line: '3.x', mistakes: true });
    trees.push(tree);
    const { exitCode, report } = await check(tree.root, ['--skip', 'web']);

    expect(exitCode).toBe(1);
    expect(report.install.dialect).toBe('phpdotenv5');
    expect(severityOf(report, 'app.debug-enabled')).toBe('critical');
    expect(severityOf(report, 'app.env-not-production')).toBe('high');
    expect(severityOf(report, 'app.log-level-debug')).toBe('medium');
    expect(severityOf(report, 'app.key-invalid')).toBe('critical');
  });
});

describe('check on clean trees', () => {
  it('passes a clean 2.x fork install with nothing above info', async () => {
    const env = typicalEnv('2.x', false)
      .replace('DB_DRIVER=mysql', 'DB_DRIVER=sqlite')
      .replace(/^APP_KEY=.*$/m, `APP_KEY=${randomKey()}`);
    const tree = makeCachetTree({ line: '2.x', version: '2.5.1', env });
    trees.push(tree);
    chownWritable(tree.root);
    const { exitCode, report } = await check(tree.root, ['--skip', 'web']);

    expect(report.findings.filter((finding) => finding.severity !== 'info')).toEqual([]);
    expect(exitCode).toBe(0);
  });

  it('passes a clean 3.x install with nothing above info', async () => {
    const env = typicalEnv('3.x', false).replace(/^APP_KEY=.*$/m, `APP_KEY=${randomKey()}`);
    const tree = makeCachetTree({ line: '3.x', env });
    trees.push(tree);
    chownWritable(tree.root);
    chownSync(join(tree.root, 'database', 'database.sqlite'), 33, 33);
    const { exitCode, report } = await check(tree.root, ['--skip', 'web']);

    expect(report.findings.filter((finding) => finding.severity !== 'info')).toEqual([]);
    expect(exitCode).toBe(0);
  });

  it('reports an unparseable .env with its line and exits 1', async () => {
    const tree = makeCachetTree({ line: '2.x', env: 'APP_ENV=production\nMAIL_NAME=Example Status Page\n' });
    trees.push(tree);
    const { report } = await check(tree.root, ['--only', 'app']);
    const finding = report.findings.find((item) => item.id === 'app.env-unparseable');
    expect(finding?.severity).toBe('critical');
    expect(finding?.evidence.join(' ')).toContain('line 2');
  });
});
