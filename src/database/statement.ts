// Builds SqlStatement values: the SQL with placeholders, its parameters, and a preview in which every
// Secret parameter reads as the mask.

import type { SqlStatement } from '../plan/changes.js';
import { MASK, Secret } from '../util/secret.js';
import { bindParameters, type Placeholder } from './identifiers.js';

export function sqlStatement(style: Placeholder, sql: string, params: Array<string | Secret> = []): SqlStatement {
  const masked = params.map((param) => (param instanceof Secret ? MASK : param));
  return {
    sql,
    ...(params.length > 0 ? { params } : {}),
    preview: params.length > 0 ? bindParameters(sql, masked, style) : sql,
  };
}
