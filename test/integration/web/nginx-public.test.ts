// Sites rooted at public/ that still serve private files. The official 2.x Docker image's site
// (cachethq/Docker conf/nginx-site.conf) denies only `location ~ /\.ht`, after a static-asset regex with
// an unescaped dot. A blanket dotfile rule blocks ACME challenges (certbot/certbot#730). A third site
// has its root at the app root instead of public/.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ProbeChange, WriteFileChange } from '../../../src/plan/changes.js';
import { step } from '../../../src/steps/web.js';
import { makeCachetTree, type CachetTree } from '../../helpers/cachet-tree.js';
import { createNginx, type NginxInstance } from '../../helpers/nginx.js';
import { startPhpFpm, type PhpFpmInstance } from '../../helpers/php-fpm.js';
import { freePort } from '../../helpers/ports.js';
import { applyPlan, finding, freshContext, get, getAfterReload, ids, inspectAndPlan, webContext, type WebRun } from './support.js';

let fpm: PhpFpmInstance;

beforeAll(async () => {
  fpm = await startPhpFpm();
});

afterAll(async () => {
  await fpm?.stop();
});

function phpLocation(socket: string): string {
  return `location ~ \\.php$ {
        include /etc/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
        fastcgi_pass unix:${socket};
    }`;
}

describe('nginx site from the 2.x Docker image', () => {
  let nginx: NginxInstance;
  let tree: CachetTree;
  let run: WebRun;
  let port: number;
  let siteFile: string;
  let original: string;

  beforeAll(async () => {
    port = await freePort();
    tree = makeCachetTree({ line: '2.x', mistakes: true, files: { 'public/js/app.js': 'console.log(1);\n' } });
    nginx = createNginx();
    original = `server {
    listen 127.0.0.1:${port} default;
    root ${tree.root}/public;
    index index.php;
    location / { try_files $uri /index.php$is_args$args; }
    location ~* .(jpg|jpeg|png|gif|ico|css|js|ttf|svg)$ { expires 365d; }
    ${phpLocation(fpm.socket)}
    location ~ /\\.ht { deny all; }
}
`;
    siteFile = nginx.writeSite('cachet.conf', original);
    await nginx.start(port);
    run = await webContext(tree.root, { nginxConf: nginx.conf, nginxPrefix: nginx.prefix });
  });

  afterAll(async () => {
    await nginx?.cleanup();
    tree?.cleanup();
    run?.cleanup();
  });

  it('finds the served backup and the missing dotfile rule', async () => {
    expect((await get(port, '/.env.bak')).status).toBe(200);
    const { findings } = await inspectAndPlan(run.ctx);
    expect(finding(findings, 'web.private-file-exposed').severity).toBe('high');
    expect(finding(findings, 'web.private-file-exposed').evidence.join('\n')).toContain('/.env.bak');
    expect(finding(findings, 'web.no-dotfile-rule').severity).toBe('medium');
    expect(finding(findings, 'web.php-no-file-check').severity).toBe('medium');
    expect(ids(findings)).toContain('web.no-backup-rule');
  });

  it('places the include above the static-asset regex', async () => {
    const { plan } = await inspectAndPlan(run.ctx);
    const edit = plan.changes.find((change): change is WriteFileChange => change.kind === 'write-file' && change.path === siteFile)!;
    const lines = edit.content.split('\n');
    const include = lines.findIndex((line) => line.includes('include ') && line.includes('cachet-harden'));
    const asset = lines.findIndex((line) => line.includes('location ~* .(jpg'));
    expect(include).toBeGreaterThan(-1);
    expect(include).toBe(asset - 1);
    // Every original line is kept byte for byte.
    expect(lines.filter((_, index) => index !== include).join('\n')).toBe(original);
  });

  it('rolls back a drop-in that breaks the config', async () => {
    const { plan } = await inspectAndPlan(run.ctx);
    const broken = {
      ...plan,
      changes: plan.changes.map((change) =>
        change.kind === 'write-file' && change.path.includes('/cachet-harden/') ? { ...change, content: `${change.content}\nlocation {\n` } : change,
      ),
    };
    const result = await applyPlan(run.ctx, broken);
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(readFileSync(siteFile, 'utf8')).toBe(original);
    expect(nginx.test().ok).toBe(true);
    expect((await get(port, '/')).body).toContain('Cachet-shaped status page');
  });

  it('plans no HTTP probe with --no-probe', async () => {
    const quiet = { ...run.ctx, options: { ...run.ctx.options, probe: false } };
    const { plan } = await inspectAndPlan(quiet);
    expect(plan.changes.length).toBeGreaterThan(0);
    expect(plan.changes.map((change) => change.kind)).not.toContain('probe');
    expect(plan.notes.join('\n')).toContain('--no-probe');
  });

  it('blocks private files and keeps the site working once applied', async () => {
    const { plan } = await inspectAndPlan(run.ctx);
    const probe = plan.changes.find((change): change is ProbeChange => change.kind === 'probe')!;
    const selfTest = probe.requests.find((request) => request.fixture)!;
    expect(dirname(selfTest.fixture!.path)).toBe(join(tree.root, 'public', '.well-known', 'acme-challenge'));
    const result = await applyPlan(run.ctx, plan);
    expect(result.outcomes[0], JSON.stringify(result.outcomes[0])).toMatchObject({ status: 'applied' });
    // The self-test token and the directories made for it are gone again.
    expect(existsSync(join(tree.root, 'public', '.well-known'))).toBe(false);
    // The first answer may still come from a worker of the old config; see getAfterReload.
    expect((await getAfterReload(port, '/.env.bak', 'localhost', 404)).status).toBe(404);
    for (const path of ['/.env.bak', '/.env', '/.git/HEAD', '/.env.js', '/.git/x.css', '/index.php.bak', '/../.env']) {
      expect([400, 403, 404], path).toContain((await get(port, path)).status);
    }
    const asset = await get(port, '/js/app.js');
    expect(asset.status).toBe(200);
    expect((await get(port, '/')).body).toContain('Cachet-shaped status page');
    expect(nginx.test().ok).toBe(true);
  });

  it('plans nothing on a second run', async () => {
    const { findings, plan } = await inspectAndPlan(run.ctx);
    expect(plan.changes.map((change) => change.summary)).toEqual([]);
    expect(ids(findings)).not.toContain('web.no-dotfile-rule');
    expect(ids(findings)).not.toContain('web.private-file-exposed');
  });
});

describe('nginx dotfile rule that blocks ACME challenges', () => {
  let nginx: NginxInstance;
  let tree: CachetTree;
  let run: WebRun;
  let port: number;
  let letsencrypt: string;

  beforeAll(async () => {
    port = await freePort();
    tree = makeCachetTree({ line: '3.x', files: { '.git/HEAD': 'ref: refs/heads/main\n' } });
    nginx = createNginx();
    letsencrypt = join(nginx.dir, 'letsencrypt');
    const token = join(letsencrypt, '.well-known', 'acme-challenge', 'abc');
    mkdirSync(dirname(token), { recursive: true });
    writeFileSync(token, 'abc.thumbprint');
    nginx.writeSite(
      'cachet.conf',
      `server {
    listen 127.0.0.1:${port}; server_name status.example.com;
    root ${tree.root}/public;
    location ~ /\\. { deny all; }
    location ~ /.well-known/acme-challenge { root ${letsencrypt}; }
    location / { try_files $uri /index.php$is_args$args; }
    location ~ \\.php$ {
        try_files $uri =404;
        include /etc/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
        fastcgi_pass unix:${fpm.socket};
    }
}
`,
    );
    await nginx.start(port);
    run = await webContext(tree.root, { nginxConf: nginx.conf, nginxPrefix: nginx.prefix });
  });

  afterAll(async () => {
    await nginx?.cleanup();
    tree?.cleanup();
    run?.cleanup();
  });

  it('reports the blocked challenge path', async () => {
    expect((await get(port, '/.well-known/acme-challenge/abc', 'status.example.com')).status).toBe(403);
    const { findings } = await inspectAndPlan(run.ctx);
    expect(finding(findings, 'web.acme-blocked').severity).toBe('medium');
    expect(ids(findings)).not.toContain('web.no-dotfile-rule');
  });

  it('serves the challenge from the existing root once applied', async () => {
    const { plan } = await inspectAndPlan(run.ctx);
    const dropIn = plan.changes.find((change): change is WriteFileChange => change.kind === 'write-file' && change.path.includes('/cachet-harden/'))!;
    expect(dropIn.content).toContain(`root ${letsencrypt};`);
    // The ACME self-test writes a token into the existing challenge root, expects it back, then removes it.
    const probe = plan.changes.find((change): change is ProbeChange => change.kind === 'probe')!;
    const selfTest = probe.requests.find((request) => request.fixture)!;
    expect(selfTest.fixture!.path.startsWith(join(letsencrypt, '.well-known', 'acme-challenge', 'cachet-harden-'))).toBe(true);
    expect(selfTest.expect).toEqual({ status: 200, bodyIncludes: selfTest.fixture!.content });
    const result = await applyPlan(run.ctx, plan);
    expect(result.outcomes[0], JSON.stringify(result.outcomes[0])).toMatchObject({ status: 'applied' });
    expect(existsSync(selfTest.fixture!.path)).toBe(false);
    const challenge = await getAfterReload(port, '/.well-known/acme-challenge/abc', 'status.example.com', 200);
    expect(challenge.status).toBe(200);
    expect(challenge.body).toBe('abc.thumbprint');
    expect([403, 404]).toContain((await get(port, '/.env', 'status.example.com')).status);
    expect([403, 404]).toContain((await get(port, '/.git/HEAD', 'status.example.com')).status);
  });

  it('plans nothing on a second run', async () => {
    const { findings, plan } = await inspectAndPlan(run.ctx);
    expect(plan.changes).toEqual([]);
    expect(ids(findings)).not.toContain('web.acme-blocked');
  });
});

describe('nginx site rooted at the app root', () => {
  let nginx: NginxInstance;
  let tree: CachetTree;
  let run: WebRun;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    tree = makeCachetTree({ line: '2.x', mistakes: true });
    nginx = createNginx();
    nginx.writeSite(
      'cachet.conf',
      `server {
    listen 127.0.0.1:${port};
    server_name status.example.com;
    root ${tree.root};
    autoindex on;
    location / { try_files $uri $uri/ /public/index.php$is_args$args; }
    ${phpLocation(fpm.socket)}
}
`,
    );
    await nginx.start(port);
    run = await webContext(tree.root, { nginxConf: nginx.conf, nginxPrefix: nginx.prefix });
  });

  afterAll(async () => {
    await nginx?.cleanup();
    tree?.cleanup();
    run?.cleanup();
  });

  it('reports the app root as web root', async () => {
    const { findings } = await inspectAndPlan(run.ctx);
    const critical = finding(findings, 'web.root-not-public');
    expect(critical.severity).toBe('critical');
    expect(critical.evidence.join('\n')).toContain('/.env');
    expect(ids(findings)).toContain('web.directory-listing');
  });

  it('blocks the app tree outside public once applied', async () => {
    const { plan } = await inspectAndPlan(run.ctx);
    expect(plan.notes.join('\n')).toContain('move the app outside every web root');
    const result = await applyPlan(run.ctx, plan);
    expect(result.outcomes[0], JSON.stringify(result.outcomes[0])).toMatchObject({ status: 'applied' });
    for (const path of ['/.env', '/storage/logs/laravel.log', '/composer.json', '/config/app.php', '/artisan', '/public/.env.bak']) {
      expect([403, 404], path).toContain((await get(port, path, 'status.example.com')).status);
    }
    expect((await get(port, '/public/robots.txt', 'status.example.com')).status).toBe(200);
  });

  it('plans nothing on a second run', async () => {
    const { findings, plan } = await inspectAndPlan(run.ctx);
    expect(plan.changes).toEqual([]);
    expect(ids(findings)).not.toContain('web.root-not-public');
  });
});

describe('nginx config that already fails its test', () => {
  let nginx: NginxInstance;
  let tree: CachetTree;
  let run: WebRun;

  beforeAll(async () => {
    tree = makeCachetTree({ line: '2.x', mistakes: true });
    nginx = createNginx();
    nginx.writeSite('cachet.conf', `server {\n    listen 127.0.0.1:1;\n    root ${tree.root}/public;\n    no_such_directive on;\n}\n`);
    run = await webContext(tree.root, { nginxConf: nginx.conf, nginxPrefix: nginx.prefix });
  });

  afterAll(async () => {
    await nginx?.cleanup();
    tree?.cleanup();
    run?.cleanup();
  });

  it('reports the failing test and plans nothing', async () => {
    const ctx = freshContext(run.ctx);
    const findings = await step.inspect(ctx);
    if (ctx.isRoot) expect(finding(findings, 'web.config-broken').evidence.join('\n')).toContain('no_such_directive');
    else expect(ids(findings)).toContain('web.config-unverified');
    const plan = await step.plan(ctx, findings, {});
    expect(plan.changes).toEqual([]);
    expect(plan.notes.join('\n')).toContain('configuration test fails');
  });
});

describe('no web server configured', () => {
  it('returns an info finding', async () => {
    const tree = makeCachetTree({ line: '3.x' });
    const run = await webContext(tree.root, {});
    try {
      const { findings, plan } = await inspectAndPlan(run.ctx);
      expect(findings.map((f) => [f.id, f.severity])).toEqual([['web.no-server', 'info']]);
      expect(plan.changes).toEqual([]);
    } finally {
      tree.cleanup();
      run.cleanup();
    }
  });
});
