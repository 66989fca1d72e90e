// write-file: creates or replaces a file atomically, keeping owner, group and mode unless the change sets them.

import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import type { WriteFileChange } from '../../plan/changes.js';
import type { ChangeHandler } from '../types.js';
import { ApplyError, PreconditionError } from '../../errors.js';
import { findMissingDirectories, isNotFound, makeDirectories, readAttributes, resolveWriteTarget, sha256, writeFileAtomic } from '../fs.js';
import { recordFileUndo, restoreFile } from './file-undo.js';
import { contextSecrets, describeTarget, linkWarnings, octal, owner, renderDiff } from './preview-text.js';

export const handler: ChangeHandler<WriteFileChange> = {
  async preview(change, ctx) {
    const target = await resolveWriteTarget(change.path);
    const current = await readIfPresent(target);
    const attributes = await readAttributes(target);
    const lines = [`  ${current === null ? 'create' : 'replace'} ${await describeTarget(change.path, target)}`];

    const mode = change.mode ?? attributes?.mode ?? 0o644;
    const uid = change.owner?.uid ?? attributes?.uid;
    const gid = change.owner?.gid ?? attributes?.gid;
    const ownerText = uid !== undefined && gid !== undefined ? owner(uid, gid) : 'this user';
    if (attributes) {
      const changes: string[] = [];
      if (mode !== attributes.mode) changes.push(`mode ${octal(attributes.mode)} → ${octal(mode)}`);
      if (uid !== attributes.uid || gid !== attributes.gid) changes.push(`owner ${owner(attributes.uid, attributes.gid)} → ${ownerText}`);
      lines.push(`    ${changes.length > 0 ? changes.join(', ') : `mode ${octal(mode)} and owner ${ownerText} kept`}`);
    } else {
      lines.push(`    mode ${octal(mode)}, owner ${ownerText}`);
    }
    const stale = staleReason(change, current);
    if (stale !== null) lines.push(`    ! ${stale}; applying will stop`);
    lines.push(...(await linkWarnings(target)));

    const secrets = new Set([...contextSecrets(ctx), ...(change.secrets ?? []).map((secret) => secret.reveal())]);
    lines.push(...(await renderDiff(target, current?.toString('utf8') ?? null, change.content, secrets)));
    return lines;
  },

  async apply(change, actx) {
    const target = await resolveWriteTarget(change.path);
    const reason = staleReason(change, await readIfPresent(target));
    if (reason !== null) throw new PreconditionError(`${change.summary}: ${reason}. Run the wizard again to plan from the current file.`);

    const createdDirs = await findMissingDirectories(dirname(target));
    await recordFileUndo('write-file', target, createdDirs, actx);
    await makeDirectories(dirname(target), 0o755);
    await writeFileAtomic(target, change.content, { mode: change.mode, uid: change.owner?.uid, gid: change.owner?.gid });
  },

  async verify(change) {
    const target = await resolveWriteTarget(change.path);
    const content = await readIfPresent(target);
    if (content === null) throw new ApplyError(`${change.summary}: ${target} does not exist after the write`);
    if (!content.equals(Buffer.from(change.content))) {
      throw new ApplyError(`${change.summary}: ${target} does not hold the planned content after the write`);
    }
    const attributes = await readAttributes(target);
    if (attributes && change.mode !== undefined && attributes.mode !== change.mode) {
      throw new ApplyError(`${change.summary}: ${target} has mode ${octal(attributes.mode)}, expected ${octal(change.mode)}`);
    }
    if (attributes && change.owner && (attributes.uid !== change.owner.uid || attributes.gid !== change.owner.gid)) {
      throw new ApplyError(
        `${change.summary}: ${target} is owned by ${owner(attributes.uid, attributes.gid)}, expected ${change.owner.display}`,
      );
    }
  },

  async undo(record) {
    await restoreFile(record);
  },
};

async function readIfPresent(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** Returns why the file no longer matches `expectSha256`, or null when it matches or nothing was expected. */
function staleReason(change: WriteFileChange, current: Buffer | null): string | null {
  if (change.expectSha256 === undefined) return null;
  if (change.expectSha256 === null) return current === null ? null : `${change.path} was created since the plan was made`;
  if (current === null) return `${change.path} was removed since the plan was made`;
  return sha256(current) === change.expectSha256 ? null : `${change.path} changed since the plan was made`;
}
