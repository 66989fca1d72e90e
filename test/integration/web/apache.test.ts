// Apache httpd 2.4: an app checked out under another vhost's DocumentRoot (cachethq/cachet#2057), a vhost
// that ignores public/.htaccess and lacks mod_rewrite (cachethq/cachet#2925, #767), and 2.2 access syntax
// with directory listing (ddes/ansible-cachethq's cachethq.conf).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildCachetTree } from '../../../src/demo/tree.js';
import { createApache, type ApacheInstance } from '../../helpers/apache.js';
import { makeCachetTree, type CachetTree } from '../../helpers/cachet-tree.js';
import { startPhpFpm, type PhpFpmInstance } from '../../helpers/php-fpm.js';
import { freePort } from '../../helpers/ports.js';
import { applyPlan, finding, get, ids, inspectAndPlan, webContext, type WebRun } from './support.js';

let fpm: PhpFpmInstance;

beforeAll(async () => {
  fpm = await startPhpFpm();
});

afterAll(async () => {
  await fpm?.stop();
});

describe('apache with the app under another vhost root', () => {
  let apache: ApacheInstance;
  let run: WebRun;
  let port: number;
  let docroot: string;
  let appRoot: string;
  let wwwFile: string;

  beforeAll(async () => {
    port = await freePort();
    apache = createApache({ ports: [port], modules: ['alias', 'rewrite', 'proxy', 'proxy_fcgi'] });
    docroot = join(apache.dir, 'public_html');
    appRoot = join(docroot, 'Cachet');
    mkdirSync(docroot);
    writeFileSync(join(docroot, 'index.html'), '<h1>www</h1>\n');
    buildCachetTree(appRoot, {
      line: '2.x',
      mistakes: true,
      configCache: true,
      files: {
        '.git/config': '[core]\n\tbare = false\n',
        // Laravel's public/.htaccess: only requests for missing files go to the front controller.
        'public/.htaccess':
          '<IfModule mod_rewrite.c>\n    RewriteEngine On\n    RewriteCond %{REQUEST_FILENAME} !-d\n    RewriteCond %{REQUEST_FILENAME} !-f\n    RewriteRule ^ index.php [L]\n</IfModule>\n',
      },
    });
    const php = `<FilesMatch "\\.php$">\n        SetHandler "proxy:unix:${fpm.socket}|fcgi://localhost"\n    </FilesMatch>`;
    wwwFile = apache.writeSite(
      'www.conf',
      `<VirtualHost 127.0.0.1:${port}>
    ServerName www.example.com
    DocumentRoot ${docroot}
    ${php}
</VirtualHost>
`,
    );
    apache.writeSite(
      'zz-cachet.conf',
      `<VirtualHost 127.0.0.1:${port}>
    ServerName cachet.example.test
    DocumentRoot ${appRoot}/public
    <Directory ${appRoot}/public>
        AllowOverride All
        Require all granted
    </Directory>
    ${php}
</VirtualHost>
`,
    );
    await apache.start(port);
    run = await webContext(appRoot, { apacheConf: apache.conf });
  });

  afterAll(async () => {
    await apache?.cleanup();
    run?.cleanup();
  });

  it('serves /Cachet/.env before any change', async () => {
    const response = await get(port, '/Cachet/.env', 'www.example.com');
    expect(response.status).toBe(200);
    expect(response.body).toContain('DB_PASSWORD=');
  });

  it('finds the app inside the www document root', async () => {
    const { findings } = await inspectAndPlan(run.ctx);
    const critical = finding(findings, 'web.app-inside-docroot');
    expect(critical.severity).toBe('critical');
    const evidence = critical.evidence.join('\n');
    expect(evidence).toContain('www.example.com');
    expect(evidence).toContain('/Cachet/.env');
    expect(evidence).toContain('/Cachet/.git/config');
    expect(evidence).toContain('/Cachet/storage/logs/laravel.log');
  });

  it('blocks the app in the www vhost once applied', async () => {
    const before = readFileSync(wwwFile, 'utf8');
    const { plan } = await inspectAndPlan(run.ctx);
    const result = await applyPlan(run.ctx, plan);
    expect(result.outcomes[0], JSON.stringify(result.outcomes[0])).toMatchObject({ status: 'applied' });
    const added = readFileSync(wwwFile, 'utf8').split('\n').filter((line) => !before.split('\n').includes(line));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^\s+Include .*cachet-harden.*\.conf$/);

    for (const path of ['/Cachet/.env', '/Cachet/.git/config', '/Cachet/storage/logs/laravel.log', '/Cachet/public/.env.bak']) {
      expect([403, 404], path).toContain((await get(port, path, 'www.example.com')).status);
    }
    expect((await get(port, '/', 'www.example.com')).status).toBe(200);
    expect((await get(port, '/', 'cachet.example.test')).body).toContain('Cachet-shaped status page');
    for (const path of ['/.env.bak', '/.git/config', '/.htaccess']) {
      expect([403, 404], path).toContain((await get(port, path, 'cachet.example.test')).status);
    }
    expect(apache.test().ok).toBe(true);
  });

  it('serves an ACME challenge file after the change', async () => {
    const token = join(appRoot, 'public', '.well-known', 'acme-challenge', 'tok');
    mkdirSync(dirname(token), { recursive: true });
    writeFileSync(token, 'tok.thumbprint');
    const response = await get(port, '/.well-known/acme-challenge/tok', 'cachet.example.test');
    expect(response.status).toBe(200);
    expect(response.body).toBe('tok.thumbprint');
  });

  it('plans nothing on a second run', async () => {
    const { findings, plan } = await inspectAndPlan(run.ctx);
    expect(plan.changes.map((change) => change.summary)).toEqual([]);
    expect(ids(findings)).not.toContain('web.app-inside-docroot');
  });
});

describe('apache vhost that ignores .htaccess', () => {
  let apache: ApacheInstance;
  let tree: CachetTree;
  let run: WebRun;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    tree = makeCachetTree({ line: '2.x', files: { '.git/HEAD': 'ref: refs/heads/2.4\n', 'public/.git/HEAD': 'ref: refs/heads/2.4\n' } });
    apache = createApache({ ports: [port], modules: ['alias', 'autoindex', 'access_compat', 'proxy', 'proxy_fcgi'] });
    apache.writeSite(
      'cachet.conf',
      `<VirtualHost *:${port}>
    ServerName status.example.com
    DocumentRoot ${tree.root}/public
    <Directory ${dirname(tree.root)}/>
        Options Indexes FollowSymLinks
        AllowOverride None
        Order allow,deny
        Allow from all
    </Directory>
    <FilesMatch "\\.php$">
        SetHandler "proxy:unix:${fpm.socket}|fcgi://localhost"
    </FilesMatch>
</VirtualHost>
`,
    );
    await apache.start(port);
    run = await webContext(tree.root, { apacheConf: apache.conf });
  });

  afterAll(async () => {
    await apache?.cleanup();
    tree?.cleanup();
    run?.cleanup();
  });

  it('reports ignored .htaccess, missing rewrite, listing and 2.2 syntax', async () => {
    expect((await get(port, '/.git/HEAD', 'status.example.com')).status).toBe(200);
    const { findings } = await inspectAndPlan(run.ctx);
    expect(finding(findings, 'web.htaccess-ignored').severity).toBe('medium');
    expect(finding(findings, 'web.rewrite-missing').severity).toBe('medium');
    expect(finding(findings, 'web.directory-listing').severity).toBe('medium');
    expect(finding(findings, 'web.apache22-syntax').evidence.join('\n')).toContain('Order allow,deny');
    expect(finding(findings, 'web.no-dotfile-rule').severity).toBe('medium');
  });

  it('blocks dot paths in the vhost itself once applied', async () => {
    const { plan } = await inspectAndPlan(run.ctx);
    const result = await applyPlan(run.ctx, plan);
    expect(result.outcomes[0], JSON.stringify(result.outcomes[0])).toMatchObject({ status: 'applied' });
    for (const path of ['/.env', '/.git/HEAD', '/.htaccess', '/index.php.bak', '/../.env']) {
      expect([400, 403, 404], path).toContain((await get(port, path, 'status.example.com')).status);
    }
    expect((await get(port, '/', 'status.example.com')).body).toContain('Cachet-shaped status page');
  });

  it('plans nothing on a second run', async () => {
    const { plan } = await inspectAndPlan(run.ctx);
    expect(plan.changes.map((change) => change.summary)).toEqual([]);
  });
});
