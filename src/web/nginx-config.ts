// Reads the nginx configuration from the server's own view. `nginx -T` names every file the server loads
// and tests the syntax. The files are then read from disk (byte for byte, so a plan can edit them) and
// parsed with their includes resolved.

import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

import type { Context } from '../types.js';
import { expandGlob } from './glob.js';
import { parseNginxText, type NginxDirective } from './nginx-parse.js';

export const DEFAULT_NGINX_CONF = '/etc/nginx/nginx.conf';

export interface NginxInvocation {
  /** The nginx binary plus `-c`/`-p` when the run names a config or prefix. */
  base: string[];
  mainFile: string;
}

export interface NginxConfig {
  invocation: NginxInvocation;
  /** Directory that relative `include` paths start from (nginx's conf prefix). */
  confDir: string;
  directives: NginxDirective[];
  /** Every file read, as latin1 text so that offsets map 1:1 to bytes. */
  files: Map<string, string>;
  /** Files nginx -T listed; empty when the dump failed. */
  dumpedFiles: string[];
  test: { ok: boolean; output: string };
  /** Files that could not be read or parsed, with the reason. */
  problems: string[];
}

/** Builds the argv prefix for every nginx command of this run. */
export function nginxInvocation(options: { nginxConf: string | null; nginxPrefix?: string | null }): NginxInvocation {
  const base = ['nginx'];
  if (options.nginxPrefix) base.push('-p', options.nginxPrefix.endsWith('/') ? options.nginxPrefix : `${options.nginxPrefix}/`);
  if (options.nginxConf) base.push('-c', options.nginxConf);
  return { base, mainFile: options.nginxConf ?? DEFAULT_NGINX_CONF };
}

/** Returns null when nginx is neither installed nor configured. */
export async function readNginxConfig(ctx: Pick<Context, 'exec' | 'options'>): Promise<NginxConfig | null> {
  const invocation = nginxInvocation(ctx.options);
  const dump = await ctx.exec([...invocation.base, '-T'], { timeoutMs: 20_000 });
  // 127: the binary is missing (exec reports a command that cannot start like a shell does).
  if (dump.exitCode === 127) return null;

  let mainFile = invocation.mainFile;
  if (!ctx.options.nginxConf) {
    // A build with another --conf-path (RHEL, source builds) names its own default in `nginx -V`.
    const version = await ctx.exec(['nginx', '-V'], { timeoutMs: 10_000 });
    const confPath = /--conf-path=(\S+)/.exec(version.stderr + version.stdout)?.[1];
    if (confPath) mainFile = confPath;
  }
  if (!fileReadable(mainFile) && dump.exitCode !== 0) return null;

  const dumpedFiles = [...dump.stdout.matchAll(/^# configuration file (.+):$/gm)].map((match) => match[1]!);
  const dumpedText = splitDump(dump.stdout);
  const files = new Map<string, string>();
  const problems: string[] = [];
  const confDir = dirname(mainFile);

  const load = (path: string): NginxDirective[] | null => {
    let text = files.get(path);
    if (text === undefined) {
      try {
        text = readFileSync(path).toString('latin1');
      } catch (error) {
        const fromDump = dumpedText.get(path);
        if (fromDump === undefined) {
          problems.push(`${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
          return null;
        }
        text = fromDump;
      }
      files.set(path, text);
    }
    try {
      return resolveIncludes(parseNginxText(text, path));
    } catch (error) {
      problems.push((error as Error).message);
      return null;
    }
  };

  const seen = new Set<string>();
  const resolveIncludes = (list: NginxDirective[]): NginxDirective[] => {
    for (const directive of list) {
      if (directive.name === 'include' && directive.args.length === 1) {
        const pattern = isAbsolute(directive.args[0]!) ? directive.args[0]! : join(confDir, directive.args[0]!);
        directive.included = [];
        for (const path of expandGlob(pattern)) {
          // A file that includes itself (directly or through a cycle) would recurse forever; nginx rejects it too.
          if (seen.has(path)) continue;
          seen.add(path);
          const directives = load(path);
          seen.delete(path);
          if (directives) directive.included.push({ file: path, directives });
        }
      }
      if (directive.block) resolveIncludes(directive.block);
    }
    return list;
  };

  seen.add(mainFile);
  const directives = load(mainFile) ?? [];
  const output = `${dump.stderr}`.trim();
  return {
    invocation: { base: invocation.base, mainFile },
    confDir,
    directives,
    files,
    dumpedFiles,
    test: { ok: dump.exitCode === 0, output },
    problems,
  };
}

/** Splits `nginx -T` output into file → text (nginx prints one blank line after each file). */
function splitDump(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = stdout.split(/^# configuration file (.+):\n/m);
  for (let i = 1; i + 1 < parts.length; i += 2) out.set(parts[i]!, parts[i + 1]!.replace(/\n$/, ''));
  return out;
}

function fileReadable(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}
