// Builds dist/ once before the suite, so tests that run the real CLI run the current source.
// scripts/test.sh already builds; CACHET_HARDEN_SKIP_BUILD=1 skips the second build there.

import { execFileSync } from 'node:child_process';

export default function setup(): void {
  if (process.env.CACHET_HARDEN_SKIP_BUILD === '1') return;
  execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
