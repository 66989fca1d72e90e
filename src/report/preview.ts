// The dry-run renderer: the exact change list of each step, as the executor would apply it, with the
// handlers' own preview lines (diffs, octal modes, owner names, `.env` keys) and every secret masked.
// Reading files is all it does: no state directory, no lock, no backup.

import { loadHandler } from '../apply/handlers/index.js';
import type { Change } from '../plan/changes.js';
import type { Context, Plan } from '../types.js';
import type { Styler } from './style.js';

export interface ChangePreview {
  kind: Change['kind'];
  summary: string;
  lines: string[];
}

export async function previewChanges(changes: Change[], ctx: Context): Promise<ChangePreview[]> {
  const previews: ChangePreview[] = [];
  for (const change of changes) {
    const handler = await loadHandler(change.kind);
    let lines: string[];
    try {
      lines = await handler.preview(change as never, ctx);
    } catch (error) {
      // A preview that cannot read its file (permissions as non-root) still lists the change.
      lines = [`  ! preview unavailable: ${(error as Error).message}`];
    }
    previews.push({ kind: change.kind, summary: change.summary, lines });
  }
  return previews;
}

/** Numbered change summaries, with the detail lines under each when `details` is set, then the notes. */
export function renderPreview(style: Styler, plan: Plan, previews: ChangePreview[], details: boolean): string[] {
  const lines: string[] = [];
  if (previews.length === 0) lines.push(`  ${style('ok', 'no changes needed')}`);
  for (const [index, preview] of previews.entries()) {
    lines.push(`  ${style('muted', `${index + 1}.`)} ${preview.summary}`);
    if (details) lines.push(...preview.lines.map((line) => styleDetail(style, line)));
  }
  for (const note of plan.notes) lines.push(`  ${style('medium', 'note:')} ${note}`);
  return lines;
}

function styleDetail(style: Styler, line: string): string {
  const text = `   ${line}`;
  const body = line.trimStart();
  if (body.startsWith('! ')) return style('medium', text);
  if (body.startsWith('+++') || body.startsWith('---')) return style('heading', text);
  if (body.startsWith('+')) return style('added', text);
  if (body.startsWith('-')) return style('removed', text);
  if (body.startsWith('@@')) return style('muted', text);
  return text;
}
