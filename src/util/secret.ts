// A string that must never reach output: JSON, logs, util.inspect and template literals all see a mask.

import { inspect } from 'node:util';

export const MASK = '********';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** Returns the real value, for drivers, stdin and files that are meant to contain it. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return `Secret(${MASK})`;
  }
}

/** Masks a secret for evidence: shows only whether it is empty, never a character or its length. */
export function maskValue(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '(empty)';
  return MASK;
}

/** Replaces every occurrence of each secret in text with the mask; longest secrets first. */
export function redact(text: string, secrets: Iterable<string>): string {
  const sorted = [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of sorted) out = out.split(secret).join(MASK);
  return out;
}
