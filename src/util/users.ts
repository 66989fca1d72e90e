// User and group look-ups from /etc/passwd and /etc/group, read once per process.
// NOTE: users that exist only in NSS back-ends (LDAP, sssd) are not seen; the web user is normally local.

import { readFileSync } from 'node:fs';

interface Account {
  name: string;
  id: number;
  /** Primary group id (users only). */
  gid: number;
}

let users: Account[] | null = null;
let groups: Account[] | null = null;

function readTable(path: string): Account[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const rows: Account[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(':');
    const id = Number(fields[2]);
    if (!fields[0] || !Number.isInteger(id)) continue;
    rows.push({ name: fields[0], id, gid: Number(fields[3] ?? id) });
  }
  return rows;
}

function userTable(): Account[] {
  users ??= readTable('/etc/passwd');
  return users;
}

function groupTable(): Account[] {
  groups ??= readTable('/etc/group');
  return groups;
}

export function findUser(name: string): { uid: number; gid: number } | null {
  const row = userTable().find((account) => account.name === name);
  return row ? { uid: row.id, gid: row.gid } : null;
}

export function findGroup(name: string): number | null {
  return groupTable().find((account) => account.name === name)?.id ?? null;
}

export function userName(uid: number): string {
  return userTable().find((account) => account.id === uid)?.name ?? String(uid);
}

export function groupName(gid: number): string {
  return groupTable().find((account) => account.id === gid)?.name ?? String(gid);
}

/** `user:group` for display, with numeric ids where no name exists. */
export function ownerDisplay(uid: number, gid: number): string {
  return `${userName(uid)}:${groupName(gid)}`;
}
