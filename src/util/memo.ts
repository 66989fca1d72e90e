// Computes a value once per run and shares it between steps (e.g. the walk of the app tree).

import type { Context } from '../types.js';

export function memo<T>(ctx: Pick<Context, 'shared'>, key: string, compute: () => Promise<T>): Promise<T> {
  let value = ctx.shared.get(key) as Promise<T> | undefined;
  if (!value) {
    value = compute();
    ctx.shared.set(key, value);
  }
  return value;
}
