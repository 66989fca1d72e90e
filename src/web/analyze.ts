// Checks shared by nginx and Apache: which private files of the app a site serves, whether dotfiles,
// backup copies and the app tree outside public/ are blocked, and whether ACME challenges still pass.
// Each adapter describes its sites as SiteView; this file only queries how each would handle a URI.

import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { ProbeRequest } from '../plan/changes.js';
import {
  APP_SECRETS,
  appUrlPrefix,
  findPrivateFiles,
  joinUrl,
  mountDenies,
  realpathOrSelf,
  type DropInSpec,
  type Mount,
  type RequestOutcome,
  type SiteIssue,
  type SiteView,
} from './site.js';

/** URIs that a dotfile rule must block. */
const DOTFILE_URIS = ['/.env', '/.git/config'];
/**
 * Dot paths that an earlier regex location (a static-asset rule, say) can catch before the dotfile rule.
 * They need not exist: the question is which rule answers them.
 */
const BYPASS_URIS = ['/.env.bak', '/.git/HEAD', '/.env.js', '/.git/x.css', '/.git/x.png'];
const BACKUP_URIS = ['/index.php.bak', '/index.php~', '/index.php.save', '/index.php.orig', '/index.php.old', '/index.php.backup', '/index.php.swp'];
export const ACME_TEST_URI = '/.well-known/acme-challenge/cachet-harden-check';

export interface SiteAnalysis {
  issues: SiteIssue[];
  /** Drop-in parameters this site needs (before adapter-specific acme settings). */
  denies: Pick<DropInSpec, 'denyPatterns' | 'denyDirectories'>;
  /** Requests that prove the site is protected and still works, without scheme or host. */
  probes: ProbeRequest[];
}

export function analyzeSite(site: SiteView, appRoot: string): SiteAnalysis {
  const issues: SiteIssue[] = [];
  const probes: ProbeRequest[] = [];
  const denies: SiteAnalysis['denies'] = { denyPatterns: [], denyDirectories: [] };

  for (const mount of site.mounts) {
    const mountDeny = mountDenies(mount, appRoot);
    for (const pattern of mountDeny.denyPatterns) if (!denies.denyPatterns.includes(pattern)) denies.denyPatterns.push(pattern);
    for (const dir of mountDeny.denyDirectories) if (!denies.denyDirectories.includes(dir)) denies.denyDirectories.push(dir);

    if (mount.relation === 'ancestor' || mount.relation === 'app-root' || mount.relation === 'inside-app') {
      checkAppTree(site, mount, appRoot, issues, probes);
    }
    if (mount.relation !== 'ancestor') checkDotfiles(site, mount, appRoot, issues, probes);
  }
  return { issues, denies, probes: dedupeProbes(probes) };
}

function checkAppTree(site: SiteView, mount: Mount, appRoot: string, issues: SiteIssue[], probes: ProbeRequest[]): void {
  const prefix = appUrlPrefix(mount, appRoot);
  const candidates = [...APP_SECRETS, ...findPrivateFiles(join(appRoot, 'public')).map((rel) => `public/${rel}`)];
  const served: string[] = [];
  for (const rel of candidates) {
    const file = join(appRoot, rel);
    const uri = joinUrl(prefix, rel);
    probes.push({ url: uri, expect: 'blocked' });
    if (!existsSync(file)) continue;
    const outcome = site.resolve(uri);
    if (isServedFile(outcome, file)) served.push(`${uri} (${describe(outcome)})`);
  }
  if (served.length === 0) return;

  const where = mount.position ? ` (${mount.position.file}:${mount.position.line})` : '';
  if (mount.relation === 'ancestor') {
    issues.push({
      id: 'web.app-inside-docroot',
      path: appRoot,
      evidence: [`${site.label}: root ${mount.dir}${where} contains the app root ${appRoot}; reachable:`, ...served.map((line) => `  ${line}`)],
    });
  } else {
    issues.push({
      id: 'web.root-not-public',
      path: mount.dir,
      evidence: [`${site.label}: serves ${mount.dir}${where} at ${mount.urlPrefix}, not ${join(appRoot, 'public')}; reachable:`, ...served.map((line) => `  ${line}`)],
    });
  }
}

function checkDotfiles(site: SiteView, mount: Mount, appRoot: string, issues: SiteIssue[], probes: ProbeRequest[]): void {
  const publicDir = mount.relation === 'public' ? realpathOrSelf(mount.dir) : join(appRoot, 'public');
  const publicPrefix = mount.relation === 'public' ? mount.urlPrefix : joinUrl(mount.urlPrefix, 'public');

  const dotfiles = DOTFILE_URIS.map((uri) => ({ uri: joinUrl(mount.urlPrefix, uri), outcome: site.resolve(joinUrl(mount.urlPrefix, uri)) }));
  const open = dotfiles.filter((entry) => entry.outcome.kind === 'static');
  if (open.length > 0) {
    issues.push({
      id: 'web.no-dotfile-rule',
      path: mount.dir,
      evidence: open.map((entry) => `${site.label}: GET ${entry.uri} would be served (${describe(entry.outcome)})`),
    });
  } else {
    const bypassed = BYPASS_URIS.map((uri) => ({ uri: joinUrl(mount.urlPrefix, uri), outcome: site.resolve(joinUrl(mount.urlPrefix, uri)) })).filter(
      (entry) => entry.outcome.kind === 'static',
    );
    if (bypassed.length > 0) {
      issues.push({
        id: 'web.dotfile-rule-bypassed',
        path: mount.dir,
        evidence: bypassed.map((entry) => `${site.label}: GET ${entry.uri} is answered by ${describe(entry.outcome)} before the dotfile rule`),
      });
    }
  }

  const backups = BACKUP_URIS.map((uri) => ({ uri: joinUrl(mount.urlPrefix, uri), outcome: site.resolve(joinUrl(mount.urlPrefix, uri)) })).filter(
    (entry) => entry.outcome.kind === 'static',
  );
  if (backups.length > 0) {
    issues.push({
      id: 'web.no-backup-rule',
      path: mount.dir,
      evidence: [`${site.label}: editor and backup copies would be served, e.g. GET ${backups[0]!.uri} (${describe(backups[0]!.outcome)})`],
    });
  }

  const exposed: string[] = [];
  for (const rel of findPrivateFiles(publicDir)) {
    const uri = joinUrl(publicPrefix, rel);
    probes.push({ url: uri, expect: 'blocked' });
    const outcome = site.resolve(uri);
    if (isServedFile(outcome, join(publicDir, rel))) exposed.push(`${uri} (${describe(outcome)})`);
  }
  if (exposed.length > 0) {
    issues.push({
      id: 'web.private-file-exposed',
      path: publicDir,
      evidence: [`${site.label}: private files under ${publicDir} are served:`, ...exposed.map((line) => `  ${line}`)],
    });
  }

  if (mount.urlPrefix === '/' && mount.relation === 'public') {
    const acme = site.resolve(ACME_TEST_URI);
    if (acme.kind === 'denied') {
      issues.push({
        id: 'web.acme-blocked',
        path: mount.dir,
        evidence: [`${site.label}: GET ${ACME_TEST_URI} is denied by ${acme.detail}`],
      });
    }
  }

  for (const uri of ['/.env', '/.env.bak', '/.git/HEAD', '/.git/config']) probes.push({ url: joinUrl(mount.urlPrefix, uri), expect: 'blocked' });
  probes.push({ url: `${publicPrefix === '/' ? '' : publicPrefix}/../.env`, expect: 'blocked' });
  if (mount.relation === 'public') probes.push({ url: publicPrefix.endsWith('/') ? publicPrefix : `${publicPrefix}/`, expect: 'ok' });
}

/** Checks for a static response that maps to the file in question (or to an unknown file, which may be it). */
function isServedFile(outcome: RequestOutcome, file: string): boolean {
  if (outcome.kind !== 'static') return false;
  return outcome.file === null || realpathOrSelf(outcome.file) === realpathOrSelf(file);
}

export function describe(outcome: RequestOutcome): string {
  return outcome.kind === 'static' ? `static file via ${outcome.detail}` : `${outcome.kind} by ${outcome.detail}`;
}

function dedupeProbes(probes: ProbeRequest[]): ProbeRequest[] {
  const seen = new Set<string>();
  return probes.filter((probe) => {
    const key = `${probe.url} ${JSON.stringify(probe.expect)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
