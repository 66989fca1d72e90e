// The PHP version that serves Cachet, for the MySQL 8 authentication-plugin rule. PHP-FPM may run a
// different version than `php` on the PATH, so the FPM binaries decide when there are any.

import { readdir } from 'node:fs/promises';

/** PHP_VERSION_ID (e.g. 70200) of the oldest installed php-fpmX.Y in /usr/sbin, or null when none. */
export async function readFpmPhpVersionId(sbin = '/usr/sbin'): Promise<number | null> {
  const names = await readdir(sbin).catch(() => [] as string[]);
  const ids = names
    .map((name) => /^php-fpm(\d+)\.(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]) * 10000 + Number(match[2]) * 100);
  return ids.length === 0 ? null : Math.min(...ids);
}
