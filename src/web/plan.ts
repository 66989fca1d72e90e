// Turns the adapters' reports into changes: one drop-in file per distinct rule set, one include line per
// site that needs it, framed by the server's config test (before and after) and a reload, then probes.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Change, ProbeRequest, RunCommandChange, WriteFileChange } from '../plan/changes.js';
import { analyzeSite } from './analyze.js';
import { renderDropIn } from './render.js';
import type { ServerInspection, SiteTarget } from './server.js';
import { dropInName, sha256, type DropInSpec } from './site.js';

export interface TargetPlan {
  target: SiteTarget;
  spec: DropInSpec;
  dropInPath: string;
  dropInContent: string;
  /** The include line as it would be written, without indentation. */
  includeLine: string;
  /** Whether the site's file needs the include added or changed. */
  needsInclude: boolean;
  needsDropIn: boolean;
}

/** Decides, for one site, which drop-in it needs and whether its file or the drop-in must change. */
export async function planTarget(inspection: ServerInspection, target: SiteTarget, appRoot: string): Promise<TargetPlan> {
  const analysis = analyzeSite(target.view, appRoot);
  const spec: DropInSpec = { ...target.acme, ...analysis.denies };
  const dropInPath = join(target.dropInDir, dropInName(spec));
  const hasAlias = inspection.modules ? inspection.modules.has('alias_module') : true;
  const dropInContent = await renderDropIn(target.server, spec, { hasAlias });
  const current = readIfPresent(dropInPath);
  return {
    target,
    spec,
    dropInPath,
    dropInContent,
    includeLine: target.server === 'nginx' ? `include ${dropInPath};` : `Include ${dropInPath}`,
    needsInclude: target.existingInclude?.path !== dropInPath,
    needsDropIn: current !== dropInContent,
  };
}

/** Checks whether a site needs our rules: the shared checks found something, or it already includes a drop-in. */
export function targetNeedsRules(target: SiteTarget, appRoot: string): boolean {
  return target.existingInclude !== null || analyzeSite(target.view, appRoot).issues.length > 0;
}

/** Builds the changes for one server (pre-test, writes, post-test, reload); returns none when nothing changes. */
export function serverChanges(inspection: ServerInspection, plans: TargetPlan[], extraWrites: WriteFileChange[] = []): Change[] {
  const writes: WriteFileChange[] = [];
  const seenDropIns = new Set<string>();
  for (const plan of plans) {
    if (!plan.needsDropIn || seenDropIns.has(plan.dropInPath)) continue;
    seenDropIns.add(plan.dropInPath);
    const current = readIfPresent(plan.dropInPath);
    writes.push({
      kind: 'write-file',
      summary: `write ${inspection.kind} drop-in ${plan.dropInPath}`,
      path: plan.dropInPath,
      content: plan.dropInContent,
      mode: 0o644,
      expectSha256: current === null ? null : sha256(current),
    });
  }

  const byFile = new Map<string, TargetPlan[]>();
  for (const plan of plans.filter((p) => p.needsInclude)) {
    const list = byFile.get(plan.target.realFile) ?? [];
    list.push(plan);
    byFile.set(plan.target.realFile, list);
  }
  for (const [file, list] of byFile) {
    const original = list[0]!.target.fileText;
    writes.push({
      kind: 'write-file',
      summary: `add ${list.length === 1 ? 'one include line' : `${list.length} include lines`} to ${file} (${list.map((p) => p.target.label).join('; ')})`,
      path: file,
      content: Buffer.from(applyEdits(original, list), 'latin1').toString('utf8'),
      expectSha256: sha256(Buffer.from(original, 'latin1')),
    });
  }
  writes.push(...extraWrites);
  if (writes.length === 0) return [];

  const test: RunCommandChange = { kind: 'run-command', summary: `test the ${inspection.kind} configuration`, argv: inspection.test.argv, timeoutMs: 30_000 };
  return [
    { ...test, summary: `test the ${inspection.kind} configuration before changing it` },
    ...writes,
    { ...test, summary: `test the ${inspection.kind} configuration with the changes` },
    {
      kind: 'run-command',
      summary: `reload ${inspection.kind} (graceful, no restart)`,
      argv: inspection.reloadArgv,
      undoArgv: inspection.reloadArgv,
      timeoutMs: 30_000,
    },
  ];
}

/** Inserts or replaces include lines, last offset first so earlier offsets stay valid. */
export function applyEdits(text: string, plans: TargetPlan[]): string {
  const edits = plans
    .map((plan) => {
      const { target } = plan;
      if (target.existingInclude) {
        return { start: target.existingInclude.start, end: target.existingInclude.end, text: plan.includeLine };
      }
      return includeEdit(text, target.insertAt, target.indent, plan.includeLine);
    })
    .sort((a, b) => b.start - a.start);
  let out = text;
  for (const edit of edits) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

/** Builds the edit that adds one line before the text at `offset`, on a line of its own where possible. */
export function includeEdit(text: string, offset: number, indent: string, line: string): { start: number; end: number; text: string } {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  if (/^[ \t]*$/.test(before)) return { start: lineStart, end: lineStart, text: `${indent}${line}${newline}` };
  // The block's closing brace shares a line with other text (`server { ... }` on one line).
  return { start: offset, end: offset, text: `${line} ` };
}

/** Checks that a file's bytes survive a round trip through UTF-8, because write-file writes text as UTF-8. */
export function isUtf8RoundTrip(latin1Text: string): boolean {
  const bytes = Buffer.from(latin1Text, 'latin1');
  return Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
}

/** Prefixes each probe path with the site's origin; the Host header names the site. */
export function absoluteProbes(paths: ProbeRequest[], origin: string, host: string | undefined): ProbeRequest[] {
  return paths.map((probe) => ({ ...probe, url: `${origin}${probe.url}`, ...(host ? { host } : {}) }));
}

function readIfPresent(path: string): string | null {
  if (!existsSync(path)) return null;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
