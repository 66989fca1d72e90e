// edit-env: sets keys in a `.env` through the lossless editor. The file is read again at apply time and
// parsed with the install's dialect. A file that does not parse is never written, and the re-parsed result
// may differ from the original only in the keys being set.

import { readFile } from 'node:fs/promises';

import type { EditEnvChange, EnvAssignment } from '../../plan/changes.js';
import type { ChangeHandler } from '../types.js';
import { EnvParseError, EnvValueError, assertOnlyKeysChanged, parseEnv, type EnvDocument } from '../../dotenv/index.js';
import { ApplyError, PreconditionError } from '../../errors.js';
import { MASK, Secret, maskValue } from '../../util/secret.js';
import { isNotFound, resolveWriteTarget, sha256, writeFileAtomic } from '../fs.js';
import { isMaskedKey } from '../secrets.js';
import { recordFileUndo, restoreFile } from './file-undo.js';
import { describeTarget, linkWarnings } from './preview-text.js';

export const handler: ChangeHandler<EditEnvChange> = {
  async preview(change) {
    const target = await resolveWriteTarget(change.path);
    const lines = [`  edit ${await describeTarget(change.path, target)}`];
    let bytes: Buffer;
    try {
      bytes = await readFile(target);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      return [...lines, `    ! ${target} does not exist; nothing can be edited`];
    }
    if (change.expectSha256 && sha256(bytes) !== change.expectSha256) {
      lines.push(`    ! ${change.path} changed since the plan was made; applying will stop`);
    }

    let document: EnvDocument;
    try {
      document = parseEnv(bytes, change.dialect);
    } catch (error) {
      if (!(error instanceof EnvParseError)) throw error;
      return [...lines, `    ! line ${error.line}: ${error.message}; the file will not be written`];
    }
    for (const assignment of change.set) lines.push(`    ${describeAssignment(assignment, document.get(assignment.key))}`);
    lines.push(...(await linkWarnings(target)));
    return lines;
  },

  async apply(change, actx) {
    const target = await resolveWriteTarget(change.path);
    const bytes = await readEnvFile(change, target);
    const before = parseOrRefuse(bytes, change, target);
    const keys = change.set.map((assignment) => assignment.key);

    let edited: Buffer;
    try {
      // The only place a Secret is revealed: building the bytes that are meant to hold it.
      edited = before.withValues(Object.fromEntries(change.set.map((assignment) => [assignment.key, plainValue(assignment)])));
    } catch (error) {
      if (error instanceof EnvValueError) throw new PreconditionError(`${change.summary}: ${error.message}`);
      throw error;
    }
    const after = parseOrRefuse(edited, change, target, 'the edited text');
    assertOnlyKeysChanged(before, after, keys);
    if (edited.equals(bytes)) return;

    await recordFileUndo('edit-env', target, [], actx);
    await writeFileAtomic(target, edited);
  },

  async verify(change) {
    const target = await resolveWriteTarget(change.path);
    // No expectSha256 check here: the file has just been rewritten on purpose.
    const document = parseOrRefuse(await readFile(target), change, target);
    for (const assignment of change.set) {
      if (document.get(assignment.key) !== plainValue(assignment)) {
        const shown = isSecret(assignment) ? MASK : JSON.stringify(plainValue(assignment));
        throw new ApplyError(`${change.summary}: ${assignment.key} in ${target} is not ${shown} after the edit`);
      }
    }
  },

  async undo(record) {
    await restoreFile(record);
  },
};

async function readEnvFile(change: EditEnvChange, target: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(target);
  } catch (error) {
    if (isNotFound(error)) throw new PreconditionError(`${change.summary}: ${target} does not exist.`);
    throw error;
  }
  if (change.expectSha256 && sha256(bytes) !== change.expectSha256) {
    throw new PreconditionError(
      `${change.summary}: ${change.path} changed since the plan was made. Run the wizard again to plan from the current file.`,
    );
  }
  return bytes;
}

function parseOrRefuse(bytes: Buffer, change: EditEnvChange, target: string, what = target): EnvDocument {
  try {
    return parseEnv(bytes, change.dialect);
  } catch (error) {
    if (!(error instanceof EnvParseError)) throw error;
    throw new PreconditionError(
      `${what}${what === target ? '' : ` of ${target}`} line ${error.line}: ${error.message} (${change.dialect}). ` +
        `The file was not changed; fix line ${error.line} by hand, then run again.`,
    );
  }
}

function plainValue(assignment: EnvAssignment): string {
  return assignment.value instanceof Secret ? assignment.value.reveal() : assignment.value;
}

function isSecret(assignment: EnvAssignment): boolean {
  return assignment.value instanceof Secret || isMaskedKey(assignment.key);
}

/** `KEY: old → new`, with both sides masked for secret keys and Secret values. */
export function describeAssignment(assignment: EnvAssignment, current: string | undefined): string {
  const secret = isSecret(assignment);
  let before = '(not set)';
  if (current !== undefined) before = secret ? maskValue(current) : showValue(current);
  let after: string;
  if (assignment.value instanceof Secret) after = MASK;
  else after = secret ? maskValue(assignment.value) : showValue(assignment.value);
  const unchanged = current === plainValue(assignment) ? '  (already set)' : '';
  return `${assignment.key}: ${before} → ${after}${unchanged}`;
}

function showValue(value: string): string {
  return value === '' ? '(empty)' : value;
}
