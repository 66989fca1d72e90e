// Semantic styles for terminal output. Colour is decided once by the CLI (TTY, NO_COLOR, FORCE_COLOR,
// --no-color) and passed in; code asks for a role, never for a colour.

import type { Severity } from '../types.js';

const CODES = {
  critical: [1, 31],
  high: [31],
  medium: [33],
  low: [36],
  info: [2],
  heading: [1],
  path: [36],
  value: [35],
  ok: [32],
  error: [31],
  muted: [2],
  added: [32],
  removed: [31],
} as const satisfies Record<string, readonly number[]>;

export type Role = keyof typeof CODES;

export interface Styler {
  (role: Role, text: string): string;
  readonly color: boolean;
}

export function createStyler(color: boolean): Styler {
  const style = (role: Role, text: string): string => {
    if (!color) return text;
    return `\u001b[${CODES[role].join(';')}m${text}\u001b[0m`;
  };
  return Object.assign(style, { color });
}

export function severityLabel(style: Styler, severity: Severity): string {
  return style(severity, severity.toUpperCase().padEnd(8));
}

/** Decides whether to colour a stream, following the NO_COLOR and FORCE_COLOR conventions. */
export function shouldColor(
  stream: { isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
  noColorFlag: boolean,
): boolean {
  if (noColorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}
