// The user PHP runs as: the PHP-FPM pool's `user`, nginx's `user`, Apache's APACHE_RUN_USER, or the
// first of www-data, nginx, apache that exists.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { WebUser } from '../types.js';
import { findGroup, findUser, groupName } from '../util/users.js';

export interface WebUserSources {
  fpmPoolDirs: string[] | null;
  nginxConf: string | null;
  apacheConf: string | null;
}

const FALLBACK_USERS = ['www-data', 'nginx', 'apache'];

export function detectWebUser(sources: WebUserSources): WebUser {
  for (const dir of poolDirs(sources.fpmPoolDirs)) {
    const found = readFpmPools(dir);
    if (found) return complete(found.user, found.group, found.source);
  }

  const nginxConf = sources.nginxConf ?? '/etc/nginx/nginx.conf';
  const nginxUser = matchFirst(nginxConf, /^\s*user\s+([^\s;]+)(?:\s+([^\s;]+))?\s*;/m);
  if (nginxUser) return complete(nginxUser[1]!, nginxUser[2] ?? null, nginxConf);

  const envvars = sources.apacheConf ? join(dirname(sources.apacheConf), 'envvars') : '/etc/apache2/envvars';
  const apacheUser = matchFirst(envvars, /^\s*export\s+APACHE_RUN_USER=["']?([^"'\s]+)/m);
  if (apacheUser) {
    const apacheGroup = matchFirst(envvars, /^\s*export\s+APACHE_RUN_GROUP=["']?([^"'\s]+)/m);
    return complete(apacheUser[1]!, apacheGroup?.[1] ?? null, envvars);
  }

  const fallback = FALLBACK_USERS.find((name) => findUser(name) !== null) ?? 'www-data';
  return complete(fallback, null, 'fallback (no PHP-FPM pool, nginx user or Apache envvars found)');
}

function poolDirs(extra: string[] | null): string[] {
  const dirs = [...(extra ?? [])];
  // Debian: /etc/php/<version>/fpm/pool.d; RHEL: /etc/php-fpm.d.
  try {
    for (const version of readdirSync('/etc/php').sort().reverse()) dirs.push(join('/etc/php', version, 'fpm', 'pool.d'));
  } catch {
    // No Debian PHP layout.
  }
  dirs.push('/etc/php-fpm.d');
  return dirs.filter((dir) => existsSync(dir));
}

function readFpmPools(dir: string): { user: string; group: string | null; source: string } | null {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.conf')).sort();
  } catch {
    return null;
  }
  for (const name of names) {
    const path = join(dir, name);
    const user = matchFirst(path, /^\s*user\s*=\s*([^\s;]+)/m);
    if (!user) continue;
    const group = matchFirst(path, /^\s*group\s*=\s*([^\s;]+)/m);
    return { user: user[1]!, group: group?.[1] ?? null, source: path };
  }
  return null;
}

function complete(user: string, group: string | null, source: string): WebUser {
  const account = findUser(user);
  const groupNameOrPrimary = group ?? (account ? groupName(account.gid) : user);
  return {
    user,
    group: groupNameOrPrimary,
    uid: account?.uid ?? null,
    gid: findGroup(groupNameOrPrimary) ?? account?.gid ?? null,
    source,
  };
}

function matchFirst(path: string, pattern: RegExp): RegExpExecArray | null {
  try {
    return pattern.exec(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}
