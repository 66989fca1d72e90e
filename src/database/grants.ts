// The privilege sets Cachet needs, and a reader for MySQL/MariaDB `SHOW GRANTS` output.

import type { CachetLine } from '../types.js';

/** Privileges Cachet uses on every request: DML only. */
export const RUNTIME_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

/**
 * Returns the privileges `php artisan migrate` and upgrades need on MySQL/MariaDB. 2.x migrations add and drop tables,
 * columns and indexes; 3.x (cachethq/core) also creates foreign keys, which MySQL checks against
 * REFERENCES (MariaDB ignores that privilege).
 */
export function migrationPrivileges(line: CachetLine): string[] {
  const ddl = ['CREATE', 'ALTER', 'INDEX', 'DROP'];
  return [...RUNTIME_PRIVILEGES, ...ddl, ...(line === '3.x' ? ['REFERENCES'] : [])];
}

export interface MysqlGrant {
  privileges: string[];
  /** `*.*`, `db`.* or `db`.`table` as printed; null for a role grant (`GRANT role TO user`). */
  object: string | null;
  level: 'global' | 'database' | 'table' | 'routine' | 'proxy' | 'role';
  /** Database name with GRANT's `\_`/`\%` escapes removed; null for global and role grants. */
  database: string | null;
  /** Whether the database part contains an unescaped `_` or `%` wildcard. */
  wildcard: boolean;
  grantOption: boolean;
  line: string;
}

const GRANT_LINE = /^GRANT (.+?) ON (PROCEDURE |FUNCTION )?(\S+) TO (.+?)(?: IDENTIFIED (?:BY|VIA|WITH) .*?)?( WITH GRANT OPTION)?$/s;
const ROLE_LINE = /^GRANT (.+?) TO (.+?)( WITH ADMIN OPTION)?$/s;

/** Parses one line of `SHOW GRANTS` output (MySQL 5.7/8.x and MariaDB 10.x formats). */
export function parseMysqlGrant(line: string): MysqlGrant {
  const match = GRANT_LINE.exec(line);
  if (match) {
    const [, privilegeList, routine, object] = match;
    const privileges = splitPrivileges(privilegeList!);
    const grantOption = match[5] !== undefined || privileges.includes('GRANT OPTION');
    if (privilegeList === 'PROXY') {
      return { privileges, object: object!, level: 'proxy', database: null, wildcard: false, grantOption, line };
    }
    const { database, table, wildcard } = splitObject(object!);
    let level: MysqlGrant['level'] = 'table';
    if (routine) level = 'routine';
    else if (database === null) level = 'global';
    else if (table === '*') level = 'database';
    return { privileges, object: object!, level, database, wildcard, grantOption, line };
  }
  const role = ROLE_LINE.exec(line);
  return {
    privileges: role ? [role[1]!] : [],
    object: null,
    level: 'role',
    database: null,
    wildcard: false,
    grantOption: role?.[3] !== undefined,
    line,
  };
}

// Privileges are comma-separated; column privileges carry a parenthesised column list with commas.
function splitPrivileges(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const character of list) {
    if (character === '(') depth++;
    if (character === ')') depth--;
    if (character === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else {
      current += character;
    }
  }
  if (current.trim() !== '') out.push(current.trim());
  return out.map((privilege) => privilege.replace(/\s+/g, ' ').toUpperCase().replace(/^ALL$/, 'ALL PRIVILEGES'));
}

function splitObject(object: string): { database: string | null; table: string | null; wildcard: boolean } {
  if (object === '*.*' || object === '*') return { database: null, table: null, wildcard: false };
  const match = /^(`(?:[^`]|``)*`|[^.`]+)\.(`(?:[^`]|``)*`|\*|[^.`]+)$/.exec(object);
  if (!match) return { database: object, table: null, wildcard: false };
  const rawDatabase = unquote(match[1]!);
  const wildcard = /(^|[^\\])[_%]/.test(rawDatabase);
  return { database: rawDatabase.replace(/\\([\\_%])/g, '$1'), table: match[2] === '*' ? '*' : unquote(match[2]!), wildcard };
}

function unquote(name: string): string {
  return name.startsWith('`') ? name.slice(1, -1).replace(/``/g, '`') : name;
}

export interface MysqlGrantSummary {
  /** Privileges on `*.*` other than USAGE (ALL PRIVILEGES, SUPER, FILE, ...). */
  global: string[];
  grantOption: boolean;
  /** Grant lines on objects outside Cachet's database (other databases, wildcard patterns, routines, proxies). */
  elsewhere: string[];
  /** Privileges on Cachet's database or its tables. */
  onDatabase: Set<string>;
  roles: string[];
}

/** Sorts grant lines by what they reach, relative to Cachet's database. */
export function summariseMysqlGrants(lines: string[], database: string): MysqlGrantSummary {
  const summary: MysqlGrantSummary = { global: [], grantOption: false, elsewhere: [], onDatabase: new Set(), roles: [] };
  for (const line of lines) {
    const grant = parseMysqlGrant(line);
    if (grant.grantOption) summary.grantOption = true;
    const privileges = grant.privileges.filter((privilege) => privilege !== 'GRANT OPTION');

    if (grant.level === 'role') summary.roles.push(...privileges);
    else if (grant.level === 'global') summary.global.push(...privileges.filter((privilege) => privilege !== 'USAGE'));
    // An unescaped `_` makes the grant a pattern that also matches similar names. It still covers
    // Cachet's database, and that is what the privilege check is about.
    else if (grant.database === database && grant.level !== 'routine' && grant.level !== 'proxy') {
      for (const privilege of privileges) summary.onDatabase.add(privilege);
    } else if (grant.level !== 'proxy' || privileges.length > 0) {
      summary.elsewhere.push(line);
    }
  }
  return summary;
}

/** Privileges on Cachet's database beyond the runtime set; ALL PRIVILEGES stands for itself. */
export function excessDatabasePrivileges(onDatabase: Set<string>): string[] {
  const allowed = new Set<string>(RUNTIME_PRIVILEGES);
  return [...onDatabase].filter((privilege) => !allowed.has(privilege.replace(/ \(.*\)$/, '')));
}
