// The Apache adapter: describes every virtual host (or the main server when there are none) that can
// reach the app, works out how a URI would be handled (mod_alias redirects, then <Directory>,
// <DirectoryMatch>, <Files>, <Location> merged in Apache's order), and runs the Apache-only checks.

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import type { Context, Install } from '../types.js';
import { readApacheConfig, type ApacheConfig, type ApacheEffective } from './apache-config.js';
import { compilePcre } from './nginx-site.js';
import { blockIndent } from './nginx.js';
import { globSegmentToRegExp } from './glob.js';
import {
  DROP_IN_DIR_NAME,
  isInside,
  realpathOrSelf,
  relateToApp,
  stripSlash,
  type Listen,
  type Mount,
  type RequestOutcome,
  type SiteIssue,
  type SiteView,
} from './site.js';
import type { ServerInspection, SiteTarget } from './server.js';

interface ApacheSite {
  /** The <VirtualHost> node, or null for the main server. */
  vhost: ApacheEffective | null;
  /** Directives that apply in this site: the vhost's own, or the main server's. */
  own: ApacheEffective[];
  label: string;
  file: string;
  line: number;
}

export async function inspectApache(ctx: Pick<Context, 'exec' | 'options'>, install: Pick<Install, 'realRoot'>): Promise<ServerInspection | null> {
  const config = await readApacheConfig(ctx);
  if (!config) return null;

  const mainLevel = config.nodes.filter((node) => node.name.toLowerCase() !== 'virtualhost');
  const vhosts = collect(config.nodes, 'virtualhost');
  const sites: ApacheSite[] = vhosts.map((vhost) => ({
    vhost,
    own: vhost.effective ?? [],
    label: vhostLabel(vhost),
    file: vhost.file,
    line: vhost.line,
  }));
  if (sites.length === 0) sites.push({ vhost: null, own: mainLevel, label: `main server (${config.mainFile})`, file: config.mainFile, line: 1 });

  const dropInDir = join(config.serverRoot, DROP_IN_DIR_NAME);
  const issues: SiteIssue[] = [];
  const targets: SiteTarget[] = [];
  for (const site of sites) {
    const view = apacheSiteView(site, mainLevel, config, install.realRoot);
    if (view.mounts.length === 0) continue;
    issues.push(...apacheOnlyChecks(site, view, mainLevel, config, install.realRoot));
    targets.push(apacheTarget(site, view, config, dropInDir));
  }

  return {
    kind: 'apache',
    mainFile: config.mainFile,
    test: config.test,
    reloadArgv: config.reloadArgv,
    problems: config.problems,
    siteCount: sites.length,
    targets,
    issues,
    dropInDir,
    siteDirs: siteDirectories(config),
    modules: config.modules,
    configDir: config.serverRoot,
  };
}

/** Collects the nodes with this (lowercase) name at any depth of the effective tree. */
function collect(nodes: ApacheEffective[], name: string): ApacheEffective[] {
  const out: ApacheEffective[] = [];
  for (const node of nodes) {
    if (node.name.toLowerCase() === name) out.push(node);
    else if (node.effective) out.push(...collect(node.effective, name));
  }
  return out;
}

function named(nodes: ApacheEffective[], name: string): ApacheEffective[] {
  return nodes.filter((node) => node.name.toLowerCase() === name);
}

function lastArg(nodes: ApacheEffective[], name: string): string | null {
  const found = named(nodes, name);
  return found.length > 0 ? (found[found.length - 1]!.args[0] ?? null) : null;
}

function vhostLabel(vhost: ApacheEffective): string {
  const name = lastArg(vhost.effective ?? [], 'servername') ?? '(no ServerName)';
  return `VirtualHost ${vhost.args.join(' ')} ${name} (${vhost.file}:${vhost.line})`;
}

export function apacheSiteView(site: ApacheSite, mainLevel: ApacheEffective[], config: ApacheConfig, app: string): SiteView {
  const own = site.own;
  const docRootNode = named(own, 'documentroot').at(-1) ?? named(mainLevel, 'documentroot').at(-1) ?? null;
  const documentRoot = stripSlash(docRootNode?.args[0] ?? config.mainDocumentRoot ?? '/var/www/html');
  const mounts: Mount[] = [];
  const rootRelation = relateToApp(documentRoot, app);
  if (rootRelation) mounts.push({ urlPrefix: '/', dir: documentRoot, relation: rootRelation, position: docRootNode ? { file: docRootNode.file, line: docRootNode.line } : null });
  for (const alias of [...named(own, 'alias'), ...(site.vhost ? named(mainLevel, 'alias') : [])]) {
    const [url, dir] = alias.args;
    if (!url || !dir) continue;
    const relation = relateToApp(stripSlash(dir), app);
    if (relation) mounts.push({ urlPrefix: url, dir: stripSlash(dir), relation, position: { file: alias.file, line: alias.line } });
  }

  const names = [lastArg(own, 'servername'), ...named(own, 'serveralias').flatMap((node) => node.args)]
    .filter((name): name is string => !!name)
    .map((name) => name.replace(/^[a-z]+:\/\//, '').replace(/:\d+$/, ''));
  const isDefault = config.listed.some((entry) => entry.file === site.file && entry.line === site.line && entry.isDefault);
  const ssl = (lastArg(own, 'sslengine') ?? '').toLowerCase() === 'on';
  const listens: Listen[] = site.vhost
    ? site.vhost.args.map((arg) => parseVhostAddress(arg, ssl, isDefault, config))
    : named(mainLevel, 'listen').map((node) => parseVhostAddress(node.args[0] ?? '80', false, true, config));

  return {
    server: 'apache',
    label: site.label,
    position: { file: site.file, line: site.line },
    names,
    listens,
    mounts,
    resolve: (uri) => resolveApacheRequest(site, mainLevel, config, documentRoot, uri),
  };
}

function parseVhostAddress(arg: string, ssl: boolean, isDefault: boolean, config: ApacheConfig): Listen {
  const match = /^(.*?)(?::(\d+|\*))?$/.exec(arg)!;
  let address = match[1] ?? '*';
  if (address === '_default_' || address === '') address = '*';
  let port = match[2] && match[2] !== '*' ? Number(match[2]) : NaN;
  if (Number.isNaN(port)) {
    const listen = named(config.nodes, 'listen')[0]?.args[0] ?? '80';
    port = Number(/(\d+)$/.exec(listen)?.[1] ?? 80);
  }
  if (/^\d+$/.test(address)) {
    port = Number(address);
    address = '*';
  }
  return { address, port, ssl: ssl || port === 443, isDefault };
}

interface Section {
  node: ApacheEffective;
  kind: 'directory' | 'directorymatch' | 'files' | 'filesmatch' | 'location' | 'locationmatch';
}

/** Collects the access-control sections of the main server and then the site, with nested <Files>. */
function sectionsOf(nodes: ApacheEffective[]): Section[] {
  const out: Section[] = [];
  for (const node of nodes) {
    const name = node.name.toLowerCase();
    if (!node.effective) continue;
    if (name === 'directory' || name === 'directorymatch') {
      const isRegex = name === 'directorymatch' || node.args[0] === '~';
      out.push({ node, kind: isRegex ? 'directorymatch' : 'directory' });
    } else if (name === 'files' || name === 'filesmatch') {
      out.push({ node, kind: name === 'filesmatch' || node.args[0] === '~' ? 'filesmatch' : 'files' });
    } else if (name === 'location' || name === 'locationmatch') {
      out.push({ node, kind: name === 'locationmatch' || node.args[0] === '~' ? 'locationmatch' : 'location' });
    }
  }
  return out;
}

function sectionPattern(node: ApacheEffective): string {
  return node.args[0] === '~' ? (node.args[1] ?? '') : (node.args[0] ?? '');
}

function sectionApplies(section: Section, file: string, uri: string): boolean {
  const pattern = sectionPattern(section.node);
  const dir = dirname(file);
  switch (section.kind) {
    case 'directory': {
      const path = stripSlash(pattern);
      if (/[*?[]/.test(path)) {
        const segments = path.split('/');
        const dirSegments = dir.split('/');
        return segments.every((segment, i) => dirSegments[i] !== undefined && globSegmentToRegExp(segment).test(dirSegments[i]!));
      }
      return dir === path || isInside(dir, path) || path === '/';
    }
    case 'directorymatch':
      return compilePcre(pattern, false)?.test(`${dir}/`) ?? false;
    case 'files':
      return globSegmentToRegExp(pattern).test(basename(file));
    case 'filesmatch':
      return compilePcre(pattern, false)?.test(basename(file)) ?? false;
    case 'location':
      return uri === pattern || uri.startsWith(pattern.endsWith('/') ? pattern : `${pattern}/`) || uri.startsWith(pattern);
    case 'locationmatch':
      return compilePcre(pattern, false)?.test(uri) ?? false;
  }
}

type AccessVerdict = 'granted' | 'denied' | 'restricted';

/** Reads the access verdict of a section's own directives; null when it sets none. */
function accessOf(nodes: ApacheEffective[]): AccessVerdict | null {
  let verdict: AccessVerdict | null = null;
  for (const node of nodes) {
    const name = node.name.toLowerCase();
    const args = node.args.map((arg) => arg.toLowerCase());
    if (name === 'require') {
      if (args[0] === 'all' && args[1] === 'granted') verdict = 'granted';
      else if (args[0] === 'all' && args[1] === 'denied') verdict = verdict === 'granted' ? 'granted' : 'denied';
      else verdict ??= 'restricted';
    } else if (name === 'requireall' || name === 'requireany' || name === 'requirenone') {
      verdict = accessOf(node.effective ?? []) ?? verdict;
    } else if (name === 'deny' && args[0] === 'from' && args[1] === 'all') verdict = 'denied';
    else if (name === 'allow' && args[0] === 'from' && args[1] === 'all') verdict = 'granted';
  }
  return verdict;
}

const REDIRECT_STATUS: Record<string, number> = { permanent: 301, temp: 302, seeother: 303, gone: 410 };

export function resolveApacheRequest(site: ApacheSite, mainLevel: ApacheEffective[], config: ApacheConfig, documentRoot: string, uri: string): RequestOutcome {
  // mod_alias checks the site's Redirect* directives before the main server's, each list in order.
  const redirects = [...site.own, ...(site.vhost ? mainLevel : [])].filter((node) => /^redirect(match|permanent|temp)?$/i.test(node.name));
  for (const node of redirects) {
    const name = node.name.toLowerCase();
    let args = node.args;
    let status = name === 'redirectpermanent' ? 301 : 302;
    const first = args[0]?.toLowerCase() ?? '';
    if (first in REDIRECT_STATUS || /^\d{3}$/.test(first)) {
      status = REDIRECT_STATUS[first] ?? Number(first);
      args = args.slice(1);
    }
    const matches = name === 'redirectmatch' ? (compilePcre(args[0] ?? '', false)?.test(uri) ?? false) : uri === args[0] || uri.startsWith(`${stripSlash(args[0] ?? '')}/`);
    if (!matches) continue;
    const detail = `${node.name} ${node.args.join(' ')} (${node.file}:${node.line})`;
    return { kind: status >= 400 ? 'denied' : 'redirect', detail, file: null };
  }

  // NOTE: .htaccess files are not read, so a deny rule that lives only there counts as absent.
  const rewrite = rewriteDenial(site.own, uri);
  if (rewrite) return { kind: 'denied', detail: rewrite, file: null };

  let file = join(documentRoot, uri);
  for (const alias of [...named(site.own, 'alias'), ...(site.vhost ? named(mainLevel, 'alias') : [])]) {
    const [url, dir] = alias.args;
    if (!url || !dir) continue;
    if (uri === url || uri.startsWith(url.endsWith('/') ? url : `${url}/`)) {
      file = join(dir, uri.slice(url.length));
      break;
    }
  }

  const main = sectionsOf(mainLevel);
  const own = site.vhost ? sectionsOf(site.own) : [];
  const ordered = [
    ...[...main, ...own].filter((s) => s.kind === 'directory').sort((a, b) => depth(sectionPattern(a.node)) - depth(sectionPattern(b.node))),
    ...[...main, ...own].filter((s) => s.kind === 'directorymatch'),
  ];
  const applied: Section[] = [];
  for (const section of ordered) if (sectionApplies(section, file, uri)) applied.push(section);
  // <Files> sections nested in applying <Directory> sections join the main and site <Files> sections.
  const nestedFiles = applied.flatMap((section) => sectionsOf(section.node.effective ?? []).filter((s) => s.kind === 'files' || s.kind === 'filesmatch'));
  for (const section of [...[...main, ...own].filter((s) => s.kind === 'files' || s.kind === 'filesmatch'), ...nestedFiles]) {
    if (sectionApplies(section, file, uri)) applied.push(section);
  }
  for (const section of [...main, ...own].filter((s) => s.kind === 'location' || s.kind === 'locationmatch')) {
    if (sectionApplies(section, file, uri)) applied.push(section);
  }

  let verdict: AccessVerdict = accessOf(site.own) ?? 'granted';
  let decidedBy = 'no access rule (Apache 2.4 grants by default)';
  for (const section of applied) {
    const access = accessOf(section.node.effective ?? []);
    if (access) {
      verdict = access;
      decidedBy = `<${section.node.name} ${section.node.args.join(' ')}> (${section.node.file}:${section.node.line})`;
    }
  }
  if (verdict !== 'granted') return { kind: 'denied', detail: `Require in ${decidedBy}`, file: null };
  if (file.endsWith('.php') && handlesPhp(site, mainLevel, config)) return { kind: 'passed', detail: 'PHP handler', file };
  return { kind: 'static', detail: decidedBy, file };
}

function depth(path: string): number {
  return stripSlash(path).split('/').length;
}

/** Finds a vhost-level `RewriteRule pattern - [F]` (or G, R=403/404/410) without a RewriteCond that matches the URI. */
function rewriteDenial(nodes: ApacheEffective[], uri: string): string | null {
  if ((lastArg(nodes, 'rewriteengine') ?? '').toLowerCase() !== 'on') return null;
  let conditioned = false;
  for (const node of nodes) {
    const name = node.name.toLowerCase();
    if (name === 'rewritecond') conditioned = true;
    if (name !== 'rewriterule') continue;
    const flags = (node.args[2] ?? '').toUpperCase();
    const denies = /\b(F|G|FORBIDDEN|GONE)\b/.test(flags.replace(/[[\]]/g, '')) || /R=(403|404|410)/.test(flags);
    if (denies && !conditioned && (compilePcre(node.args[0] ?? '', /NC/.test(flags))?.test(uri) ?? false)) {
      return `RewriteRule ${node.args.join(' ')} (${node.file}:${node.line})`;
    }
    conditioned = false;
  }
  return null;
}

function handlesPhp(site: ApacheSite, mainLevel: ApacheEffective[], config: ApacheConfig): boolean {
  if ([...config.modules].some((module) => /^php\d*_module$/.test(module))) return true;
  const text = JSON.stringify([...site.own, ...mainLevel].flatMap(flattenEffective).filter((node) => /^(sethandler|addhandler|addtype|proxypassmatch)$/i.test(node.name)).map((n) => n.args));
  return /php|proxy:fcgi|proxy:unix/i.test(text);
}

function flattenEffective(node: ApacheEffective): ApacheEffective[] {
  return [node, ...(node.effective ?? []).flatMap(flattenEffective)];
}

/** Directives of the <Directory> sections (main, then site) that cover a directory, in merge order. */
function directoryDirectives(dir: string, site: ApacheSite, mainLevel: ApacheEffective[]): ApacheEffective[] {
  const sections = [...sectionsOf(mainLevel), ...(site.vhost ? sectionsOf(site.own) : [])]
    .filter((section) => section.kind === 'directory' || section.kind === 'directorymatch')
    .filter((section) => sectionApplies(section, join(dir, 'index.php'), '/'));
  // <Directory> sections apply shortest path first, then <DirectoryMatch> in configuration order.
  sections.sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === 'directory' ? -1 : 1;
    if (a.kind !== 'directory') return 0;
    return depth(sectionPattern(a.node)) - depth(sectionPattern(b.node));
  });
  return sections.flatMap((section) => section.node.effective ?? []);
}

function apacheOnlyChecks(site: ApacheSite, view: SiteView, mainLevel: ApacheEffective[], config: ApacheConfig, appRoot: string): SiteIssue[] {
  const issues: SiteIssue[] = [];
  const label = view.label;

  for (const mount of view.mounts) {
    const publicDir = mount.relation === 'public' ? realpathOrSelf(mount.dir) : join(appRoot, 'public');
    const servedDir = realpathOrSelf(mount.dir);
    const dirNodes = directoryDirectives(servedDir, site, mainLevel);

    let indexes = false;
    let optionsAt: ApacheEffective | null = null;
    for (const node of named(dirNodes, 'options')) {
      const options = node.args.map((arg) => arg.toLowerCase());
      // Options without +/- replace the inherited set; +X and -X adjust it (Apache 2.4 core docs).
      const absolute = options.some((option) => !option.startsWith('+') && !option.startsWith('-'));
      const before = indexes;
      if (absolute) indexes = options.includes('indexes') || options.includes('all');
      else if (options.includes('+indexes')) indexes = true;
      else if (options.includes('-indexes')) indexes = false;
      if (indexes && !before) optionsAt = node;
    }
    if (indexes && config.modules.has('autoindex_module') && optionsAt) {
      issues.push({
        id: 'web.directory-listing',
        path: optionsAt.file,
        evidence: [`${label}: Options ${optionsAt.args.join(' ')} (${optionsAt.file}:${optionsAt.line}) lists directories under ${servedDir}`],
      });
    }

    if (mount.relation === 'ancestor') continue;
    const htaccess = join(publicDir, '.htaccess');
    const fallback = [...site.own, ...dirNodes].some((node) => /^fallbackresource$/i.test(node.name));
    const vhostRewrite = named(site.own, 'rewriterule').some((node) => /index\.php/.test(node.args[1] ?? ''));
    if (existsSync(htaccess) && !fallback && !vhostRewrite) {
      const publicNodes = directoryDirectives(publicDir, site, mainLevel);
      const override = named(publicNodes, 'allowoverride').at(-1);
      const allowed = (override?.args ?? ['None']).map((arg) => arg.toLowerCase());
      if (!allowed.includes('all') && !allowed.includes('fileinfo')) {
        issues.push({
          id: 'web.htaccess-ignored',
          path: htaccess,
          evidence: [
            override
              ? `${label}: AllowOverride ${override.args.join(' ')} (${override.file}:${override.line}) applies to ${publicDir}, so ${htaccess} is ignored`
              : `${label}: no AllowOverride covers ${publicDir} (Apache 2.4 defaults to None), so ${htaccess} is ignored`,
          ],
        });
      }
      if (!config.modules.has('rewrite_module') && readText(htaccess).includes('RewriteRule')) {
        issues.push({
          id: 'web.rewrite-missing',
          path: htaccess,
          evidence: [`${label}: ${htaccess} routes through mod_rewrite, which is not loaded, and no FallbackResource is set`],
        });
      }
    }
  }

  const legacy = [...site.own, ...site.own.flatMap((node) => (node.effective ? flattenEffective(node) : []))].filter((node) =>
    /^(order|allow|deny|satisfy)$/i.test(node.name),
  );
  const relevantDirs = view.mounts.map((mount) => realpathOrSelf(mount.dir));
  for (const section of sectionsOf(mainLevel).filter((s) => s.kind === 'directory')) {
    const path = stripSlash(sectionPattern(section.node));
    if (relevantDirs.some((dir) => dir === path || isInside(dir, path) || isInside(path, dir)) && path !== '/') {
      legacy.push(...(section.node.effective ?? []).filter((node) => /^(order|allow|deny|satisfy)$/i.test(node.name)));
    }
  }
  if (legacy.length > 0) {
    const unique = [...new Map(legacy.map((node) => [`${node.file}:${node.line}`, node])).values()];
    issues.push({
      id: 'web.apache22-syntax',
      path: unique[0]!.file,
      evidence: unique.map((node) => `${label}: ${node.name} ${node.args.join(' ')} (${node.file}:${node.line})`),
    });
  }

  if (site.vhost && !lastArg(site.own, 'servername') && view.mounts.some((mount) => mount.relation !== 'ancestor')) {
    issues.push({
      id: 'web.no-server-name',
      path: site.file,
      evidence: [`${label}: no ServerName; name-based requests reach it only as the first virtual host for its address`],
    });
  }
  return issues;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function apacheTarget(site: ApacheSite, view: SiteView, config: ApacheConfig, dropInDir: string): SiteTarget {
  const file = site.file;
  const text = config.files.get(file) ?? '';
  const rawChildren = site.vhost?.children ?? [];
  const existing = rawChildren.find((node) => /^include(optional)?$/i.test(node.name) && dirname(node.args[0] ?? '') === dropInDir);
  const insertAt = site.vhost?.end ? site.vhost.end.offset : text.length;
  return {
    server: 'apache',
    label: view.label,
    view,
    file,
    realFile: realpathOrSelf(file),
    isDistroDefault: isApacheDistroDefault(file),
    acme: { acme: true, acmeRoot: null },
    existingInclude: existing ? { path: existing.args[0]!, start: existing.lineStart + leadingSpace(text, existing.lineStart), end: lineEnd(text, existing.lineStart) } : null,
    insertAt,
    indent: blockIndent(text, rawChildren.map((node) => node.lineStart + leadingSpace(text, node.lineStart))),
    fileText: text,
    extraProbes: [],
    dropInDir,
  };
}

function leadingSpace(text: string, offset: number): number {
  let i = offset;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i - offset;
}

function lineEnd(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  const end = newline === -1 ? text.length : newline;
  return text[end - 1] === '\r' ? end - 1 : end;
}

export function isApacheDistroDefault(file: string): boolean {
  const real = realpathOrSelf(file);
  return [file, real].some(
    (path) =>
      /\/sites-(available|enabled)\/(000-default|default-ssl)\.conf$/.test(path) ||
      /\/conf\.d\/(welcome|ssl)\.conf$/.test(path) ||
      /\/(apache2|httpd)\.conf$/.test(path),
  );
}

function siteDirectories(config: ApacheConfig): string[] {
  const dirs: string[] = [];
  for (const node of config.nodes) {
    if (!/^include(optional)?$/i.test(node.name)) continue;
    const pattern = node.args[0] ?? '';
    const absolute = pattern.startsWith('/') ? pattern : join(config.serverRoot, pattern);
    const match = /^(.*)\/\*(\.conf)?$/.exec(absolute);
    if (match && /sites-enabled|conf\.d|vhosts/.test(match[1]!)) dirs.push(match[1]!);
  }
  return dirs;
}
