// Published advisories for Cachet and the versions they affect. cachethq/cachet's 2.x line (2.3, 2.4)
// never received the 2021 fixes. The fiveai/Cachet fork fixed CVE-2021-39165 in 2.5.0 and the other
// three in 2.5.1. CVE-2023-43661 (Twig template injection) is fixed in v2.4.0. None of these apply to
// the 3.x line.

import type { CachetLine, Severity } from '../types.js';

export interface Advisory {
  id: string;
  severity: Severity;
  title: string;
  /** First fixed version, or null when only the fork fixed it. */
  fixedIn: string;
  /** Whether a 2.x version is affected; null version means unknown. */
  affects(version: Version | null): boolean;
}

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Text after `-`, e.g. `dev`. */
  suffix: string | null;
}

export const ADVISORIES: readonly Advisory[] = [
  {
    id: 'CVE-2021-39165',
    severity: 'critical',
    title: 'unauthenticated SQL injection through the public API search',
    fixedIn: 'fiveai/Cachet 2.5.0',
    affects: (version) => version === null || below(version, 2, 5, 0),
  },
  {
    id: 'CVE-2021-39172',
    severity: 'high',
    title: 'newline injection into .env from the dashboard mail settings (code execution)',
    fixedIn: 'fiveai/Cachet 2.5.1',
    affects: (version) => version === null || below(version, 2, 5, 1),
  },
  {
    id: 'CVE-2021-39173',
    severity: 'high',
    title: 'forced reinstall by emptying the app_name setting',
    fixedIn: 'fiveai/Cachet 2.5.1',
    affects: (version) => version === null || below(version, 2, 5, 1),
  },
  {
    id: 'CVE-2021-39174',
    severity: 'high',
    title: '${...} expansion in dashboard settings leaks any .env value, DB_PASSWORD and APP_KEY included',
    fixedIn: 'fiveai/Cachet 2.5.1',
    affects: (version) => version === null || below(version, 2, 5, 1),
  },
  {
    id: 'CVE-2023-43661',
    severity: 'high',
    title: 'Twig template injection by dashboard users (code execution)',
    fixedIn: 'cachethq/cachet 2.4.0',
    // The v2.4.0 and v2.4.1 tags both record `2.4.0-dev`, so a `-dev` suffix counts as that release.
    affects: (version) => version === null || below(version, 2, 4, 0),
  },
];

/** Parses `2.4.0-dev`, `v2.3.18`, `2.5.1`; `3.x-dev` and other text give null. */
export function parseVersion(text: string | null): Version | null {
  if (text === null) return null;
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([\w.]+))?$/.exec(text.trim());
  if (!match) return null;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0), suffix: match[4] ?? null };
}

/** The advisories that apply to an install of this line and recorded version. */
export function advisoriesFor(line: CachetLine, versionText: string | null): Advisory[] {
  if (line === '3.x') return [];
  const version = parseVersion(versionText);
  if (version !== null && version.major !== 2) return [];
  return ADVISORIES.filter((advisory) => advisory.affects(version));
}

function below(version: Version, major: number, minor: number, patch: number): boolean {
  if (version.major !== major) return version.major < major;
  if (version.minor !== minor) return version.minor < minor;
  return version.patch < patch;
}
