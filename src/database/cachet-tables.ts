// Cachet's tables, as its migrations create them (cachethq/cachet v2.4 database/migrations; for 3.x
// the cachethq/cachet 3.x app plus the cachethq/core package). Cachet 2.x puts DB_PREFIX in front of
// each name; 3.x has no prefix setting.

import type { CachetLine } from '../types.js';

export const CACHET_2_TABLES = [
  'actions',
  'cache',
  'component_groups',
  'components',
  'failed_jobs',
  'incident_components',
  'incident_templates',
  'incident_updates',
  'incidents',
  'invites',
  'jobs',
  'meta',
  'metric_points',
  'metrics',
  'notifications',
  'schedule_components',
  'schedules',
  'sessions',
  'settings',
  'subscribers',
  'subscriptions',
  'taggables',
  'tags',
  'users',
  'migrations',
] as const;

export const CACHET_3_TABLES = [
  'actions',
  'api_keys',
  'component_checks',
  'component_groups',
  'component_status_changes',
  'components',
  'incident_components',
  'incident_templates',
  'incidents',
  'invites',
  'meta',
  'metric_points',
  'metrics',
  'schedule_components',
  'schedules',
  'settings',
  'subscribers',
  'subscriptions',
  'taggables',
  'tags',
  'updates',
  'webhook_attempts',
  'webhook_subscriptions',
  'users',
  'password_reset_tokens',
  'failed_jobs',
  'personal_access_tokens',
  'migrations',
] as const;

/**
 * Table names for an install, prefix applied, with `settings` first: every Cachet request reads it, so
 * it is the table the login check writes to (inside a rolled-back transaction).
 */
export function cachetTables(line: CachetLine, prefix: string): string[] {
  const names: readonly string[] = line === '2.x' ? CACHET_2_TABLES : CACHET_3_TABLES;
  const ordered = ['settings', ...names.filter((name) => name !== 'settings')];
  return ordered.map((name) => `${line === '2.x' ? prefix : ''}${name}`);
}
