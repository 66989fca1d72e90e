import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { handler } from '../../../../src/apply/handlers/run-command.js';
import { ApplyError } from '../../../../src/errors.js';
import type { RunCommandChange } from '../../../../src/plan/changes.js';
import { makeHarness, type Harness } from '../../../helpers/apply-harness.js';

let h: Harness;
let scratch: string;
beforeEach(async () => {
  h = await makeHarness();
  scratch = mkdtempSync(join(tmpdir(), 'run-command-'));
  chmodSync(scratch, 0o777);
});
afterEach(() => {
  h.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

describe('run-command handler', () => {
  it('runs as the given user through runuser', async () => {
    const out = join(scratch, 'who');
    const change: RunCommandChange = { kind: 'run-command', summary: 'whoami', argv: ['sh', '-c', 'id -un > "$0"', out], user: 'nobody' };
    await handler.apply(change, h.actx);
    expect(readFileSync(out, 'utf8').trim()).toBe('nobody');
    expect(h.records).toHaveLength(0);
  });

  it('reports argv and stderr when the command fails', async () => {
    const change: RunCommandChange = {
      kind: 'run-command',
      summary: 'failing check',
      argv: ['sh', '-c', 'echo "nginx: [emerg] unknown directive" >&2; exit 1'],
    };
    const failure = handler.apply(change, h.actx);
    await expect(failure).rejects.toBeInstanceOf(ApplyError);
    await expect(handler.apply(change, h.actx)).rejects.toThrow(/sh -c .*exited with status 1:\nnginx: \[emerg\] unknown directive/s);
  });

  it('records its undo command as deferred before running', async () => {
    const out = join(scratch, 'undone');
    const change: RunCommandChange = {
      kind: 'run-command',
      summary: 'reload',
      argv: ['false'],
      undoArgv: ['sh', '-c', 'echo undone > "$0"', out],
    };
    await expect(handler.apply(change, h.actx)).rejects.toBeInstanceOf(ApplyError);
    expect(h.records).toEqual([{ kind: 'run-command', deferred: true, argv: change.undoArgv, user: null, cwd: null }]);

    await handler.undo(h.records[0]!, h.actx);
    expect(readFileSync(out, 'utf8')).toBe('undone\n');
    expect(await handler.preview(change, h.ctx)).toEqual(['  run false', `    on undo: sh -c 'echo undone > "$0"' ${out}`]);
  });

  it('restores the files it rewrites byte for byte', async () => {
    const cache = join(scratch, 'config.php');
    writeFileSync(cache, "<?php return ['stale' => true];\n");
    chmodSync(cache, 0o640);
    const change: RunCommandChange = {
      kind: 'run-command',
      summary: 'rebuild cache',
      argv: ['sh', '-c', 'echo rebuilt > "$0"', cache],
      restores: [cache],
    };
    await handler.apply(change, h.actx);
    expect(readFileSync(cache, 'utf8')).toBe('rebuilt\n');
    expect(h.records).toHaveLength(1);
    expect(h.records[0]!.kind).toBe('write-file');

    const { handler: writeFile } = await import('../../../../src/apply/handlers/write-file.js');
    await writeFile.undo(h.records[0]!, h.actx);
    expect(readFileSync(cache, 'utf8')).toBe("<?php return ['stale' => true];\n");
    expect(statSync(cache).mode & 0o7777).toBe(0o640);
    expect(await handler.preview(change, h.ctx)).toContain(`    on undo: restore ${cache} from its backup`);
  });
});
