// Builds a Cachet-shaped install (not Cachet itself): the files detection reads, the directories the
// steps inspect, and a `.env` in the style of each line's example file. Used by `--demo` and by tests.

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { CachetLine } from '../types.js';

export interface TreeOptions {
  line: CachetLine;
  /** Full `.env` text; defaults to a typical file for the line, with or without mistakes. */
  env?: string;
  /** Plant the usual mistakes: world-readable `.env`, a backup in public/, world-writable storage. */
  mistakes?: boolean;
  /** VERSION (2.x) or vendor/cachethq/core/VERSION (3.x). */
  version?: string;
  /** Also create bootstrap/cache/config.php, as `php artisan config:cache` would. */
  configCache?: boolean;
  /** Extra files relative to the root, created with mode 0644 unless given. */
  files?: Record<string, string | { content: string; mode: number }>;
}

/** A valid `base64:` APP_KEY that only tests and the demo use; never a real install's key. */
export const DEMO_APP_KEY = 'base64:ZGVtby1rZXktbm90LWZvci1wcm9kdWN0aW9uLXVzZSE=';

export function typicalEnv(line: CachetLine, mistakes: boolean): string {
  if (line === '2.x') {
    return [
      'APP_ENV=production',
      `APP_DEBUG=${mistakes ? 'true' : 'false'}`,
      'APP_URL=http://localhost',
      'APP_TIMEZONE=UTC',
      `APP_KEY=${mistakes ? 'SomeRandomString' : DEMO_APP_KEY}`,
      `DEBUGBAR_ENABLED=false`,
      '',
      'DB_DRIVER=mysql',
      'DB_HOST=localhost',
      'DB_UNIX_SOCKET=null',
      'DB_DATABASE=cachet',
      `DB_USERNAME=${mistakes ? 'homestead' : 'cachet_app'}`,
      `DB_PASSWORD=${mistakes ? 'secret' : 'Vq3Lr8Nw2Xk7Pz5Ty9Hb4Jm6Fd1Gs0Ca'}`,
      'DB_PORT=null',
      'DB_PREFIX=null',
      '',
      'CACHE_DRIVER=file',
      'SESSION_DRIVER=file',
      'QUEUE_DRIVER=sync',
      `CACHET_BEACON=${mistakes ? 'true' : 'false'}`,
      'CACHET_EMOJI=false',
      'CACHET_AUTO_TWITTER=true',
      '',
      'MAIL_DRIVER=smtp',
      'MAIL_HOST=null',
      'MAIL_PORT=null',
      'MAIL_USERNAME=null',
      'MAIL_PASSWORD=null',
      'MAIL_ADDRESS=null',
      'MAIL_NAME=null',
      'MAIL_ENCRYPTION=tls',
      '',
      'REDIS_HOST=null',
      'REDIS_DATABASE=null',
      'REDIS_PORT=null',
      '',
    ].join('\n');
  }
  return [
    'APP_NAME=Cachet',
    `APP_ENV=${mistakes ? 'local' : 'production'}`,
    `APP_KEY=${mistakes ? '' : DEMO_APP_KEY}`,
    `APP_DEBUG=${mistakes ? 'true' : 'false'}`,
    'APP_TIMEZONE=UTC',
    'APP_URL=http://localhost',
    '',
    'LOG_CHANNEL=stack',
    `LOG_LEVEL=${mistakes ? 'debug' : 'warning'}`,
    '',
    'DB_CONNECTION=sqlite',
    '# DB_HOST=127.0.0.1',
    '# DB_PORT=3306',
    '# DB_DATABASE=cachet',
    '# DB_USERNAME=root',
    '# DB_PASSWORD=',
    '',
    'SESSION_DRIVER=database',
    'SESSION_LIFETIME=120',
    '',
    `CACHET_BEACON=${mistakes ? 'true' : 'false'}`,
    'CACHET_DEMO_MODE=false',
    '',
    'MAIL_MAILER=log',
    'MAIL_HOST=127.0.0.1',
    'MAIL_PORT=2525',
    'MAIL_USERNAME=null',
    'MAIL_PASSWORD=null',
    'MAIL_FROM_ADDRESS="hello@example.com"',
    'MAIL_FROM_NAME="${APP_NAME}"',
    '',
  ].join('\n');
}

const ARTISAN = `#!/usr/bin/env php
<?php
// Cachet-shaped stand-in for Laravel's artisan; real commands need a real Cachet.
fwrite(STDERR, "This is a Cachet-shaped demo tree, not a Laravel application.\\n");
exit(1);
`;

const INDEX_PHP = `<?php
// Cachet-shaped front controller: a real Cachet loads Laravel here.
echo "Cachet-shaped status page\\n";
`;

export function buildCachetTree(root: string, options: TreeOptions): void {
  const mistakes = options.mistakes ?? false;
  const files: Record<string, { content: string; mode: number }> = {};
  const add = (path: string, content: string, mode = 0o644): void => {
    files[path] = { content, mode };
  };

  add('artisan', ARTISAN, 0o755);
  add('public/index.php', INDEX_PHP);
  add('public/robots.txt', 'User-agent: *\nDisallow:\n');
  add('public/.htaccess', '<IfModule mod_rewrite.c>\n    RewriteEngine On\n    RewriteRule ^ index.php [L]\n</IfModule>\n');
  add('.env.example', typicalEnv(options.line, false).replace(/^(DB_PASSWORD|APP_KEY)=.*$/gm, '$1='));
  add('storage/logs/.gitignore', '*\n!.gitignore\n');
  add('storage/framework/cache/.gitignore', '*\n!.gitignore\n');
  add('storage/framework/sessions/.gitignore', '*\n!.gitignore\n');
  add('storage/framework/views/.gitignore', '*\n!.gitignore\n');
  add('storage/app/.gitignore', '*\n!.gitignore\n');
  add('bootstrap/cache/.gitignore', '*\n!.gitignore\n');
  add('config/app.php', "<?php\nreturn ['name' => 'Cachet'];\n");

  if (options.line === '2.x') {
    add('composer.json', JSON.stringify({ name: 'cachethq/cachet', require: { php: '^7.1.3', 'laravel/framework': '5.7.*' } }, null, 2));
    add('composer.lock', JSON.stringify({ packages: [{ name: 'laravel/framework', version: 'v5.7.29' }, { name: 'vlucas/phpdotenv', version: 'v2.6.9' }] }, null, 2));
    add('VERSION', `${options.version ?? '2.4.1'}\n`);
    add('bootstrap/cachet/.gitignore', '*\n!.gitignore\n');
  } else {
    add('composer.json', JSON.stringify({ name: 'cachethq/cachet', require: { php: '^8.2', 'cachethq/core': '^3.0', 'laravel/framework': '^11.0' } }, null, 2));
    add('composer.lock', JSON.stringify({ packages: [{ name: 'cachethq/core', version: 'dev-main' }, { name: 'vlucas/phpdotenv', version: 'v5.6.1' }] }, null, 2));
    add('vendor/cachethq/core/VERSION', `${options.version ?? '3.x-dev'}\n`);
    add('database/database.sqlite', '', 0o640);
  }

  add('.env', options.env ?? typicalEnv(options.line, mistakes), mistakes ? 0o644 : 0o640);
  if (options.configCache) {
    add('bootstrap/cache/config.php', "<?php return ['app' => ['debug' => false]];\n", mistakes ? 0o666 : 0o640);
  }
  if (mistakes) {
    add('public/.env.bak', options.env ?? typicalEnv(options.line, true), 0o644);
    add('storage/logs/laravel.log', '[2024-01-01 00:00:00] production.ERROR: demo log line\n', 0o666);
  }
  for (const [path, file] of Object.entries(options.files ?? {})) {
    if (typeof file === 'string') add(path, file);
    else add(path, file.content, file.mode);
  }

  for (const [path, file] of Object.entries(files)) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    chmodSync(target, file.mode);
  }
  chmodSync(root, 0o755);
  // With mistakes: the docs' old advice, `chmod -R 777 storage`. Without: closed to other users.
  const writableDirs = ['storage', 'storage/logs', 'storage/framework', 'storage/framework/cache', 'storage/framework/sessions', 'storage/framework/views', 'storage/app', 'bootstrap/cache'];
  if (options.line === '2.x') writableDirs.push('bootstrap/cachet');
  for (const dir of writableDirs) chmodSync(join(root, dir), mistakes ? 0o777 : 0o750);
}
