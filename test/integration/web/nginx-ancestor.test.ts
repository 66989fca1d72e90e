// The default site's root is an ancestor of the app root, so /Cachet/.env is a static file URL
// (cachethq/cachet#2268, #3217: an app checked out under /var/www/html).

import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildCachetTree } from '../../../src/demo/tree.js';
import { createNginx, type NginxInstance } from '../../helpers/nginx.js';
import { startPhpFpm, type PhpFpmInstance } from '../../helpers/php-fpm.js';
import { freePort } from '../../helpers/ports.js';
import { applyPlan, finding, get, ids, inspectAndPlan, webContext, type WebRun } from './support.js';

describe('nginx with the app under the default site root', () => {
  let nginx: NginxInstance;
  let fpm: PhpFpmInstance;
  let run: WebRun;
  let docroot: string;
  let appRoot: string;
  let port: number;
  let cachetPort: number;

  beforeAll(async () => {
    port = await freePort();
    cachetPort = await freePort();
    fpm = await startPhpFpm();
    nginx = createNginx();
    docroot = join(nginx.dir, 'html');
    appRoot = join(docroot, 'Cachet');
    mkdirSync(docroot);
    writeFileSync(join(docroot, 'index.html'), '<h1>default site</h1>\n');
    buildCachetTree(appRoot, { line: '2.x', mistakes: true, configCache: true, files: { '.git/config': '[core]\n\tbare = false\n', '.git/HEAD': 'ref: refs/heads/2.4\n' } });

    // Debian's layout: the default site lives in sites-available and is linked from sites-enabled.
    const available = join(nginx.dir, 'sites-available');
    mkdirSync(available);
    writeFileSync(
      join(available, 'default'),
      `server {
    listen 127.0.0.1:${port} default_server;
    root ${docroot};
    index index.html index.php;
    location / { try_files $uri $uri/ =404; }
    location ~ \\.php$ {
        include /etc/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
        fastcgi_pass unix:${fpm.socket};
    }
}
`,
    );
    symlinkSync(join(available, 'default'), join(nginx.siteDir, 'default'));
    nginx.writeSite(
      'cachet.conf',
      `server {
    listen 127.0.0.1:${cachetPort};
    #server_name status.example.com;
    root ${appRoot}/public;
    index index.php;
    location / { try_files $uri /index.php$is_args$args; }
    location ~ \\.php$ {
        try_files $fastcgi_script_name =404;
        include /etc/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
        fastcgi_pass unix:${fpm.socket};
    }
}
`,
    );
    await nginx.start(port);
    run = await webContext(appRoot, { nginxConf: nginx.conf, nginxPrefix: nginx.prefix });
  });

  afterAll(async () => {
    await nginx?.cleanup();
    await fpm?.stop();
    run?.cleanup();
  });

  it('serves /Cachet/.env before any change', async () => {
    const response = await get(port, '/Cachet/.env');
    expect(response.status).toBe(200);
    expect(response.body).toContain('DB_PASSWORD=');
  });

  it('finds the app root inside the default site root', async () => {
    const { findings } = await inspectAndPlan(run.ctx);
    const critical = finding(findings, 'web.app-inside-docroot');
    expect(critical.severity).toBe('critical');
    const evidence = critical.evidence.join('\n');
    expect(evidence).toContain('/Cachet/.env');
    expect(evidence).toContain('/Cachet/.git/config');
    expect(evidence).toContain('/Cachet/storage/logs/laravel.log');
    // PHP runs config.php instead of serving it, so it is not listed as readable.
    expect(evidence).not.toContain('/Cachet/bootstrap/cache/config.php');
    expect(ids(findings)).toContain('web.no-server-name');
    expect(ids(findings)).toContain('web.private-file-exposed');
  });

  it('reports a served file when probing is on', async () => {
    const probing = { ...run.ctx, options: { ...run.ctx.options, probe: true } };
    const { findings } = await inspectAndPlan(probing);
    const served = finding(findings, 'web.private-file-served');
    expect(served.severity).toBe('critical');
    expect(served.evidence.join('\n')).toContain(`http://127.0.0.1:${port}/Cachet/.env`);
  });

  it('leaves the default site alone without consent', async () => {
    const { plan } = await inspectAndPlan(run.ctx, { editDefaultSite: 'no' });
    const defaultFile = join(nginx.dir, 'sites-available', 'default');
    const writes = plan.changes.filter((change) => change.kind === 'write-file').map((change) => change.path);
    expect(writes).not.toContain(defaultFile);
    expect(plan.notes.join('\n')).toContain(defaultFile);
  });

  it('blocks the app under the default site once applied', async () => {
    const defaultFile = join(nginx.dir, 'sites-available', 'default');
    const before = readFileSync(defaultFile, 'utf8');
    const { plan } = await inspectAndPlan(run.ctx, { editDefaultSite: 'yes' });
    expect(plan.changes[0]).toMatchObject({ kind: 'run-command', argv: expect.arrayContaining(['-t']) });
    const result = await applyPlan(run.ctx, plan);
    expect(result.outcomes[0], JSON.stringify(result.outcomes[0])).toMatchObject({ status: 'applied' });

    const after = readFileSync(defaultFile, 'utf8');
    const added = after.split('\n').filter((line) => !before.split('\n').includes(line));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^\s+include .*cachet-harden.*\.conf;$/);

    for (const path of ['/Cachet/.env', '/Cachet/.git/config', '/Cachet/.git/HEAD', '/Cachet/storage/logs/laravel.log', '/Cachet/public/.env.bak']) {
      expect([403, 404], path).toContain((await get(port, path)).status);
    }
    expect((await get(port, '/')).status).toBe(200);
    expect((await get(cachetPort, '/')).body).toContain('Cachet-shaped status page');
    expect([403, 404]).toContain((await get(cachetPort, '/.env.bak')).status);
    expect(nginx.test().ok).toBe(true);
  });

  it('serves an ACME challenge file after the change', async () => {
    const challenge = join(appRoot, 'public', '.well-known', 'acme-challenge', 'token-123');
    mkdirSync(dirname(challenge), { recursive: true });
    writeFileSync(challenge, 'token-123.key\n');
    const response = await get(cachetPort, '/.well-known/acme-challenge/token-123');
    expect(response.status).toBe(200);
    expect(response.body).toBe('token-123.key\n');
  });

  it('plans nothing on a second run', async () => {
    const { findings, plan } = await inspectAndPlan(run.ctx, { editDefaultSite: 'yes' });
    expect(plan.changes.map((change) => change.summary)).toEqual([]);
    expect(ids(findings)).not.toContain('web.app-inside-docroot');
    expect(ids(findings)).not.toContain('web.private-file-exposed');
  });
});
