// The database step's findings: stable ids, severities and the fixed wording.

import type { FindingDefinition } from '../types.js';

const entries: Array<Omit<FindingDefinition, 'step'>> = [
  {
    id: 'db.login-failed',
    severity: 'high',
    title: 'Cachet cannot log in to its database with the credentials in .env',
    why: 'Either the site is down, or the credentials that work come from somewhere else (server config variables), so changing .env alone changes nothing.',
    fix: 'Check DB_HOST, DB_PORT, DB_USERNAME and DB_PASSWORD, and any SetEnv/fastcgi_param/env[] lines that set them.',
  },
  {
    id: 'db.default-credentials',
    severity: 'critical',
    title: 'Database credentials are a published default',
    why: 'Pairs such as homestead/secret (Cachet 2.x example .env) and postgres/postgres (Cachet 2.x Docker image) are the first thing anyone tries.',
    fix: 'Replace the account with a new one that has a generated password.',
  },
  {
    id: 'db.empty-password',
    severity: 'critical',
    title: 'The database account has no password',
    why: 'Anyone who can reach the server or its socket as that user name gets Cachet\'s data.',
    fix: 'Replace the account with a new one that has a generated password.',
  },
  {
    id: 'db.password-equals-user',
    severity: 'critical',
    title: 'The database password equals the user name',
    why: 'It is guessed as easily as a default password.',
    fix: 'Replace the account with a new one that has a generated password.',
  },
  {
    id: 'db.weak-password',
    severity: 'high',
    title: 'The database password is short or common',
    why: 'A short or dictionary password falls to guessing, and Cachet\'s password reaches the server on every request.',
    fix: 'Replace the account with a new one that has a generated 40-character password.',
  },
  {
    id: 'db.root-account',
    severity: 'critical',
    title: 'Cachet logs in to MySQL/MariaDB as root',
    why: 'Any SQL injection or leaked .env then controls every database on the server, and the server itself through FILE and SUPER.',
    fix: 'Give Cachet its own account with only the privileges it needs; leave root to administrators.',
  },
  {
    id: 'db.superuser-account',
    severity: 'critical',
    title: 'Cachet logs in to PostgreSQL as a superuser',
    why: 'A superuser bypasses every permission check and can run programs on the server (COPY ... PROGRAM).',
    fix: 'Give Cachet a role without superuser rights and only the privileges it needs.',
  },
  {
    id: 'db.global-privileges',
    severity: 'critical',
    title: 'The database account has server-wide privileges',
    why: 'Privileges on *.* reach every database on the server; FILE, SUPER and PROCESS reach the server itself.',
    fix: 'Replace the account with one that has SELECT, INSERT, UPDATE and DELETE on Cachet\'s database only.',
  },
  {
    id: 'db.grant-option',
    severity: 'high',
    title: 'The database account can grant its privileges to others',
    why: 'WITH GRANT OPTION lets a stolen login create more logins.',
    fix: 'Replace the account with one that has no GRANT OPTION.',
  },
  {
    id: 'db.other-databases',
    severity: 'medium',
    title: 'The database account has privileges outside Cachet\'s database',
    why: 'A leaked Cachet password should not expose other applications\' data.',
    fix: 'Replace the account with one whose grants name only Cachet\'s database.',
  },
  {
    id: 'db.all-privileges',
    severity: 'high',
    title: 'The database account has ALL PRIVILEGES on Cachet\'s database',
    why: 'ALL includes DROP, ALTER, CREATE ROUTINE, EVENT and TRIGGER: an SQL injection can destroy or backdoor the data.',
    fix: 'Give the runtime account SELECT, INSERT, UPDATE and DELETE; keep schema changes for a migration account.',
  },
  {
    id: 'db.ddl-privileges',
    severity: 'medium',
    title: 'The account Cachet runs with can change the schema',
    why: 'Cachet needs schema rights only during installs and upgrades; at run time they only widen what an SQL injection can do.',
    fix: 'Run Cachet with a DML-only account and use a separate migration (owner) account for upgrades.',
  },
  {
    id: 'db.role-attributes',
    severity: 'high',
    title: 'The PostgreSQL role can create roles or databases',
    why: 'CREATEROLE lets a stolen login make new logins; CREATEDB lets it fill the disk.',
    fix: 'Run Cachet with a role that has neither attribute.',
  },
  {
    id: 'db.any-host',
    severity: 'medium',
    title: 'The MySQL/MariaDB account accepts logins from any host',
    why: "An account at host '%' takes the password from anywhere that can reach the port, not only from the web server.",
    fix: 'Create the account for the host PHP connects from (localhost for the socket, 127.0.0.1 for TCP).',
  },
  {
    id: 'db.legacy-auth-plugin',
    severity: 'high',
    title: 'The MySQL account uses the pre-4.1 password hash',
    why: 'mysql_old_password hashes are trivially cracked from a sniffed login or a dump of mysql.user.',
    fix: 'Replace the account with one that uses the server\'s default authentication plugin.',
  },
  {
    id: 'db.public-schema-create',
    severity: 'medium',
    title: 'Every PostgreSQL role may create objects in Cachet\'s schema',
    why: 'With CREATE granted to PUBLIC (the default before PostgreSQL 15) any login can plant functions or tables that shadow Cachet\'s.',
    fix: 'REVOKE CREATE ON SCHEMA ... FROM PUBLIC and grant CREATE only to the role that runs migrations.',
  },
  {
    id: 'db.public-connect',
    severity: 'low',
    title: 'Every PostgreSQL role may connect to Cachet\'s database',
    why: 'CONNECT for PUBLIC is PostgreSQL\'s default; any other login on the cluster can open Cachet\'s database and read its catalogs.',
    fix: 'REVOKE CONNECT ON DATABASE ... FROM PUBLIC and grant it to Cachet\'s roles.',
  },
  {
    id: 'db.sqlite-in-webroot',
    severity: 'critical',
    title: 'The SQLite database file is inside the web root',
    why: 'Unless the web server blocks it, anyone can download the whole database, password hashes and API keys included.',
    fix: 'Move the file out of public/ and point DB_DATABASE at the new path.',
  },
  {
    id: 'db.sqlite-permissions',
    severity: 'high',
    title: 'The SQLite database file is readable or writable by every local user',
    why: 'Any local account or compromised service can read or change Cachet\'s data.',
    fix: 'Remove the "other" permission bits from the database file and its -wal, -shm and -journal files.',
  },
  {
    id: 'db.unsupported-driver',
    severity: 'info',
    title: 'The database driver is not one this tool checks',
    why: 'Only mysql, mariadb, pgsql and sqlite are inspected.',
    fix: 'Review the account\'s privileges by hand.',
  },
];

export const DATABASE_CATALOGUE: readonly FindingDefinition[] = entries.map((entry) => ({ ...entry, step: 'database' }));

const byId = new Map(DATABASE_CATALOGUE.map((definition) => [definition.id, definition]));

export type DatabaseFindingId = (typeof entries)[number]['id'];

export function definitionOf(id: string): FindingDefinition {
  const definition = byId.get(id);
  if (!definition) throw new Error(`Unknown database finding id ${id}`);
  return definition;
}

/** Findings that mean "Cachet's account must be replaced"; the others are about the database itself. */
export const ACCOUNT_FINDINGS = new Set([
  'db.default-credentials',
  'db.empty-password',
  'db.password-equals-user',
  'db.weak-password',
  'db.root-account',
  'db.superuser-account',
  'db.global-privileges',
  'db.grant-option',
  'db.other-databases',
  'db.all-privileges',
  'db.ddl-privileges',
  'db.role-attributes',
  'db.any-host',
  'db.legacy-auth-plugin',
]);
