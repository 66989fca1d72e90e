// The report of an adapter (nginx or Apache) to the step: the config test and reload commands, the
// sites that reach the app, and for each the place where one include line of the drop-in goes.

import type { DropInSpec, SiteIssue, SiteView, WebServerKind } from './site.js';

export interface SiteTarget {
  server: WebServerKind;
  label: string;
  view: SiteView;
  /** File that holds the server block or virtual host, as the configuration names it. */
  file: string;
  /** Its real path: where a write lands when `file` is a symlink (sites-enabled → sites-available). */
  realFile: string;
  isDistroDefault: boolean;
  acme: Pick<DropInSpec, 'acme' | 'acmeRoot'>;
  /** An include of a file in our drop-in directory already inside this site, with its text span. */
  existingInclude: { path: string; start: number; end: number } | null;
  /** Offset in `fileText` where a new include line goes. */
  insertAt: number;
  /** Indentation of the directives inside the block, for the inserted line. */
  indent: string;
  /** The file's bytes as latin1 text (offsets are byte offsets). */
  fileText: string;
  /** Server-specific URIs that must be blocked (alias traversal forms). */
  extraProbes: string[];
  dropInDir: string;
}

export interface ServerInspection {
  kind: WebServerKind;
  mainFile: string;
  /** Result of the server's own configuration test, run before any change. */
  test: { ok: boolean; output: string; argv: string[] };
  reloadArgv: string[];
  /** Files that could not be read or parsed. */
  problems: string[];
  siteCount: number;
  targets: SiteTarget[];
  issues: SiteIssue[];
  dropInDir: string;
  /** Directories the configuration loads site files from (for a new site). */
  siteDirs: string[];
  /** Loaded modules (Apache); null for nginx. */
  modules: Set<string> | null;
  /** Directory that relative paths start from: nginx's conf directory, Apache's ServerRoot. */
  configDir: string;
}
