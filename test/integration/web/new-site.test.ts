// First install: no site serves the app yet. The generated site must pass the step's own checks, serve
// the front page and ACME files, and block private files.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { typicalEnv } from '../../../src/demo/tree.js';
import { step } from '../../../src/steps/web.js';
import { createApache, type ApacheInstance } from '../../helpers/apache.js';
import { makeCachetTree, type CachetTree } from '../../helpers/cachet-tree.js';
import { createNginx, type NginxInstance } from '../../helpers/nginx.js';
import { startPhpFpm, type PhpFpmInstance } from '../../helpers/php-fpm.js';
import { freePort } from '../../helpers/ports.js';
import { applyPlan, freshContext, get, ids, inspectAndPlan, webContext, type WebRun } from './support.js';

let fpm: PhpFpmInstance;

beforeAll(async () => {
  fpm = await startPhpFpm();
});

afterAll(async () => {
  await fpm?.stop();
});

function treeFor(port: number): CachetTree {
  const env = typicalEnv('2.x', false).replace(/^APP_URL=.*$/m, `APP_URL=http://status.example.test:${port}`);
  const tree = makeCachetTree({ line: '2.x', env, files: { 'public/.env.bak': env, '.git/HEAD': 'ref: refs/heads/2.4\n' } });
  const token = join(tree.root, 'public', '.well-known', 'acme-challenge', 'first');
  mkdirSync(dirname(token), { recursive: true });
  writeFileSync(token, 'first.thumbprint');
  return tree;
}

describe.each(['nginx', 'apache'] as const)('%s first install', (server) => {
  let nginx: NginxInstance | undefined;
  let apache: ApacheInstance | undefined;
  let tree: CachetTree;
  let run: WebRun;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    const placeholder = await freePort();
    tree = treeFor(port);
    if (server === 'nginx') {
      nginx = createNginx();
      // A server must listen somewhere to start; this placeholder site does not reach the app.
      nginx.writeSite('placeholder.conf', `server { listen 127.0.0.1:${placeholder}; root ${nginx.dir}; }\n`);
      await nginx.start(placeholder);
      run = await webContext(tree.root, { nginxConf: nginx.conf, nginxPrefix: nginx.prefix, fpmPoolDirs: [fpm.poolDir] });
    } else {
      apache = createApache({ ports: [placeholder, port], modules: ['alias', 'proxy', 'proxy_fcgi'] });
      await apache.start(placeholder);
      run = await webContext(tree.root, { apacheConf: apache.conf, fpmPoolDirs: [fpm.poolDir] });
    }
  });

  afterAll(async () => {
    await nginx?.cleanup();
    await apache?.cleanup();
    tree?.cleanup();
    run?.cleanup();
  });

  it('offers a new site', async () => {
    const ctx = freshContext(run.ctx);
    const findings = await step.inspect(ctx);
    expect(ids(findings)).toEqual(['web.no-site']);
    const keys = step.choices!(ctx, findings).map((choice) => [choice.key, choice.recommended]);
    expect(keys).toEqual([
      ['newSite', 'no'],
      ['serverName', 'status.example.test'],
      ['fpmListen', fpm.socket],
    ]);
    const plan = await step.plan(ctx, findings, { newSite: 'no' });
    expect(plan.changes).toEqual([]);
  });

  it('creates a site that blocks private files', async () => {
    const { plan } = await inspectAndPlan(run.ctx, { newSite: 'yes' });
    const result = await applyPlan(run.ctx, plan);
    expect(result.outcomes[0], JSON.stringify(result.outcomes[0])).toMatchObject({ status: 'applied' });
    const host = 'status.example.test';
    expect((await get(port, '/', host)).body).toContain('Cachet-shaped status page');
    expect((await get(port, '/setup', host)).body).toContain('Cachet-shaped status page');
    expect((await get(port, '/.well-known/acme-challenge/first', host)).body).toBe('first.thumbprint');
    for (const path of ['/.env', '/.env.bak', '/.git/HEAD', '/robots.txt.bak']) {
      expect([403, 404], path).toContain((await get(port, path, host)).status);
    }
    // A missing script never reaches PHP-FPM as a script: nginx returns 404, and Apache's FallbackResource
    // hands the request to the front controller.
    const missing = await get(port, '/missing.php', host);
    if (missing.status !== 404) expect(missing.body).toContain('Cachet-shaped status page');
  });

  it('passes its own checks and plans nothing more', async () => {
    const { findings, plan } = await inspectAndPlan(run.ctx, { newSite: 'yes' });
    expect(findings.filter((finding) => finding.severity !== 'info').map((finding) => finding.id)).toEqual([]);
    expect(plan.changes).toEqual([]);
  });
});
