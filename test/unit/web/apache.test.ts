import { describe, expect, it } from 'vitest';

import { moduleName, parseVhostListing } from '../../../src/web/apache-config.js';
import { parseApacheText, splitArgs } from '../../../src/web/apache-parse.js';

describe('apache parser', () => {
  it('reads sections, continuations and quoted arguments', () => {
    const text = '<VirtualHost *:80>\n  ServerName a.example\n  RedirectMatch 404 "/\\.(?!well-known/)"\n  BrowserMatch "MSIE" \\\n    nokeepalive\n</VirtualHost>\n';
    const [vhost] = parseApacheText(text, 'v.conf');
    expect(vhost!.name).toBe('VirtualHost');
    expect(vhost!.args).toEqual(['*:80']);
    expect(vhost!.children!.map((node) => node.name)).toEqual(['ServerName', 'RedirectMatch', 'BrowserMatch']);
    expect(vhost!.children![1]!.args).toEqual(['404', '/\\.(?!well-known/)']);
    expect(vhost!.children![2]!.args).toEqual(['MSIE', 'nokeepalive']);
    expect(vhost!.end).toEqual({ line: 6, offset: text.indexOf('</VirtualHost>') });
  });

  it('rejects a closing tag for another section', () => {
    expect(() => parseApacheText('<Directory />\n</Files>\n', 'x.conf')).toThrow(/x\.conf:2/);
  });

  it('splits single and double quotes', () => {
    expect(splitArgs(`SetEnv DB_PASSWORD 'a b' "c \\" d"`)).toEqual(['SetEnv', 'DB_PASSWORD', 'a b', 'c " d']);
  });

  it('maps module file names to module names', () => {
    expect(moduleName('mod_rewrite.c')).toBe('rewrite_module');
    expect(moduleName('rewrite_module')).toBe('rewrite_module');
  });

  it('reads default vhosts from -S output', () => {
    const listing = parseVhostListing(
      [
        'VirtualHost configuration:',
        '*:80                   is a NameVirtualHost',
        '         default server www.example.com (/etc/apache2/sites-enabled/000-default.conf:1)',
        '         port 80 namevhost www.example.com (/etc/apache2/sites-enabled/000-default.conf:1)',
        '         port 80 namevhost cachet.example.test (/etc/apache2/sites-enabled/cachet.conf:1)',
        '*:8080                 status.example.com (/etc/apache2/sites-enabled/status.conf:3)',
      ].join('\n'),
    );
    expect(listing).toEqual([
      { file: '/etc/apache2/sites-enabled/000-default.conf', line: 1, isDefault: true },
      { file: '/etc/apache2/sites-enabled/cachet.conf', line: 1, isDefault: false },
      { file: '/etc/apache2/sites-enabled/status.conf', line: 3, isDefault: true },
    ]);
  });
});
