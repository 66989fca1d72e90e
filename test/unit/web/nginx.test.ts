import { describe, expect, it } from 'vitest';

import { NginxParseError, parseNginxText } from '../../../src/web/nginx-parse.js';
import { findLocation, readNginxServers, resolveNginxRequest } from '../../../src/web/nginx-site.js';
import { includeEdit } from '../../../src/web/plan.js';

function server(body: string) {
  const text = `http {\nserver {\n${body}\n}\n}\n`;
  return readNginxServers(parseNginxText(text, 'site.conf'), '/usr/share/nginx')[0]!;
}

describe('nginx parser', () => {
  it('keeps lines, offsets and quoted arguments', () => {
    const text = 'server {\n    listen 80;\n    location ~ "^/a b{2}$" { return 404; }\n    add_header X-A \'v;1\';\n}\n';
    const [block] = parseNginxText(text, 'f.conf');
    expect(block!.line).toBe(1);
    const location = block!.block![1]!;
    expect(location.args).toEqual(['~', '^/a b{2}$']);
    expect(location.line).toBe(3);
    expect(text.slice(location.start, location.start + 8)).toBe('location');
    expect(block!.block![2]!.args).toEqual(['X-A', 'v;1']);
    expect(block!.blockEnd).toEqual({ line: 5, offset: text.lastIndexOf('}') });
  });

  it('keeps ${var} inside a word and skips comments', () => {
    const [directive] = parseNginxText('set $x "${host}a"; # comment { not a block\n', 'f');
    expect(directive!.args).toEqual(['$x', '${host}a']);
  });

  it('names file and line of an unclosed block', () => {
    expect(() => parseNginxText('http {\n  server {\n', 'broken.conf')).toThrow(NginxParseError);
    expect(() => parseNginxText('http {\n  server {\n', 'broken.conf')).toThrow(/broken\.conf:2/);
  });
});

describe('nginx location selection', () => {
  const site = server(`
    root /srv/app/public;
    location / { try_files $uri /index.php; }
    location ^~ /static/ { alias /srv/static/; }
    location ~* .(js|css)$ { expires 1d; }
    location ~ /\\. { deny all; }
    location = /health { return 200; }
    location /api/ { location ~ \\.json$ { return 403; } }
  `);

  it('prefers exact, then ^~, then the first regex', () => {
    expect(findLocation(site.locations, '/health')!.modifier).toBe('=');
    expect(findLocation(site.locations, '/static/.env')!.pattern).toBe('/static/');
    expect(findLocation(site.locations, '/.git/x.css')!.pattern).toBe('.(js|css)$');
    expect(findLocation(site.locations, '/.env')!.pattern).toBe('/\\.');
    expect(findLocation(site.locations, '/index.html')!.pattern).toBe('/');
  });

  it('checks nested regexes of the longest prefix first', () => {
    expect(findLocation(site.locations, '/api/x.json')!.pattern).toBe('\\.json$');
  });

  it('resolves denial, alias files and static files', () => {
    expect(resolveNginxRequest(site, '/.env').kind).toBe('denied');
    expect(resolveNginxRequest(site, '/.git/x.css')).toMatchObject({ kind: 'static', file: '/srv/app/public/.git/x.css' });
    expect(resolveNginxRequest(site, '/static/a/.env')).toMatchObject({ kind: 'static', file: '/srv/static/a/.env' });
    expect(resolveNginxRequest(site, '/api/x.json').kind).toBe('denied');
  });

  it('reads listen, server_name and default_server', () => {
    const parsed = server('listen [::]:8443 ssl default_server; listen 127.0.0.1:8080; server_name a.example _;');
    expect(parsed.listens).toEqual([
      { address: '[::]', port: 8443, ssl: true, isDefault: true },
      { address: '127.0.0.1', port: 8080, ssl: false, isDefault: false },
    ]);
    expect(parsed.names).toEqual(['a.example']);
    expect(parsed.root).toBe('/usr/share/nginx/html');
  });
});

describe('include placement', () => {
  it('adds a line of its own before an indented line', () => {
    const text = 'server {\n    location ~ x { }\n}\n';
    const edit = includeEdit(text, text.indexOf('location'), '    ', 'include /d.conf;');
    expect(text.slice(0, edit.start) + edit.text + text.slice(edit.end)).toBe('server {\n    include /d.conf;\n    location ~ x { }\n}\n');
  });

  it('inserts inline in a one-line block', () => {
    const text = 'server { listen 80; }\n';
    const edit = includeEdit(text, text.indexOf('}'), '    ', 'include /d.conf;');
    expect(text.slice(0, edit.start) + edit.text + text.slice(edit.end)).toBe('server { listen 80; include /d.conf; }\n');
  });
});
