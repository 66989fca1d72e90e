import { describe, expect, it } from 'vitest';

import { renderApacheSite, renderDropIn, renderNginxSite } from '../../../src/web/render.js';
import { parseApacheText } from '../../../src/web/apache-parse.js';
import { parseNginxText } from '../../../src/web/nginx-parse.js';
import { MANAGED_MARKER, type DropInSpec } from '../../../src/web/site.js';

const ancestorSpec: DropInSpec = {
  acme: true,
  acmeRoot: '/var/www/letsencrypt',
  denyPatterns: ['^/Cachet(?:/|$)'],
  denyDirectories: ['/srv/www/public_html/Cachet'],
};

describe('render', () => {
  it('nginx drop-in parses and carries the marker', async () => {
    const text = await renderDropIn('nginx', ancestorSpec);
    expect(text).toContain(MANAGED_MARKER);
    const directives = parseNginxText(text, 'drop-in');
    const patterns = directives.filter((d) => d.name === 'location').map((d) => d.args.join(' '));
    expect(patterns).toEqual([
      '^~ /.well-known/acme-challenge/',
      '~ /\\.(?!well-known/)',
      '~ (?:~|\\.(?:bak|swp|save|orig|old|backup))$',
      '~ ^/Cachet(?:/|$)',
    ]);
    expect(text).toContain('root /var/www/letsencrypt;');
  });

  it('nginx drop-in without acme omits the location', async () => {
    const text = await renderDropIn('nginx', { acme: false, acmeRoot: null, denyPatterns: [], denyDirectories: [] });
    expect(text).not.toContain('acme-challenge');
    expect(text).toContain('location ~ /\\.(?!well-known/)');
  });

  it('apache drop-in parses with redirects and sections', async () => {
    const text = await renderDropIn('apache', ancestorSpec, { hasAlias: true });
    const nodes = parseApacheText(text, 'drop-in');
    const redirects = nodes.filter((n) => n.name === 'RedirectMatch').map((n) => n.args);
    expect(redirects).toEqual([
      ['404', '/\\.(?!well-known/)'],
      ['404', '(?:~|\\.(?:bak|swp|save|orig|old|backup))$'],
      ['404', '^/Cachet(?:/|$)'],
    ]);
    expect(nodes.map((n) => n.name)).toContain('DirectoryMatch');
    expect(nodes.find((n) => n.name === 'Directory')?.args).toEqual(['/srv/www/public_html/Cachet']);
  });

  it('apache drop-in without mod_alias uses access control only', async () => {
    const text = await renderDropIn('apache', ancestorSpec, { hasAlias: false });
    expect(text).not.toContain('RedirectMatch');
    expect(text).toContain('<DirectoryMatch');
  });

  it('nginx site has root public and a php file check', async () => {
    const text = await renderNginxSite({
      listen: '80',
      serverName: 'status.example.com',
      publicDir: '/var/www/cachet/public',
      fastcgiPass: 'unix:/run/php/php8.2-fpm.sock',
      fastcgiParams: '/etc/nginx/fastcgi_params',
      deny: { acme: true, acmeRoot: null, denyPatterns: [], denyDirectories: [] },
    });
    const [server] = parseNginxText(text, 'site');
    expect(server!.name).toBe('server');
    const names = server!.block!.map((d) => `${d.name} ${d.args.join(' ')}`);
    expect(names).toContain('root /var/www/cachet/public');
    expect(names).toContain('autoindex off');
    const php = server!.block!.find((d) => d.name === 'location' && d.args[1] === '\\.php$');
    expect(php!.block!.find((d) => d.name === 'try_files')!.args).toEqual(['$fastcgi_script_name', '=404']);
  });

  it('apache vhost has document root public and no listing', async () => {
    const text = await renderApacheSite({
      address: '*:80',
      serverName: 'status.example.com',
      publicDir: '/var/www/cachet/public',
      fpmHandler: 'proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost',
      hasAlias: true,
      deny: { acme: true, acmeRoot: null, denyPatterns: [], denyDirectories: [] },
    });
    const [vhost] = parseApacheText(text, 'site');
    expect(vhost!.name).toBe('VirtualHost');
    expect(vhost!.children!.find((n) => n.name === 'DocumentRoot')!.args).toEqual(['/var/www/cachet/public']);
    const directory = vhost!.children!.find((n) => n.name === 'Directory')!;
    expect(directory.children!.find((n) => n.name === 'Options')!.args).toContain('-Indexes');
    expect(text).toContain('<If "-f %{REQUEST_FILENAME}">');
  });
});
