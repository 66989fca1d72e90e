// APP_KEY as Laravel's encrypter reads it. Cachet 2.x and 3.x both use AES-256-CBC, which needs exactly
// 32 bytes: the raw value, or the base64 text after a `base64:` prefix (Illuminate\Encryption\Encrypter).

import { DEMO_APP_KEY } from '../demo/tree.js';
import { Secret } from '../util/secret.js';

export type AppKeyState =
  | { kind: 'missing' }
  | { kind: 'placeholder'; value: string }
  | { kind: 'wrong-length'; bytes: number; prefixed: boolean }
  | { kind: 'unprefixed-base64' }
  | { kind: 'known'; source: string }
  | { kind: 'valid'; prefixed: boolean };

/** Placeholders from example files: 2.3's `.env.example` ships `SomeRandomString`. */
const PLACEHOLDERS = new Set(['somerandomstring', 'base64:', 'changeme', 'your-app-key', 'base64:your-app-key']);

/**
 * Well-formed keys that are public, so anyone can forge session cookies and decrypt what they protect.
 * NOTE: only keys this project itself publishes (the demo tree); extend with keys found in public repos.
 */
const KNOWN_KEYS = new Map<string, string>([[DEMO_APP_KEY, 'the cachet-harden demo tree']]);

/** Classifies APP_KEY as env() returns it (null for an absent key or the `null` keyword). */
export function classifyAppKey(value: string | null): AppKeyState {
  if (value === null || value === '') return { kind: 'missing' };
  if (PLACEHOLDERS.has(value.toLowerCase())) return { kind: 'placeholder', value };

  const prefixed = value.startsWith('base64:');
  const bytes = prefixed ? Buffer.from(value.slice('base64:'.length), 'base64') : Buffer.from(value, 'utf8');
  if (bytes.length !== 32) {
    // A `key:generate --show` value pasted without its prefix: 44 base64 characters that decode to 32 bytes,
    // used as 44 raw bytes and so rejected.
    if (!prefixed && /^[A-Za-z0-9+/]{43}=$/.test(value) && Buffer.from(value, 'base64').length === 32) {
      return { kind: 'unprefixed-base64' };
    }
    return { kind: 'wrong-length', bytes: bytes.length, prefixed };
  }

  const source = KNOWN_KEYS.get(value);
  if (source !== undefined) return { kind: 'known', source };
  if (bytes.every((byte) => byte === bytes[0])) return { kind: 'known', source: 'a key of one repeated byte' };
  return { kind: 'valid', prefixed };
}

/** Generates a key as `php artisan key:generate` does: `base64:` and 32 random bytes. */
export function generateAppKey(): Secret {
  // Web Crypto's global, loaded on first use: importing node:crypto at the top would slow down `check`.
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(32));
  return new Secret(`base64:${Buffer.from(bytes).toString('base64')}`);
}

export function describeAppKey(state: AppKeyState): string {
  switch (state.kind) {
    case 'missing':
      return 'APP_KEY is empty or null';
    case 'placeholder':
      return 'APP_KEY is the placeholder from an example file';
    case 'wrong-length':
      return `APP_KEY ${state.prefixed ? 'decodes to' : 'is'} ${state.bytes} bytes; AES-256-CBC needs 32`;
    case 'unprefixed-base64':
      return 'APP_KEY is base64 text without the base64: prefix, so it is used as 44 raw bytes';
    case 'known':
      return `APP_KEY is public: ${state.source}`;
    case 'valid':
      return 'APP_KEY is well-formed';
  }
}
