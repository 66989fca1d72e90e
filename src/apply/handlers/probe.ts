// Handler for `probe` changes: HTTP requests that prove private files are blocked and the site still
// answers. It changes nothing, so there is nothing to undo; a failing or unanswered probe fails the step.

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

async function checkProbes(change: ProbeChange): Promise<void> {
  const results = await runProbes(change.requests);
  const failed = results.filter((result) => result.verdict !== 'pass');
  if (failed.length === 0) return;
  const lines = failed.map((result) => `  ${result.verdict === 'unknown' ? 'unknown' : 'failed'}: ${result.summary}; ${describeExpectation(result.request)}`);
  throw new ApplyError(`${failed.length} of ${results.length} probes did not pass:\n${lines.join('\n')}`);
}
