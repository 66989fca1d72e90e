// The nginx adapter: reads the effective configuration, describes every server block that can reach the
// app, runs the nginx-only checks, and works out where one `include` line of the drop-in takes effect.

import { dirname, join } from 'node:path';

import type { Context, Install } from '../types.js';
import { readNginxConfig, type NginxConfig } from './nginx-config.js';
import type { NginxDirective } from './nginx-parse.js';
import {
  allLocations,
  readNginxServers,
  resolveNginxRequest,
  type NginxLocation,
  type NginxServer,
} from './nginx-site.js';
import { ACME_TEST_URI } from './analyze.js';
import {
  DROP_IN_DIR_NAME,
  isInside,
  realpathOrSelf,
  relateToApp,
  stripSlash,
  type DropInSpec,
  type Mount,
  type SiteIssue,
  type SiteView,
} from './site.js';
import type { ServerInspection, SiteTarget } from './server.js';

export async function inspectNginx(ctx: Pick<Context, 'exec' | 'options'>, install: Pick<Install, 'realRoot'>): Promise<ServerInspection | null> {
  const config = await readNginxConfig(ctx);
  if (!config) return null;

  const prefix = prefixOf(config);
  const servers = readNginxServers(config.directives, prefix);
  const dropInDir = join(config.confDir, DROP_IN_DIR_NAME);
  const issues: SiteIssue[] = [];
  const targets: SiteTarget[] = [];

  for (const server of servers) {
    const view = nginxSiteView(server, install.realRoot);
    if (view.mounts.length === 0) continue;
    issues.push(...nginxOnlyChecks(server, view));
    targets.push(nginxTarget(server, view, config, dropInDir, install.realRoot));
  }
  issues.push(...aliasTraversalChecks(servers, install.realRoot));

  return {
    kind: 'nginx',
    mainFile: config.invocation.mainFile,
    test: { ...config.test, argv: [...config.invocation.base, '-t'] },
    reloadArgv: [...config.invocation.base, '-s', 'reload'],
    problems: config.problems,
    siteCount: servers.length,
    targets,
    issues,
    dropInDir,
    siteDirs: siteDirectories(config),
    modules: null,
    configDir: config.confDir,
  };
}

function prefixOf(config: NginxConfig): string {
  const index = config.invocation.base.indexOf('-p');
  return index === -1 ? '/usr/share/nginx' : config.invocation.base[index + 1]!;
}

export function serverLabel(server: NginxServer): string {
  const name = server.names[0] ?? '(no server_name)';
  return `server ${name} (${server.directive.file}:${server.directive.line})`;
}

/** Describes a server block for the shared checks; mounts list only what reaches the app. */
export function nginxSiteView(server: NginxServer, appRoot: string): SiteView {
  const mounts: Mount[] = [];
  const rootRelation = relateToApp(server.root, appRoot);
  if (rootRelation) {
    const position = server.rootDirective ? { file: server.rootDirective.file, line: server.rootDirective.line } : null;
    mounts.push({ urlPrefix: '/', dir: server.root, relation: rootRelation, position });
  }
  for (const location of allLocations(server.locations)) {
    if (location.modifier !== '' && location.modifier !== '^~') continue;
    const alias = location.directives.find((d) => d.name === 'alias');
    const root = location.directives.find((d) => d.name === 'root');
    let dir: string | null = null;
    if (alias) dir = alias.args[0]!;
    else if (root) dir = join(root.args[0]!, location.pattern);
    if (!dir || dir.includes('$')) continue;
    const relation = relateToApp(dir, appRoot);
    if (!relation) continue;
    const directive = alias ?? root!;
    mounts.push({ urlPrefix: location.pattern, dir: stripSlash(dir), relation, position: { file: directive.file, line: directive.line } });
  }
  return {
    server: 'nginx',
    label: serverLabel(server),
    position: { file: server.directive.file, line: server.directive.line },
    names: server.names,
    listens: server.listens,
    mounts,
    resolve: (uri) => {
      const outcome = resolveNginxRequest(server, uri);
      return { kind: outcome.kind, file: outcome.file, detail: describeLocation(outcome.location, outcome.detail) };
    },
  };
}

function describeLocation(location: NginxLocation | null, detail: string): string {
  if (!location) return `the server root (${detail})`;
  const modifier = location.modifier === '' ? '' : `${location.modifier} `;
  return `location ${modifier}${location.pattern} (${location.directive.file}:${location.directive.line})`;
}

function nginxOnlyChecks(server: NginxServer, view: SiteView): SiteIssue[] {
  const issues: SiteIssue[] = [];
  const label = view.label;
  const servesPublic = view.mounts.some((mount) => mount.relation !== 'ancestor');

  for (const location of allLocations(server.locations)) {
    const pass = location.directives.find((d) => d.name === 'fastcgi_pass');
    if (!pass || !servesPublic) continue;
    const checksFile = location.directives.some(
      (d) => d.name === 'try_files' && d.args.some((arg) => arg === '=404') && d.args.some((arg) => arg.includes('$uri') || arg.includes('$fastcgi_script_name')),
    );
    if (!checksFile) {
      issues.push({
        id: 'web.php-no-file-check',
        path: location.directive.file,
        evidence: [`${label}: location ${location.modifier} ${location.pattern} (${location.directive.file}:${location.directive.line}) passes requests to PHP-FPM without checking that the script exists`],
      });
    }
  }

  const autoindex = [...server.httpDirectives, ...server.directives, ...allLocations(server.locations).flatMap((l) => l.directives)].filter(
    (d) => d.name === 'autoindex' && d.args[0] === 'on',
  );
  if (autoindex.length > 0 && view.mounts.length > 0) {
    issues.push({
      id: 'web.directory-listing',
      path: autoindex[0]!.file,
      evidence: autoindex.map((d) => `${label}: autoindex on (${d.file}:${d.line})`),
    });
  }

  if (servesPublic && server.names.length === 0 && !server.listens.some((listen) => listen.isDefault)) {
    issues.push({
      id: 'web.no-server-name',
      path: server.directive.file,
      evidence: [`${label}: no server_name and no default_server on ${server.listens.map((l) => `${l.address}:${l.port}`).join(', ')}; requests reach it only when it is the first block for that port`],
    });
  }
  return issues;
}

/**
 * `location /static { alias /dir/; }`: without a trailing slash on the location, `/static../x` maps to
 * `/dir/../x`, one directory above the alias (nginx normalises only the URI, not the alias result).
 */
function aliasTraversalChecks(servers: NginxServer[], appRoot: string): SiteIssue[] {
  const issues: SiteIssue[] = [];
  for (const server of servers) {
    for (const location of allLocations(server.locations)) {
      if (location.modifier !== '' && location.modifier !== '^~') continue;
      const alias = location.directives.find((d) => d.name === 'alias');
      if (!alias || location.pattern.endsWith('/') || !alias.args[0]!.endsWith('/')) continue;
      const parent = dirname(stripSlash(alias.args[0]!));
      const reachesApp = parent === appRoot || isInside(appRoot, parent) || isInside(parent, appRoot) || realpathOrSelf(stripSlash(alias.args[0]!)) === appRoot;
      if (!reachesApp) continue;
      issues.push({
        id: 'web.alias-traversal',
        path: alias.file,
        evidence: [
          `${serverLabel(server)}: location ${location.pattern} (${location.directive.file}:${location.directive.line}) has alias ${alias.args[0]}; GET ${location.pattern}../ reads ${parent}`,
        ],
      });
    }
  }
  return issues;
}

/** Extra probes for alias traversal forms of a server. */
function aliasTraversalProbes(server: NginxServer, appRoot: string): string[] {
  const uris: string[] = [];
  for (const location of allLocations(server.locations)) {
    const alias = location.directives.find((d) => d.name === 'alias');
    if (!alias || location.modifier === '~' || location.modifier === '~*' || location.pattern.endsWith('/')) continue;
    const parent = dirname(stripSlash(alias.args[0]!));
    if (parent === appRoot) uris.push(`${location.pattern}../.env`);
    else if (isInside(appRoot, parent)) uris.push(`${location.pattern}../${appRoot.slice(parent.length + 1)}/.env`);
  }
  return uris;
}

function nginxTarget(server: NginxServer, view: SiteView, config: NginxConfig, dropInDir: string, appRoot: string): SiteTarget {
  const file = server.directive.file;
  const text = config.files.get(file) ?? '';
  const acme = acmeSettings(server, dropInDir);
  const ownIncludes = server.directive.block!.filter((d) => d.name === 'include' && d.args.length === 1);
  const existing = ownIncludes.find((d) => {
    const path = d.args[0]!.startsWith('/') ? d.args[0]! : join(config.confDir, d.args[0]!);
    return dirname(path) === dropInDir;
  });
  return {
    server: 'nginx',
    label: view.label,
    view,
    file,
    realFile: realpathOrSelf(file),
    isDistroDefault: isNginxDistroDefault(file),
    acme,
    existingInclude: existing
      ? { path: existing.args[0]!.startsWith('/') ? existing.args[0]! : join(config.confDir, existing.args[0]!), start: existing.start, end: directiveEnd(text, existing.start) }
      : null,
    insertAt: insertionOffset(server),
    indent: blockIndent(text, server.directive.block!.map((d) => d.start)),
    fileText: text,
    extraProbes: aliasTraversalProbes(server, appRoot),
    dropInDir,
  };
}

/**
 * Works out the drop-in's ACME settings. Our location is left out when the server already has a prefix
 * location for the same URI, because nginx rejects duplicate locations. The root of an existing acme
 * location is reused, so a webroot authenticator keeps writing where nginx reads.
 */
export function acmeSettings(server: NginxServer, dropInDir: string): Pick<DropInSpec, 'acme' | 'acmeRoot'> {
  // Our own drop-in's locations do not count, or a second run would plan a different drop-in.
  // NOTE: /etc/letsencrypt/renewal/*.conf is not read, so a webroot that only certbot names is not reused.
  const locations = allLocations(server.locations).filter((location) => dirname(location.directive.file) !== dropInDir);
  const duplicate = locations.some(
    (l) => (l.modifier === '' || l.modifier === '^~') && (l.pattern === '/.well-known/acme-challenge/' || l.pattern === '/.well-known/acme-challenge'),
  );
  if (duplicate) return { acme: false, acmeRoot: null };
  const existing = locations.find((l) => (l.regex ? l.regex.test(ACME_TEST_URI) : false) && l.directives.some((d) => d.name === 'root'));
  const root = existing?.directives.find((d) => d.name === 'root')?.args[0] ?? null;
  return { acme: true, acmeRoot: root && !root.includes('$') ? root : null };
}

/**
 * Offset in the server's file where our include takes effect: before the first regex location (or an
 * include that brings one) at server level, else before the closing brace of the server block.
 */
export function insertionOffset(server: NginxServer): number {
  for (const directive of server.directive.block!) {
    if (directive.name === 'location' && isRegexLocation(directive)) return directive.start;
    if (directive.name === 'include' && includesRegexLocation(directive)) return directive.start;
  }
  return server.directive.blockEnd!.offset;
}

function isRegexLocation(directive: NginxDirective): boolean {
  const first = directive.args[0] ?? '';
  return first === '~' || first === '~*' || (first.startsWith('~') && first.length > 1);
}

function includesRegexLocation(directive: NginxDirective): boolean {
  return (directive.included ?? []).some((part) =>
    part.directives.some((d) => (d.name === 'location' && isRegexLocation(d)) || (d.name === 'include' && includesRegexLocation(d))),
  );
}

/** Indentation of the first of these offsets that starts its own line; four spaces otherwise. */
export function blockIndent(text: string, offsets: number[]): string {
  for (const offset of offsets) {
    const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
    const prefix = text.slice(lineStart, offset);
    if (/^[ \t]*$/.test(prefix)) return prefix;
  }
  return '    ';
}

/** Offset just after the `;` that ends the directive starting at `start`. */
function directiveEnd(text: string, start: number): number {
  const semicolon = text.indexOf(';', start);
  return semicolon === -1 ? start : semicolon + 1;
}

/** Debian's and the nginx.org package's default sites; edited only on request. */
export function isNginxDistroDefault(file: string): boolean {
  const real = realpathOrSelf(file);
  return [file, real].some((path) => /\/sites-(available|enabled)\/default$/.test(path) || /\/conf\.d\/default\.conf$/.test(path) || /\/nginx\.conf$/.test(path));
}

/** Directories whose `*.conf` files nginx loads inside http, where a new site can go. */
function siteDirectories(config: NginxConfig): string[] {
  const dirs: string[] = [];
  const visit = (list: NginxDirective[], inHttp: boolean): void => {
    for (const directive of list) {
      if (directive.name === 'http' && directive.block) visit(directive.block, true);
      else if (directive.name === 'include' && inHttp) {
        const pattern = directive.args[0]!.startsWith('/') ? directive.args[0]! : join(config.confDir, directive.args[0]!);
        const match = /^(.*)\/\*(\.conf)?$/.exec(pattern);
        if (match) dirs.push(match[1]!);
      } else if (directive.name === 'include' && directive.included) {
        for (const part of directive.included) visit(part.directives, inHttp);
      }
    }
  };
  visit(config.directives, false);
  return dirs;
}
