// Handler for `probe` changes: HTTP requests that prove private files are blocked and the site still
// responds. It changes nothing, so there is nothing to undo. A failing or unanswered probe fails the step.

import type { ProbeChange } from '../../plan/changes.js';
import { ApplyError } from '../../errors.js';
import { describeExpectation, runProbes } from '../../web/probe.js';
import type { ApplyContext, ChangeHandler, UndoRecord } from '../types.js';

export const handler: ChangeHandler<ProbeChange> = {
  async preview(change) {
    return change.requests.map((request) => `GET ${request.url}${request.host ? ` (Host: ${request.host})` : ''} ${describeExpectation(request)}`);
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
