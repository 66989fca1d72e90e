// `check` for the files, storage and app steps as an unprivileged user: the walk reads what it can,
// reports the directories it cannot read, and never needs root.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import type { Finding } from '../../../src/types.js';
import { binForUser } from '../../helpers/cli.js';
import { makeCachetTree, type CachetTree } from '../../helpers/cachet-tree.js';

const trees: CachetTree[] = [];

afterEach(() => {
  for (const tree of trees.splice(0)) tree.cleanup();
});

function checkAsWebUser(root: string): { status: number | null; findings: Finding[]; stderr: string } {
  const result = spawnSync(
    'runuser',
    ['-u', 'www-data', '--', process.execPath, binForUser('www-data'), 'check', '--json', '--no-probe', '--only', 'files,storage,app', '--path', root],
    { encoding: 'utf8', cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
  );
  const report = result.stdout ? (JSON.parse(result.stdout) as { findings: Finding[] }) : { findings: [] };
  return { status: result.status, findings: report.findings, stderr: result.stderr };
}

describe('check as a non-root user', () => {
  it('reports findings and the unreadable directories', () => {
    const tree = makeCachetTree({ line: '2.x', version: '2.4.1', mistakes: true, configCache: true });
    trees.push(tree);
    const hidden = join(tree.root, 'storage/framework/cache/data');
    mkdirSync(hidden);
    chmodSync(hidden, 0o700);

    const { status, findings, stderr } = checkAsWebUser(tree.root);
    expect(stderr).toBe('');
    expect(status).toBe(1);
    const ids = findings.map((finding) => finding.id);
    expect(ids).toContain('files.env-world-readable');
    expect(ids).toContain('files.config-cache-world-readable');
    expect(ids).toContain('storage.env-copy-public');
    expect(ids).toContain('app.debug-enabled');
    expect(ids).not.toContain('files.inspect-failed');
    const unreadable = findings.find((finding) => finding.id === 'files.tree-unreadable');
    expect(unreadable?.severity).toBe('info');
    expect(unreadable?.evidence[0]).toContain(hidden);
  });
});
