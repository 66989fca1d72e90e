// Renders the drop-ins and complete sites from templates/ with handlebars. handlebars is imported on
// first use: by plan and render, and by inspect only for a site that already includes a managed drop-in.

import { readFile } from 'node:fs/promises';

import type { DropInSpec, WebServerKind } from './site.js';
import { MANAGED_MARKER } from './site.js';

const TEMPLATE_DIR = new URL('../../templates/', import.meta.url);

export const HEADER = `Generated and ${MANAGED_MARKER}. Changes here are replaced on the next run; edit with cachet-harden.`;

export interface NginxSiteParams {
  listen: string;
  serverName: string;
  publicDir: string;
  fastcgiPass: string;
  fastcgiParams: string;
  deny: DropInSpec;
}

export interface ApacheSiteParams {
  address: string;
  serverName: string;
  publicDir: string;
  /** SetHandler target for PHP-FPM, e.g. `proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost`; null with mod_php. */
  fpmHandler: string | null;
  hasAlias: boolean;
  deny: DropInSpec;
}

type Template = (context: object) => string;

let compiled: Promise<Record<string, Template>> | null = null;

async function templates(): Promise<Record<string, Template>> {
  compiled ??= (async () => {
    const { default: Handlebars } = await import('handlebars');
    const hbs = Handlebars.create();
    const read = (name: string): Promise<string> => readFile(new URL(name, TEMPLATE_DIR), 'utf8');
    const [nginxDeny, apacheDeny, nginxSite, apacheVhost] = await Promise.all([
      read('nginx-deny.conf.hbs'),
      read('apache-deny.conf.hbs'),
      read('nginx-site.conf.hbs'),
      read('apache-vhost.conf.hbs'),
    ]);
    // Config text is not HTML: no escaping, and a missing value is an error rather than an empty string.
    const options = { noEscape: true, strict: true };
    hbs.registerPartial('nginxDeny', nginxDeny);
    hbs.registerPartial('apacheDeny', apacheDeny);
    return {
      nginxDeny: hbs.compile(nginxDeny, options),
      apacheDeny: hbs.compile(apacheDeny, options),
      nginxSite: hbs.compile(nginxSite, options),
      apacheVhost: hbs.compile(apacheVhost, options),
    };
  })();
  return compiled;
}

/** Renders the drop-in that a server block or virtual host includes. */
export async function renderDropIn(server: WebServerKind, spec: DropInSpec, options: { hasAlias?: boolean } = {}): Promise<string> {
  const all = await templates();
  if (server === 'nginx') return all.nginxDeny!({ header: HEADER, ...spec });
  return all.apacheDeny!({ header: HEADER, hasAlias: options.hasAlias ?? true, ...spec });
}

export async function renderNginxSite(params: NginxSiteParams): Promise<string> {
  const all = await templates();
  return all.nginxSite!({ header: HEADER, ...params, ...params.deny });
}

export async function renderApacheSite(params: ApacheSiteParams): Promise<string> {
  const all = await templates();
  return all.apacheVhost!({ header: HEADER, ...params, ...params.deny });
}
