// Handler for `probe` changes: HTTP requests that prove private files are blocked and the site still
// responds. Besides a test file it writes and removes itself (the ACME token), it changes nothing, so there
// is nothing to undo. A failing or unanswered probe fails the step.

import { mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import type { ProbeChange } from '../../plan/changes.js';
import { ApplyError } from '../../errors.js';
import { describeExpectation, runProbes } from '../../web/probe.js';
import type { ApplyContext, ChangeHandler, UndoRecord } from '../types.js';

export const handler: ChangeHandler<ProbeChange> = {
  async preview(change) {
    return change.requests.map((request) => {
      const line = `GET ${request.url}${request.host ? ` (Host: ${request.host})` : ''} ${describeExpectation(request)}`;
      return request.fixture ? `${line}, with a test file written to ${request.fixture.path} and removed after` : line;
    });
  },

  async apply(change, actx) {
    await actx.record({ kind: 'probe' });
    await checkProbes(change);
  },

  async verify(change) {
    await checkProbes(change);
  },

  async undo(_record: UndoRecord, _actx: ApplyContext) {
    // Probes change nothing.
  },
};

/**
 * nginx `-s reload` and Apache `-k graceful` return before the new workers respond, and old workers finish
 * their connections with the old configuration. So failing probes are retried for about three seconds.
 */
const RETRY_DELAYS_MS = [200, 400, 800, 1600];

async function checkProbes(change: ProbeChange): Promise<void> {
  const fixtures = change.requests.flatMap((request) => (request.fixture ? [request.fixture] : []));
  const created = await writeFixtures(fixtures);
  try {
    await checkProbesOnce(change);
  } finally {
    await removeFixtures(fixtures, created);
  }
}

async function checkProbesOnce(change: ProbeChange): Promise<void> {
  let results = await runProbes(change.requests);
  for (const delay of RETRY_DELAYS_MS) {
    const pending = results.filter((result) => result.verdict !== 'pass');
    if (pending.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, delay));
    const retried = await runProbes(pending.map((result) => result.request));
    results = results.map((result) => retried.find((again) => again.request === result.request) ?? result);
  }
  const failed = results.filter((result) => result.verdict !== 'pass');
  if (failed.length === 0) return;
  const lines = failed.map((result) => `  ${result.verdict === 'unknown' ? 'unknown' : 'failed'}: ${result.summary}; ${describeExpectation(result.request)}`);
  throw new ApplyError(`${failed.length} of ${results.length} probes did not pass:\n${lines.join('\n')}`);
}

/** Writes each fixture (mode 0644 in 0755 directories, so the web server's user can read it); returns the directories made. */
async function writeFixtures(fixtures: Array<{ path: string; content: string }>): Promise<string[]> {
  const created: string[] = [];
  for (const fixture of fixtures) {
    const first = await mkdir(dirname(fixture.path), { recursive: true, mode: 0o755 });
    if (first) {
      // mkdir returns the outermost directory it made; record every level down to the file's directory.
      for (let dir = dirname(fixture.path); dir.startsWith(first); dir = dirname(dir)) {
        created.push(dir);
        if (dir === first) break;
      }
    }
    await writeFile(fixture.path, fixture.content, { mode: 0o644, flag: 'wx' });
  }
  return created;
}

async function removeFixtures(fixtures: Array<{ path: string }>, created: string[]): Promise<void> {
  for (const fixture of fixtures) await rm(fixture.path, { force: true });
  // Innermost first; a directory something else now uses is left in place.
  for (const dir of created) await rmdir(dir).catch(() => undefined);
}
