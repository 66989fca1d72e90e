// Real-world nginx sites and Apache vhosts (certbot's compatibility test data) read from the folder in
// CACHET_HARDEN_CORPUS. Every site must parse with its server blocks and roots found, and inserting our
// include into each server block must keep every config the real server accepted before accepted after.
// The servers' own tests run in a fresh network namespace (`unshare -n`), so no name in a config is
// looked up on the network.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseApacheText, type ApacheNode } from '../../src/web/apache-parse.js';
import { acmeSettings, blockIndent, insertionOffset } from '../../src/web/nginx.js';
import { flattenIncludes, parseNginxText, type NginxDirective } from '../../src/web/nginx-parse.js';
import { readNginxServers } from '../../src/web/nginx-site.js';
import { includeEdit } from '../../src/web/plan.js';
import { renderDropIn } from '../../src/web/render.js';

const corpus = process.env.CACHET_HARDEN_CORPUS;
const canIsolate = process.getuid?.() === 0 && commandWorks(['unshare', '-n', 'true']);
if (!corpus) console.warn('web corpus tests skipped: set CACHET_HARDEN_CORPUS to the folder with nginx-sites/ and apache-vhosts/');

/** Files in nginx-sites that are data for a site, not a site (types, parameter lists). */
const NGINX_NON_SITES = /(^|\/)(mime\.types|fastcgi(_params|\.conf)?|scgi_params|uwsgi_params|proxy\.conf|koi-\w+|win-utf)$/;

describe.skipIf(!corpus)('web config corpus', () => {
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'ch-corpus-'));
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('parses every nginx site with its server blocks and roots', () => {
    const files = listFiles(join(corpus!, 'nginx-sites')).filter((file) => !NGINX_NON_SITES.test(file));
    expect(files.length).toBeGreaterThan(150);
    let servers = 0;
    for (const file of files) {
      const directives = parseNginxText(readFileSync(file, 'latin1'), file);
      const found = readNginxServers(wrapInHttp(directives), '/usr/share/nginx');
      for (const server of found) {
        expect(server.root, `${file}:${server.directive.line}`).toMatch(/^\//);
        expect(server.listens.length, `${file}:${server.directive.line}`).toBeGreaterThan(0);
      }
      servers += found.length;
    }
    expect(servers).toBeGreaterThan(150);
  });

  it.skipIf(!canIsolate)('nginx still accepts each site with our include', async () => {
    const files = listFiles(join(corpus!, 'nginx-sites')).filter((file) => !NGINX_NON_SITES.test(file));
    const dropInDir = join(work, 'nginx-drop-in');
    mkdirSync(dropInDir);
    const dropIns = {
      withAcme: join(dropInDir, 'cachet-harden.conf'),
      withoutAcme: join(dropInDir, 'cachet-harden-noacme.conf'),
    };
    writeFileSync(dropIns.withAcme, await renderDropIn('nginx', { acme: true, acmeRoot: null, denyPatterns: ['^/Cachet(?:/|$)'], denyDirectories: [] }));
    writeFileSync(dropIns.withoutAcme, await renderDropIn('nginx', { acme: false, acmeRoot: null, denyPatterns: [], denyDirectories: [] }));

    let accepted = 0;
    const regressions: string[] = [];
    for (const [index, file] of files.entries()) {
      const dir = join(work, `nginx-${index}`);
      cpSync(dirname(file), dir, { recursive: true });
      const text = normaliseNginx(httpContent(readFileSync(file, 'latin1'), file), dir);
      const before = nginxTest(dir, text);
      if (!before.ok) continue;
      accepted++;

      const directives = parseNginxText(text, 'site');
      const servers = readNginxServers(wrapInHttp(directives), '/usr/share/nginx');
      const edits = servers.map((server) => {
        const path = acmeSettings(server, dropInDir).acme ? dropIns.withAcme : dropIns.withoutAcme;
        return includeEdit(text, insertionOffset(server), blockIndent(text, server.directive.block!.map((d) => d.start)), `include ${path};`);
      });
      let patched = text;
      for (const edit of edits.sort((a, b) => b.start - a.start)) patched = patched.slice(0, edit.start) + edit.text + patched.slice(edit.end);
      const after = nginxTest(dir, patched);
      if (!after.ok) regressions.push(`${relative(corpus!, file)}: ${after.output.split('\n').find((line) => line.includes('emerg')) ?? after.output}`);
    }
    console.info(`nginx corpus: ${accepted} of ${files.length} sites pass nginx -t before the include; ${regressions.length} fail after`);
    expect(accepted).toBeGreaterThan(50);
    expect(regressions).toEqual([]);
  });

  it('parses every Apache vhost file and layout', () => {
    const vhostFiles = listFiles(join(corpus!, 'apache-vhosts', 'passing'));
    const layoutFiles = listFiles(join(corpus!, 'apache-layouts')).filter((file) => /\.conf$/.test(file));
    let vhosts = 0;
    for (const file of [...vhostFiles, ...layoutFiles]) {
      const nodes = parseApacheText(readFileSync(file, 'latin1'), file);
      for (const vhost of collectSections(nodes, 'virtualhost')) {
        vhosts++;
        expect(vhost.end, `${file}:${vhost.line}`).toBeDefined();
      }
    }
    expect(vhosts).toBeGreaterThan(20);
  });

  it('finds the vhosts of each distribution layout', () => {
    for (const layout of ['debian_apache_2_4/multiple_vhosts', 'centos7_apache/apache', 'gentoo_apache/apache']) {
      const files = listFiles(join(corpus!, 'apache-layouts', layout)).filter((file) => /\.conf$/.test(file));
      const vhosts = files.flatMap((file) => collectSections(parseApacheText(readFileSync(file, 'latin1'), file), 'virtualhost'));
      expect(vhosts.length, layout).toBeGreaterThan(0);
      const roots = vhosts.flatMap((vhost) => (vhost.children ?? []).filter((node) => node.name.toLowerCase() === 'documentroot'));
      expect(roots.length, layout).toBeGreaterThan(0);
    }
  });

  it.skipIf(!canIsolate)('Apache still accepts each vhost with our include', async () => {
    const files = listFiles(join(corpus!, 'apache-vhosts', 'passing'));
    const dropIn = join(work, 'apache-drop-in.conf');
    writeFileSync(dropIn, await renderDropIn('apache', { acme: true, acmeRoot: null, denyPatterns: ['^/Cachet(?:/|$)'], denyDirectories: ['/srv/www/Cachet'] }, { hasAlias: true }));

    let accepted = 0;
    const regressions: string[] = [];
    for (const [index, file] of files.entries()) {
      const dir = join(work, `apache-${index}`);
      mkdirSync(dir);
      const text = readFileSync(file, 'latin1');
      if (!apacheTest(dir, text).ok) continue;
      accepted++;
      const nodes = parseApacheText(text, file);
      let patched = text;
      const ends = collectSections(nodes, 'virtualhost')
        .map((vhost) => vhost.end!.offset)
        .sort((a, b) => b - a);
      for (const offset of ends) {
        const edit = includeEdit(patched, offset, '    ', `Include ${dropIn}`);
        patched = patched.slice(0, edit.start) + edit.text + patched.slice(edit.end);
      }
      const after = apacheTest(dir, patched);
      if (!after.ok) regressions.push(`${basename(file)}: ${after.output.trim().split('\n').at(-1)}`);
    }
    console.info(`Apache corpus: ${accepted} of ${files.length} vhost files pass apache2 -t before the include; ${regressions.length} fail after`);
    expect(accepted).toBeGreaterThan(5);
    expect(regressions).toEqual([]);
  });
});

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

function commandWorks(argv: string[]): boolean {
  try {
    execFileSync(argv[0]!, argv.slice(1), { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Site files hold http-level content; a full nginx.conf has an http block whose content is used. */
function wrapInHttp(directives: NginxDirective[]): NginxDirective[] {
  if (flattenIncludes(directives).some((d) => d.name === 'http')) return directives;
  return [{ name: 'http', args: [], file: 'site', line: 0, start: 0, block: directives }];
}

function httpContent(text: string, file: string): string {
  const http = parseNginxText(text, file).find((d) => d.name === 'http' && d.block);
  if (!http) return text;
  const open = text.indexOf('{', http.start);
  return text.slice(open + 1, http.blockEnd!.offset);
}

/** Points log and cache paths into the test directory so a config test writes nothing elsewhere. */
function normaliseNginx(text: string, dir: string): string {
  return text
    .replace(/^(\s*)(access_log|error_log)\s[^;]*;/gm, (_, indent: string, name: string) => `${indent}${name === 'access_log' ? 'access_log off' : `error_log ${dir}/error.log`};`)
    .replace(/^(\s*)(\w+_cache_path|\w+_temp_path)\s+\S+/gm, (_, indent: string, name: string) => `${indent}${name} ${dir}/${name}`);
}

function nginxTest(dir: string, httpText: string): { ok: boolean; output: string } {
  const conf = join(dir, 'cachet-harden-test.conf');
  writeFileSync(
    conf,
    `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n    include /etc/nginx/mime.types;\n    client_body_temp_path ${dir}/t1;\n    proxy_temp_path ${dir}/t2;\n    fastcgi_temp_path ${dir}/t3;\n    uwsgi_temp_path ${dir}/t4;\n    scgi_temp_path ${dir}/t5;\n${httpText}\n}\n`,
  );
  return isolated(['nginx', '-t', '-q', '-c', conf, '-p', `${dir}/`]);
}

const APACHE_MODULES = [
  'mpm_event', 'authz_core', 'authz_host', 'authz_user', 'authn_core', 'authn_file', 'auth_basic', 'access_compat', 'alias', 'rewrite',
  'mime', 'dir', 'autoindex', 'env', 'setenvif', 'headers', 'expires', 'deflate', 'filter', 'ssl', 'socache_shmcb', 'proxy', 'proxy_http',
  'proxy_fcgi', 'negotiation', 'include', 'cgi', 'status', 'info', 'reqtimeout', 'remoteip', 'userdir', 'actions',
];

function apacheTest(dir: string, vhostText: string): { ok: boolean; output: string } {
  writeFileSync(join(dir, 'site.conf'), vhostText);
  const conf = join(dir, 'httpd.conf');
  const modules = APACHE_MODULES.filter((name) => existsSync(`/usr/lib/apache2/modules/mod_${name}.so`));
  writeFileSync(
    conf,
    [
      `ServerRoot ${dir}`,
      'Listen 127.0.0.1:80',
      `PidFile ${dir}/httpd.pid`,
      `DefaultRuntimeDir ${dir}`,
      `Mutex file:${dir} default`,
      `ErrorLog ${dir}/error.log`,
      'ServerName localhost',
      ...modules.map((name) => `LoadModule ${name}_module /usr/lib/apache2/modules/mod_${name}.so`),
      'User www-data',
      `Include ${dir}/site.conf`,
      '',
    ].join('\n'),
  );
  return isolated(['apache2', '-t', '-f', conf]);
}

function isolated(argv: string[]): { ok: boolean; output: string } {
  try {
    execFileSync('unshare', ['-n', ...argv], { stdio: 'pipe', encoding: 'utf8', timeout: 20_000 });
    return { ok: true, output: '' };
  } catch (error) {
    const failure = error as { stderr?: string; stdout?: string };
    return { ok: false, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

function collectSections(nodes: ApacheNode[], name: string): ApacheNode[] {
  return nodes.flatMap((node) => [...(node.name.toLowerCase() === name ? [node] : []), ...collectSections(node.children ?? [], name)]);
}
