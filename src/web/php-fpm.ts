// Finds where PHP-FPM listens, for the fastcgi_pass / SetHandler of a new site: the `listen` of the
// first pool in Debian's (/etc/php/*/fpm/pool.d) or RHEL's (/etc/php-fpm.d) pool directories.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { expandGlob } from './glob.js';

export const DEFAULT_POOL_PATTERNS = ['/etc/php/*/fpm/pool.d/*.conf', '/etc/php-fpm.d/*.conf'];

/** Returns the `listen` value of the first pool found (socket path or host:port), or null. */
export function findFpmListen(extraPoolDirs: string[] | null): string | null {
  const patterns = [...(extraPoolDirs ?? []).map((dir) => join(dir, '*.conf')), ...DEFAULT_POOL_PATTERNS];
  for (const pattern of patterns) {
    for (const file of expandGlob(pattern)) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      const match = /^\s*listen\s*=\s*(\S+)\s*$/m.exec(text);
      if (match) return match[1]!;
    }
  }
  return null;
}

/** nginx `fastcgi_pass` target for an FPM listen value. */
export function nginxFastcgiPass(listen: string): string {
  if (listen.startsWith('/')) return `unix:${listen}`;
  if (/^\d+$/.test(listen)) return `127.0.0.1:${listen}`;
  return listen;
}

/** Apache `SetHandler` target (mod_proxy_fcgi) for an FPM listen value. */
export function apacheFpmHandler(listen: string): string {
  if (listen.startsWith('/')) return `proxy:unix:${listen}|fcgi://localhost`;
  if (/^\d+$/.test(listen)) return `proxy:fcgi://127.0.0.1:${listen}`;
  return `proxy:fcgi://${listen}`;
}
