// Step `web`: keep `.env` and the rest of the app's private files off the web, for nginx and Apache.
// Reads each server's effective configuration, finds every site whose root is public/, the app root or an
// ancestor of it, and plans one managed drop-in plus one include line per site (or a new site).

import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';

import type { Change, ProbeRequest, WriteFileChange } from '../plan/changes.js';
import type { Choice, Choices, Context, Finding, FindingDefinition, Plan, Step } from '../types.js';
import { analyzeSite } from '../web/analyze.js';
import { inspectApache } from '../web/apache.js';
import { inspectNginx } from '../web/nginx.js';
import { apacheFpmHandler, findFpmListen, nginxFastcgiPass } from '../web/php-fpm.js';
import { absoluteProbes, isUtf8RoundTrip, planTarget, serverChanges, targetNeedsRules, type TargetPlan } from '../web/plan.js';
import { runProbes } from '../web/probe.js';
import { renderApacheSite, renderNginxSite } from '../web/render.js';
import type { ServerInspection, SiteTarget } from '../web/server.js';
import { MANAGED_MARKER, sha256, type SiteIssue } from '../web/site.js';
import { webCatalogue } from '../web/catalogue.js';

/** Every answers-file key this step may ask, whether or not a given run asks it. */
export const CHOICE_KEYS: readonly string[] = ['editDefaultSite', 'newSite', 'newSiteServer', 'serverName', 'fpmListen'];

type WebContext = Pick<Context, 'install' | 'options' | 'exec' | 'env' | 'isRoot' | 'shared'>;

/** Inspections of this run, for the synchronous choices() call that follows inspect(). */
const inspected = new WeakMap<Context['shared'], ServerInspection[]>();

export const step: Step = {
  id: 'web',
  title: 'Web access to .env and other private files',
  choiceKeys: CHOICE_KEYS,
  catalogue: webCatalogue,

  async inspect(ctx) {
    const inspections = await inspectServers(ctx);
    inspected.set(ctx.shared, inspections);
    const issues: SiteIssue[] = [];

    if (inspections.length === 0) {
      issues.push({ id: 'web.no-server', evidence: ['neither nginx nor Apache httpd (apache2ctl, apachectl) was found, and no --nginx-conf or --apache-conf was given'] });
      return toFindings(issues);
    }

    for (const inspection of inspections) {
      if (!inspection.test.ok) {
        issues.push({
          id: ctx.isRoot ? 'web.config-broken' : 'web.config-unverified',
          path: inspection.mainFile,
          evidence: [`${inspection.test.argv.join(' ')}:`, ...inspection.test.output.split('\n').slice(-8).map((line) => `  ${line}`)],
        });
      }
      if (inspection.problems.length > 0) {
        issues.push({ id: 'web.config-unreadable', path: inspection.mainFile, evidence: inspection.problems.map((problem) => `${inspection.kind}: ${problem}`) });
      }
      issues.push(...inspection.issues);
      for (const target of inspection.targets) issues.push(...analyzeSite(target.view, ctx.install.realRoot).issues);
      issues.push(...(await driftIssues(inspection, ctx.install.realRoot)));
    }

    if (inspections.every((inspection) => inspection.targets.length === 0)) {
      issues.push({
        id: 'web.no-site',
        evidence: inspections.map((inspection) => `${inspection.kind}: ${inspection.siteCount} site(s) in ${inspection.mainFile}, none with a root at or above ${ctx.install.realRoot}`),
      });
    }

    if (ctx.options.probe) issues.push(...(await probeIssues(ctx, inspections)));
    return toFindings(issues);
  },

  choices(ctx, findings) {
    const inspections = inspected.get(ctx.shared) ?? [];
    const choices: Choice[] = [];
    const defaults = inspections.flatMap((inspection) => inspection.targets.filter((target) => target.isDistroDefault && targetNeedsRules(target, ctx.install.realRoot)));
    if (defaults.length > 0) {
      choices.push({
        key: 'editDefaultSite',
        type: 'confirm',
        message: `Add the include line to the distribution's default site (${[...new Set(defaults.map((target) => target.realFile))].join(', ')})?`,
        options: [
          { value: 'yes', label: 'yes' },
          { value: 'no', label: 'no' },
        ],
        recommended: 'no',
        help: 'Package upgrades may replace this file. Without the line, the plan lists the exact line to add by hand.',
      });
    }
    if (findings.some((finding) => finding.id === 'web.no-site') && inspections.length > 0) {
      choices.push(...newSiteChoices(ctx, inspections));
    }
    return choices;
  },

  async plan(ctx, _findings, choices) {
    const inspections = await inspectServers(ctx);
    const appRoot = ctx.install.realRoot;
    const changes: Change[] = [];
    const notes: string[] = [];
    const probes: ProbeRequest[] = [];

    for (const inspection of inspections) {
      if (!inspection.test.ok && ctx.isRoot) {
        notes.push(`${inspection.kind}: the configuration test fails before any change (${inspection.test.argv.join(' ')}); nothing is planned for it. Fix the error it prints, then run again.`);
        continue;
      }
      if (!inspection.test.ok) {
        // Without root the test often fails on the pid file or certificates alone. The plan still starts
        // with the config test, so a real run as root rejects a config that is really broken.
        notes.push(`${inspection.kind}: the configuration test could not pass without root (${inspection.test.argv.join(' ')}); the changes below assume the config is valid, and a run as root tests it first.`);
      }
      const plans: TargetPlan[] = [];
      for (const target of inspection.targets) {
        if (!targetNeedsRules(target, appRoot)) continue;
        const plan = await planTarget(inspection, target, appRoot);
        if (plan.needsInclude && !isUtf8RoundTrip(target.fileText)) {
          notes.push(`${target.label}: ${target.realFile} is not valid UTF-8, so it is not edited; add "${plan.includeLine}" inside the block by hand.`);
          continue;
        }
        if (plan.needsInclude && target.isDistroDefault && choices.editDefaultSite !== 'yes') {
          notes.push(`${target.label} is in the distribution's default site ${target.realFile}, which is edited only with "editDefaultSite": "yes". To protect it by hand, add inside that block: ${plan.includeLine} (and write ${plan.dropInPath} with: cachet-harden --only web, answering yes)`);
          continue;
        }
        plans.push(plan);
        if (plan.needsInclude || plan.needsDropIn) probes.push(...targetProbes(ctx, target), ...acmeSelfTest(ctx, target, plan));
      }
      changes.push(...serverChanges(inspection, plans.filter((plan) => plan.needsInclude || plan.needsDropIn)));
    }

    if (inspections.length > 0 && inspections.every((inspection) => inspection.targets.length === 0) && choices.newSite === 'yes') {
      const site = await planNewSite(ctx, inspections, choices, notes);
      if (site) {
        changes.push(...serverChanges(site.inspection, [], [site.write]));
        probes.push(...site.probes);
      }
    }

    for (const inspection of inspections) {
      for (const target of inspection.targets) {
        const relation = target.view.mounts.find((mount) => mount.relation !== 'public')?.relation;
        if (relation === 'ancestor' || relation === 'app-root' || relation === 'inside-app') {
          notes.push(
            `${target.label} serves the app tree, not only public/. The lasting fix is to move the app outside every web root (e.g. /srv/cachet) and point only the Cachet site at public/; treat DB_PASSWORD, MAIL_PASSWORD and APP_KEY as leaked if the files were reachable.`,
          );
        }
      }
    }

    if (changes.length > 0 && probes.length > 0) {
      if (ctx.options.probe) {
        changes.push({ kind: 'probe', summary: 'probe private files (must be blocked) and the front page (must answer)', requests: dedupe(probes) });
      } else {
        notes.push('--no-probe: the change is checked by the config test only, not over HTTP; request /.env and the front page yourself after the reload.');
      }
    }
    return { step: 'web', changes, notes: [...new Set(notes)] };
  },
};

async function inspectServers(ctx: WebContext): Promise<ServerInspection[]> {
  const [nginx, apache] = await Promise.all([inspectNginx(ctx, ctx.install), inspectApache(ctx, ctx.install)]);
  return [nginx, apache].filter((inspection): inspection is ServerInspection => inspection !== null);
}

/** Lists managed drop-ins that no longer match what we would render (edited by hand, or the app moved). */
async function driftIssues(inspection: ServerInspection, appRoot: string): Promise<SiteIssue[]> {
  const issues: SiteIssue[] = [];
  for (const target of inspection.targets) {
    if (!target.existingInclude) continue;
    const plan = await planTarget(inspection, target, appRoot);
    if (plan.needsInclude || plan.needsDropIn) {
      issues.push({ id: 'web.drop-in-outdated', path: target.existingInclude.path, evidence: [`${target.label}: includes ${target.existingInclude.path}; the current rules belong in ${plan.dropInPath}`] });
    }
  }
  return issues;
}

/** Picks where probes for a site go: its own listen address on loopback, with its name as the Host header. */
export function probeOrigin(ctx: Pick<Context, 'options' | 'install'>, target: SiteTarget): { origin: string; host: string | undefined } {
  const servesApp = target.view.mounts.some((mount) => mount.relation !== 'ancestor');
  if (ctx.options.probeUrl && servesApp) return { origin: ctx.options.probeUrl.replace(/\/+$/, ''), host: undefined };
  const listen = target.view.listens.find((candidate) => !candidate.ssl) ?? target.view.listens[0] ?? { address: '*', port: 80, ssl: false, isDefault: false };
  let address = listen.address;
  if (address === '*' || address === '0.0.0.0' || address === '') address = '127.0.0.1';
  else if (address === '[::]') address = '[::1]';
  const origin = `${listen.ssl ? 'https' : 'http'}://${address}:${listen.port}`;
  const plainName = target.view.names.find((name) => /^[A-Za-z0-9.-]+$/.test(name));
  const appHost = servesApp ? appUrlHost(ctx) : null;
  return { origin, host: plainName ?? appHost ?? undefined };
}

/**
 * Plans the ACME HTTP-01 self-test. A random token is written under the challenge directory the changed
 * config serves (the existing ACME root, or the site's document root) and must come back with status 200.
 * So a dotfile rule cannot break certificate renewals unnoticed. Returns none when that directory is unknown.
 */
function acmeSelfTest(ctx: Pick<Context, 'options' | 'install'>, target: SiteTarget, plan: TargetPlan): ProbeRequest[] {
  const root = plan.spec.acmeRoot ?? documentRoot(target);
  if (root === null) return [];
  const token = `cachet-harden-${randomBytes(12).toString('hex')}`;
  const uri = `/.well-known/acme-challenge/${token}`;
  const request: ProbeRequest = {
    url: uri,
    expect: { status: 200, bodyIncludes: token },
    fixture: { path: join(root, '.well-known', 'acme-challenge', token), content: token },
  };
  const { origin, host } = probeOrigin(ctx, target);
  return absoluteProbes([request], origin, host);
}

/** Returns the directory a plain static file of the site maps to, as the site's own config resolves it. */
function documentRoot(target: SiteTarget): string | null {
  const file = target.view.resolve('/cachet-harden-root.txt').file;
  return file === null ? null : dirname(file);
}

function targetProbes(ctx: Pick<Context, 'options' | 'install'>, target: SiteTarget): ProbeRequest[] {
  const { origin, host } = probeOrigin(ctx, target);
  const paths = analyzeSite(target.view, ctx.install.realRoot).probes;
  for (const uri of target.extraProbes) paths.push({ url: uri, expect: 'blocked' });
  return absoluteProbes(paths, origin, host);
}

async function probeIssues(ctx: WebContext, inspections: ServerInspection[]): Promise<SiteIssue[]> {
  const issues: SiteIssue[] = [];
  for (const inspection of inspections) {
    for (const target of inspection.targets) {
      const requests = targetProbes(ctx, target).filter((request) => request.expect === 'blocked');
      const results = await runProbes(requests);
      const served = results.filter((result) => result.verdict === 'fail');
      const unknown = results.filter((result) => result.verdict === 'unknown');
      if (served.length > 0) issues.push({ id: 'web.private-file-served', path: ctx.install.realRoot, evidence: served.map((result) => `${target.label}: ${result.summary}`) });
      if (unknown.length > 0) issues.push({ id: 'web.probe-unknown', evidence: unknown.map((result) => `${target.label}: ${result.summary}`) });
    }
  }
  return issues;
}

function appUrlHost(ctx: Pick<Context, 'install'>): string | null {
  const url = ctx.install.env?.get('APP_URL');
  if (!url) return null;
  try {
    return new URL(url).hostname || null;
  } catch {
    return null;
  }
}

function appUrlPort(ctx: Pick<Context, 'install'>): number {
  const url = ctx.install.env?.get('APP_URL');
  try {
    const parsed = new URL(url ?? '');
    if (parsed.port) return Number(parsed.port);
    return parsed.protocol === 'https:' ? 443 : 80;
  } catch {
    return 80;
  }
}

function newSiteChoices(ctx: Pick<Context, 'install' | 'options'>, inspections: ServerInspection[]): Choice[] {
  const choices: Choice[] = [
    {
      key: 'newSite',
      type: 'confirm',
      message: 'No web site serves this Cachet install yet. Create one with its root at public/?',
      options: [
        { value: 'yes', label: 'yes' },
        { value: 'no', label: 'no' },
      ],
      recommended: 'no',
      help: 'The new site is a file of its own in the server\'s site directory; nothing else is edited.',
    },
  ];
  if (inspections.length > 1) {
    choices.push({
      key: 'newSiteServer',
      message: 'Which web server should serve the new site?',
      options: inspections.map((inspection) => ({ value: inspection.kind, label: inspection.kind })),
      recommended: inspections[0]!.kind,
    });
  }
  const host = appUrlHost(ctx);
  choices.push({ key: 'serverName', type: 'input', message: 'Host name of the status page (server_name / ServerName)', options: [], ...(host ? { recommended: host } : {}) });
  const listen = findFpmListen(ctx.options.fpmPoolDirs);
  choices.push({ key: 'fpmListen', type: 'input', message: 'PHP-FPM listen address (socket path or host:port)', options: [], ...(listen ? { recommended: listen } : {}) });
  return choices;
}

async function planNewSite(
  ctx: WebContext,
  inspections: ServerInspection[],
  choices: Choices,
  notes: string[],
): Promise<{ inspection: ServerInspection; write: WriteFileChange; probes: ProbeRequest[] } | null> {
  const inspection = inspections.find((candidate) => candidate.kind === choices.newSiteServer) ?? inspections[0]!;
  const serverName = choices.serverName || appUrlHost(ctx);
  const fpmListen = choices.fpmListen || findFpmListen(ctx.options.fpmPoolDirs);
  const dir = inspection.siteDirs[0];
  if (!serverName || !fpmListen || !dir) {
    const missing = [!serverName && 'a host name (answers key "serverName")', !fpmListen && 'the PHP-FPM listen address ("fpmListen")', !dir && `a site directory that ${inspection.mainFile} includes`].filter(Boolean);
    notes.push(`No new site planned: missing ${missing.join(', ')}. Print one with: cachet-harden render ${inspection.kind}`);
    return null;
  }

  const port = appUrlPort(ctx);
  const publicDir = join(ctx.install.realRoot, 'public');
  const deny = { acme: true, acmeRoot: null, denyPatterns: [], denyDirectories: [] };
  const content =
    inspection.kind === 'nginx'
      ? await renderNginxSite({
          listen: String(port),
          serverName,
          publicDir,
          fastcgiPass: nginxFastcgiPass(fpmListen),
          fastcgiParams: existsSync(join(inspection.configDir, 'fastcgi_params')) ? join(inspection.configDir, 'fastcgi_params') : '/etc/nginx/fastcgi_params',
          deny,
        })
      : await renderApacheSite({
          address: `*:${port}`,
          serverName,
          publicDir,
          fpmHandler: [...(inspection.modules ?? [])].some((module) => /^php\d*_module$/.test(module)) ? null : apacheFpmHandler(fpmListen),
          hasAlias: inspection.modules?.has('alias_module') ?? true,
          deny,
        });

  let path = join(dir, 'cachet.conf');
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : null;
  if (existing !== null && !existing.includes(MANAGED_MARKER)) path = join(dir, 'cachet-harden-cachet.conf');
  const current = existsSync(path) ? readFileSync(path, 'utf8') : null;
  if (current === content) return null;

  const origin = `http://127.0.0.1:${port}`;
  const probes: ProbeRequest[] = absoluteProbes(
    [
      ...['/.env', '/.env.bak', '/.git/HEAD', '/.git/config', '/../.env'].map((url) => ({ url, expect: 'blocked' as const })),
      { url: '/', expect: 'ok' as const },
    ],
    origin,
    serverName,
  );
  return {
    inspection,
    write: { kind: 'write-file', summary: `write the new ${inspection.kind} site ${path}`, path, content, mode: 0o644, expectSha256: current === null ? null : sha256(current) },
    probes,
  };
}

function toFindings(issues: SiteIssue[]): Finding[] {
  const byId = new Map<string, SiteIssue[]>();
  for (const issue of issues) byId.set(issue.id, [...(byId.get(issue.id) ?? []), issue]);
  const findings: Finding[] = [];
  for (const [id, list] of byId) {
    const definition: FindingDefinition | undefined = webCatalogue.find((entry) => entry.id === id);
    if (!definition) throw new Error(`web step: finding ${id} has no catalogue entry`);
    const finding: Finding = {
      id,
      step: 'web',
      severity: definition.severity,
      title: definition.title,
      evidence: [...new Set(list.flatMap((issue) => issue.evidence))],
      why: definition.why,
      fix: definition.fix,
    };
    const path = list.find((issue) => issue.path)?.path;
    if (path) finding.path = path;
    findings.push(finding);
  }
  return findings;
}

function dedupe(probes: ProbeRequest[]): ProbeRequest[] {
  const seen = new Set<string>();
  return probes.filter((probe) => {
    const key = `${probe.url} ${probe.host ?? ''} ${JSON.stringify(probe.expect)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
