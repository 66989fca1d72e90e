// `cachet-harden render nginx|apache`: prints a complete site for this install (root at public/, front
// controller, PHP-FPM with a file check, the deny rules inline). Reads only; writes nothing.

import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { CliOptions, Io } from '../cli-options.js';
import { createContext } from '../context.js';
import { detectInstall } from '../install/detect.js';
import { inspectApache } from '../web/apache.js';
import { inspectNginx } from '../web/nginx.js';
import { apacheFpmHandler, findFpmListen, nginxFastcgiPass } from '../web/php-fpm.js';
import { renderApacheSite, renderNginxSite } from '../web/render.js';

/** Used when APP_URL names no host; the operator replaces it. */
const PLACEHOLDER_HOST = 'status.example.com';
/** Debian's default FPM socket name (php-fpm package), used when no pool file names one. */
const FALLBACK_FPM_LISTEN = '/run/php/php-fpm.sock';

export async function runRender(server: 'nginx' | 'apache', options: CliOptions, io: Io): Promise<number> {
  const install = await detectInstall(options);
  const ctx = createContext(install, options);

  let serverName = PLACEHOLDER_HOST;
  let port = 80;
  const appUrl = install.env?.get('APP_URL');
  if (appUrl) {
    try {
      const url = new URL(appUrl);
      if (url.hostname && url.hostname !== 'localhost') serverName = url.hostname;
      if (url.port) port = Number(url.port);
    } catch {
      // An invalid APP_URL is the app step's finding; the placeholder stays.
    }
  }
  const fpmListen = findFpmListen(ctx.options.fpmPoolDirs) ?? FALLBACK_FPM_LISTEN;
  const publicDir = join(install.realRoot, 'public');
  const deny = { acme: true, acmeRoot: null, denyPatterns: [], denyDirectories: [] };

  let text: string;
  if (server === 'nginx') {
    const inspection = await inspectNginx(ctx, install);
    const params = inspection ? join(inspection.configDir, 'fastcgi_params') : '/etc/nginx/fastcgi_params';
    text = await renderNginxSite({
      listen: String(port),
      serverName,
      publicDir,
      fastcgiPass: nginxFastcgiPass(fpmListen),
      fastcgiParams: existsSync(params) ? params : '/etc/nginx/fastcgi_params',
      deny,
    });
  } else {
    const inspection = await inspectApache(ctx, install);
    const modules = inspection?.modules ?? null;
    const hasModPhp = modules !== null && [...modules].some((module) => /^php\d*_module$/.test(module));
    text = await renderApacheSite({
      address: `*:${port}`,
      serverName,
      publicDir,
      fpmHandler: hasModPhp ? null : apacheFpmHandler(fpmListen),
      hasAlias: modules?.has('alias_module') ?? true,
      deny,
    });
  }
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return 0;
}
