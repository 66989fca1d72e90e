// The database step: replace the credentials Cachet uses with a least-privilege account, proven by a
// real login before `.env` changes and before the old account is touched.

import { ACCOUNT_FINDINGS, DATABASE_CATALOGUE } from '../database/catalogue.js';
import { engineOf, inspectDatabase, type DbInspection } from '../database/inspect.js';
import { defaultRuntimeUser, planDatabase, recommendedMysqlHost } from '../database/plan.js';
import { DEFAULT_PG_SOCKET_DIR } from '../database/admin.js';
import type { Choice, Choices, Context, Finding, Plan, Step } from '../types.js';
import { findServerEnvLines, serverConfigDirs, type ServerEnvLine } from '../scan/server-config.js';
import { memo } from '../util/memo.js';

const INSPECTION_KEY = 'database.inspection';

// choices() is synchronous, so it reads the inspection that inspect() finished, when there is one.
const settledInspections = new WeakMap<Context, DbInspection>();

async function inspection(ctx: Context): Promise<DbInspection> {
  const result = await memo(ctx, INSPECTION_KEY, () => inspectDatabase(ctx));
  settledInspections.set(ctx, result);
  return result;
}

export const step: Step = {
  id: 'database',
  title: 'Database credentials and least privilege',
  choiceKeys: [
    'adminVia',
    'adminSocket',
    'adminHost',
    'adminPort',
    'adminUser',
    'adminPassword',
    'adminPasswordEnv',
    'runtimeUser',
    'migrationUser',
    'migrationUserName',
    'retireOld',
    'accountHost',
  ],
  catalogue: DATABASE_CATALOGUE,

  async inspect(ctx: Context): Promise<Finding[]> {
    return (await inspection(ctx)).findings;
  },

  choices(ctx: Context, findings: Finding[]): Choice[] {
    const engine = engineOf(ctx.install.db.driver);
    if (engine !== 'mysql' && engine !== 'pgsql') return [];
    const ids = new Set(findings.map((f) => f.id));
    const replace = [...ids].some((id) => ACCOUNT_FINDINGS.has(id));
    if (!replace && !ids.has('db.public-schema-create') && !ids.has('db.public-connect')) return [];
    return [...adminChoices(ctx, engine), ...(replace ? accountChoices(ctx, engine, findings) : [])];
  },

  async plan(ctx: Context, findings: Finding[], choices: Choices): Promise<Plan> {
    const shadowing = serverConfigCredentials(ctx);
    if (shadowing.length === 0) return planDatabase(ctx, await inspection(ctx), findings, choices);

    // A DB_* variable set in server config wins over .env, so after the swap the site may still log in
    // with the old account: locking or dropping it then would take the site down.
    const where = shadowing.map((line) => `${line.key} at ${line.file}:${line.line}`).join(', ');
    const plan = await planDatabase(ctx, await inspection(ctx), findings, { ...choices, retireOld: 'keep' });
    plan.notes.push(
      `Web-server or PHP-FPM config sets ${where}, which wins over .env: update or remove those lines, ` +
        'reload the server, then lock the old account by hand. It is kept for now.',
    );
    return plan;
  },
};

function viaTcp(values: Choices): boolean {
  return values.adminVia === 'tcp';
}

function adminChoices(ctx: Context, engine: 'mysql' | 'pgsql'): Choice[] {
  const db = ctx.install.db;
  const isMysql = engine === 'mysql';
  return [
    {
      key: 'adminVia',
      message: 'How should the changes reach the database server as an administrator?',
      options: isMysql
        ? [
            { value: 'socket', label: 'root over the local unix socket (no password)' },
            { value: 'tcp', label: 'an administrator account over TCP, with a password' },
          ]
        : [
            { value: 'runuser', label: 'the local postgres superuser (runuser -u postgres -- psql)' },
            { value: 'tcp', label: 'an administrator role over TCP, with a password' },
          ],
      recommended: isMysql ? 'socket' : 'runuser',
      help: 'The administrator account is used for this run only; it is neither changed nor stored.',
    },
    {
      key: 'adminSocket',
      message: isMysql ? 'MySQL/MariaDB socket path' : 'PostgreSQL socket directory',
      type: 'input',
      options: [],
      recommended: db.socket ?? (isMysql ? '/run/mysqld/mysqld.sock' : DEFAULT_PG_SOCKET_DIR),
      when: (values) => values.adminVia !== 'tcp',
    },
    { key: 'adminHost', message: 'Administrator host (TCP)', type: 'input', options: [], recommended: db.host ?? '127.0.0.1', when: viaTcp },
    {
      key: 'adminPort',
      // PostgreSQL's socket file name carries the port, so runuser access needs it too.
      message: isMysql ? 'Administrator port (TCP)' : 'PostgreSQL port',
      type: 'input',
      options: [],
      recommended: String(db.port ?? (isMysql ? 3306 : 5432)),
      when: (values) => !isMysql || viaTcp(values),
    },
    {
      key: 'adminUser',
      message: 'Administrator user name',
      type: 'input',
      options: [],
      recommended: isMysql ? 'root' : 'postgres',
      when: (values) => isMysql || viaTcp(values),
    },
    {
      key: 'adminPassword',
      message: 'Administrator password',
      type: 'password',
      options: [],
      recommended: '',
      help: 'Unattended runs name an environment variable instead: "adminPasswordEnv": "VAR".',
      when: viaTcp,
    },
  ];
}

function accountChoices(ctx: Context, engine: 'mysql' | 'pgsql', findings: Finding[]): Choice[] {
  const db = ctx.install.db;
  const choices: Choice[] = [
    {
      key: 'runtimeUser',
      message: 'Name of the new account Cachet will run with (SELECT, INSERT, UPDATE, DELETE only)',
      type: 'input',
      options: [],
      recommended: defaultRuntimeUser(db.username),
    },
    {
      key: 'migrationUser',
      message: engine === 'mysql' ? 'Also create a migration account for upgrades (adds CREATE, ALTER, INDEX, DROP)?' : 'Also create an owner role for upgrades and hand it Cachet\'s tables?',
      type: 'confirm',
      options: [
        { value: 'yes', label: 'yes' },
        { value: 'no', label: 'no' },
      ],
      recommended: 'no',
      help: 'Upgrades (php artisan migrate) need schema rights the runtime account lacks. Its credentials go to a root-only file in the state directory.',
    },
    {
      key: 'migrationUserName',
      message: 'Name of the migration account',
      type: 'input',
      options: [],
      recommended: engine === 'mysql' ? 'cachet_migrate' : 'cachet_owner',
      when: (values) => values.migrationUser === 'yes',
    },
    {
      key: 'retireOld',
      message: `What should happen to the old account (${db.username ?? 'unknown'}) once the new one works?`,
      options: [
        { value: 'keep', label: 'keep it as it is' },
        { value: 'lock', label: 'lock it (no new logins; undone by rollback)' },
        { value: 'drop', label: 'drop it (cannot be undone)' },
      ],
      // Locking is reversible and ends the weak or over-privileged login; dropping is never the default.
      recommended: isRetirable(db.username, engine, findings) ? 'lock' : 'keep',
    },
  ];
  if (engine === 'mysql') {
    choices.push({
      key: 'accountHost',
      message: "Host part of the new account ('localhost' for the unix socket, 127.0.0.1 for TCP, never '%')",
      type: 'input',
      options: [],
      recommended: recommendedHost(ctx),
    });
  }
  return choices;
}

function isRetirable(username: string | null, engine: 'mysql' | 'pgsql', findings: Finding[]): boolean {
  if (!username || findings.some((f) => f.id === 'db.login-failed')) return false;
  if (engine === 'mysql') return username !== 'root';
  return username !== 'postgres' && !findings.some((f) => f.id === 'db.superuser-account');
}

function recommendedHost(ctx: Context): string | undefined {
  const settled = settledInspections.get(ctx);
  if (settled) return recommendedMysqlHost(settled) ?? undefined;
  const db = ctx.install.db;
  if (db.socket || !db.host || db.host === 'localhost') return 'localhost';
  if (db.host === '127.0.0.1' || db.host === '::1') return db.host;
  return undefined;
}

const CREDENTIAL_KEYS = new Set(['DB_HOST', 'DB_PORT', 'DB_DATABASE', 'DB_USERNAME', 'DB_PASSWORD']);

/** DB_* lines in web-server and PHP-FPM config (Apache SetEnv, nginx fastcgi_param, FPM env[]). */
function serverConfigCredentials(ctx: Context): ServerEnvLine[] {
  return findServerEnvLines(serverConfigDirs(ctx.options)).filter((line) => CREDENTIAL_KEYS.has(line.key));
}
