// nginx server blocks as this step needs them: names, listens, root, locations in order, and which
// location handles a given URI (nginx 1.22 ngx_http_core_find_location: exact match, then the longest
// prefix, then that prefix's nested regexes, then the regexes of its level in order unless the prefix is `^~`).

import { join, resolve } from 'node:path';

import { flattenIncludes, type NginxDirective } from './nginx-parse.js';
import type { Listen } from './site.js';

export type LocationModifier = '' | '=' | '~' | '~*' | '^~' | '@';

export interface NginxLocation {
  modifier: LocationModifier;
  pattern: string;
  /** Compiled pattern for `~` and `~*`; null when it is not a regex or JavaScript cannot compile it. */
  regex: RegExp | null;
  directive: NginxDirective;
  /** The location's own directives with includes flattened, nested locations excluded. */
  directives: NginxDirective[];
  children: NginxLocation[];
  parent: NginxLocation | null;
}

export interface NginxServer {
  directive: NginxDirective;
  names: string[];
  listens: Listen[];
  /** Effective root (absolute), following nginx's inheritance from http and the default `html`. */
  root: string;
  rootDirective: NginxDirective | null;
  /** Server-level directives with includes flattened, locations excluded. */
  directives: NginxDirective[];
  locations: NginxLocation[];
  /** Directives of the enclosing http block, for inherited settings. */
  httpDirectives: NginxDirective[];
}

export type NginxOutcomeKind = 'denied' | 'redirect' | 'passed' | 'static';

export interface NginxOutcome {
  kind: NginxOutcomeKind;
  location: NginxLocation | null;
  /** File the URI maps to for a static response; null when the mapping is not known (regex alias). */
  file: string | null;
  detail: string;
}

/** Lists the server blocks of every http block, in configuration order. */
export function readNginxServers(top: NginxDirective[], prefix: string): NginxServer[] {
  const servers: NginxServer[] = [];
  for (const http of flattenIncludes(top).filter((d) => d.name === 'http' && d.block)) {
    const httpDirectives = flattenIncludes(http.block!);
    for (const server of httpDirectives.filter((d) => d.name === 'server' && d.block)) {
      servers.push(buildServer(server, httpDirectives, prefix));
    }
  }
  return servers;
}

function buildServer(server: NginxDirective, httpDirectives: NginxDirective[], prefix: string): NginxServer {
  const all = flattenIncludes(server.block!);
  const directives = all.filter((d) => d.name !== 'location');
  const rootDirective = lastNamed(directives, 'root') ?? lastNamed(httpDirectives, 'root') ?? null;
  const root = resolve(prefix, rootDirective?.args[0] ?? 'html');
  const names = directives.filter((d) => d.name === 'server_name').flatMap((d) => d.args).filter((name) => name !== '' && name !== '_');
  const listenDirectives = directives.filter((d) => d.name === 'listen');
  const listens = listenDirectives.length > 0 ? listenDirectives.flatMap(parseListen) : [{ address: '*', port: 80, ssl: false, isDefault: false }];
  const locations = buildLocations(all, null);
  return { directive: server, names, listens, root, rootDirective, directives, locations, httpDirectives };
}

function buildLocations(list: NginxDirective[], parent: NginxLocation | null): NginxLocation[] {
  const out: NginxLocation[] = [];
  for (const directive of list) {
    if (directive.name !== 'location' || !directive.block) continue;
    const { modifier, pattern } = splitLocationArgs(directive.args);
    const flat = flattenIncludes(directive.block);
    const location: NginxLocation = {
      modifier,
      pattern,
      regex: modifier === '~' || modifier === '~*' ? compilePcre(pattern, modifier === '~*') : null,
      directive,
      directives: flat.filter((d) => d.name !== 'location'),
      children: [],
      parent,
    };
    location.children = buildLocations(flat, location);
    out.push(location);
  }
  return out;
}

export function splitLocationArgs(args: string[]): { modifier: LocationModifier; pattern: string } {
  if (args.length >= 2 && ['=', '~', '~*', '^~'].includes(args[0]!)) return { modifier: args[0] as LocationModifier, pattern: args[1]! };
  const first = args[0] ?? '';
  if (first.startsWith('@')) return { modifier: '@', pattern: first };
  // nginx also accepts the modifier glued to the pattern: `location =/x`, `location ~*\.php$`.
  for (const modifier of ['~*', '^~', '=', '~'] as const) {
    if (first.startsWith(modifier) && first.length > modifier.length) return { modifier, pattern: first.slice(modifier.length) };
  }
  return { modifier: '', pattern: first };
}

/** Compiles a PCRE pattern as nginx uses it; returns null for syntax JavaScript lacks. */
export function compilePcre(pattern: string, caseless: boolean): RegExp | null {
  let source = pattern.replace(/\(\?P</g, '(?<');
  let flags = caseless ? 'i' : '';
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    flags = 'i';
  }
  try {
    return new RegExp(source, flags);
  } catch {
    return null;
  }
}

export function parseListen(directive: NginxDirective): Listen[] {
  const [target, ...flags] = directive.args;
  if (!target || target.startsWith('unix:')) return [];
  let address = '*';
  let port = 80;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(target);
  if (bracket) {
    address = `[${bracket[1]}]`;
    if (bracket[2]) port = Number(bracket[2]);
  } else if (/^\d+$/.test(target)) port = Number(target);
  else {
    const colon = target.lastIndexOf(':');
    if (colon === -1) address = target;
    else {
      address = target.slice(0, colon);
      port = Number(target.slice(colon + 1));
    }
  }
  return [
    {
      address,
      port,
      ssl: flags.includes('ssl') || flags.includes('quic'),
      // `default` is the pre-0.8.21 spelling that nginx 1.22 still accepts.
      isDefault: flags.includes('default_server') || flags.includes('default'),
    },
  ];
}

/** Finds the location nginx picks for a URI (null when no location matches). */
export function findLocation(locations: NginxLocation[], uri: string): NginxLocation | null {
  const exact = locations.find((location) => location.modifier === '=' && location.pattern === uri);
  if (exact) return exact;

  let prefix: NginxLocation | null = null;
  for (const location of locations) {
    if (location.modifier !== '' && location.modifier !== '^~') continue;
    if (uri.startsWith(location.pattern) && (!prefix || location.pattern.length > prefix.pattern.length)) prefix = location;
  }

  if (prefix && prefix.children.length > 0) {
    const nested = findLocation(prefix.children, uri);
    if (nested && (nested.modifier === '~' || nested.modifier === '~*' || nested.modifier === '=' || nested.modifier === '^~')) return nested;
    if (nested) prefix = nested;
  }
  if (prefix?.modifier === '^~') return prefix;

  for (const location of locations) {
    if (location.regex && location.regex.test(uri)) {
      if (location.children.length > 0) return findLocation(location.children, uri) ?? location;
      return location;
    }
  }
  return prefix;
}

/** Works out how the server handles a URI: denied, redirected, passed to a backend, or a static file. */
export function resolveNginxRequest(server: NginxServer, uri: string): NginxOutcome {
  const serverReturn = lastNamed(server.directives, 'return');
  if (serverReturn) return outcomeOfReturn(serverReturn, null);

  const location = findLocation(server.locations, uri);
  const chain: NginxDirective[][] = [];
  for (let current = location; current; current = current.parent) chain.push(current.directives);
  chain.push(server.directives, server.httpDirectives);

  if (location) {
    const own = location.directives;
    const returned = lastNamed(own, 'return');
    if (returned) return outcomeOfReturn(returned, location);
    if (own.some((d) => d.name === 'internal')) return { kind: 'denied', location, file: null, detail: 'internal location' };
  }
  const access = chain.find((level) => level.some((d) => d.name === 'allow' || d.name === 'deny'));
  if (access) {
    const first = access.find((d) => d.name === 'allow' || d.name === 'deny')!;
    if (first.name === 'deny' || !access.some((d) => d.name === 'allow' && d.args[0] === 'all')) {
      return { kind: 'denied', location, file: null, detail: `${first.name} ${first.args.join(' ')}` };
    }
  }
  if (location) {
    const own = location.directives;
    const backend = own.find((d) => /^(fastcgi|proxy|uwsgi|scgi|grpc)_pass$/.test(d.name));
    if (backend) return { kind: 'passed', location, file: null, detail: `${backend.name} ${backend.args.join(' ')}` };
    const tryFiles = lastNamed(own, 'try_files');
    if (tryFiles && !tryFiles.args.slice(0, -1).some((arg) => arg.includes('$uri'))) {
      return { kind: 'passed', location, file: null, detail: `try_files ${tryFiles.args.join(' ')}` };
    }
  }
  return { kind: 'static', location, file: staticFile(server, location, chain, uri), detail: 'static file' };
}

function outcomeOfReturn(directive: NginxDirective, location: NginxLocation | null): NginxOutcome {
  const code = Number(directive.args[0]);
  const detail = `return ${directive.args.join(' ')}`;
  if (Number.isInteger(code) && code >= 400) return { kind: 'denied', location, file: null, detail };
  if (Number.isInteger(code) && code >= 300 && code < 400) return { kind: 'redirect', location, file: null, detail };
  if (!Number.isInteger(code)) return { kind: 'redirect', location, file: null, detail };
  return { kind: 'passed', location, file: null, detail };
}

function staticFile(server: NginxServer, location: NginxLocation | null, chain: NginxDirective[][], uri: string): string | null {
  for (const [index, level] of chain.entries()) {
    const alias = index < chain.length - 2 ? lastNamed(level, 'alias') : undefined;
    if (alias) {
      let owner: NginxLocation | null = location;
      for (let i = 0; i < index && owner; i++) owner = owner.parent;
      if (!owner || owner.regex || alias.args[0]!.includes('$')) return null;
      return alias.args[0]! + uri.slice(owner.pattern.length);
    }
    const root = lastNamed(level, 'root');
    if (root) {
      if (root.args[0]!.includes('$')) return null;
      return join(index >= chain.length - 2 ? server.root : resolve(server.root, root.args[0]!), uri);
    }
  }
  return join(server.root, uri);
}

export function lastNamed(list: NginxDirective[], name: string): NginxDirective | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.name === name) return list[i];
  return undefined;
}

/** Lists every location of a server, nested ones included, in configuration order. */
export function allLocations(locations: NginxLocation[]): NginxLocation[] {
  return locations.flatMap((location) => [location, ...allLocations(location.children)]);
}
