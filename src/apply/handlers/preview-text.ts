// Text helpers the handlers share for previews: unified diffs, octal modes, owner names, warnings.

import { lstat } from 'node:fs/promises';

import type { Context } from '../../types.js';
import { ownerDisplay } from '../../util/users.js';
import { redact } from '../../util/secret.js';
import { installSecretValues } from '../secrets.js';
import { isNotFound, linkCount } from '../fs.js';

/** Renders a unified diff of two texts (3 lines of context) with every secret value masked. */
export async function renderDiff(path: string, before: string | null, after: string, secrets: Iterable<string>): Promise<string[]> {
  const { structuredPatch } = await import('diff');
  const patch = structuredPatch(path, path, before ?? '', after, '', '', { context: 3 });
  if (patch.hunks.length === 0) return ['    (content unchanged)'];
  const lines = [`    --- ${before === null ? '/dev/null' : `${path} (current)`}`, `    +++ ${path} (planned)`];
  for (const hunk of patch.hunks) {
    lines.push(`    @@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
    for (const line of hunk.lines) lines.push(`    ${line}`);
  }
  const masked = [...secrets];
  return lines.map((line) => redact(line, masked));
}

export function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

export function owner(uid: number, gid: number): string {
  return ownerDisplay(uid, gid);
}

/** Collects the install's secrets, which every preview line hides whatever the change declares. */
export function contextSecrets(ctx: Pick<Context, 'install'> | null | undefined): Set<string> {
  return installSecretValues(ctx?.install);
}

/** Warns when replacing `target` by rename would leave its other hard links with the old content. */
export async function linkWarnings(target: string): Promise<string[]> {
  const links = await linkCount(target);
  if (links === null || links <= 1) return [];
  return [
    `    ! ${target} has ${links} hard links; the atomic write gives it a new inode, so the other links keep the old content`,
  ];
}

/** Describes `path`, naming the target that is written when `path` is a symlink. */
export async function describeTarget(path: string, target: string): Promise<string> {
  try {
    if ((await lstat(path)).isSymbolicLink()) return `${path} (symlink to ${target}; the target is written)`;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return path;
}
