// Reads the Apache httpd configuration from the server's own view: `-V` for the main file, `-S` for the
// virtual hosts and ServerRoot, `-M` for loaded modules, `-t` for the syntax; then parses the files,
// resolving Include/IncludeOptional, Define and ${VAR}, and <IfModule>/<IfDefine>/<IfFile>.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

import type { Context } from '../types.js';
import { parseApacheText, type ApacheNode } from './apache-parse.js';
import { expandGlob } from './glob.js';

export interface ApacheInvocation {
  /** argv prefix for every command: apache2ctl, or the binary with -f (wrapped to source envvars). */
  base: string[];
  /** apache2ctl/apachectl take `graceful` and `configtest`; a binary takes `-k graceful` and `-t`. */
  mode: 'ctl' | 'binary';
}

/** A node with its conditionals evaluated and includes expanded; sections carry `effective` children. */
export interface ApacheEffective extends ApacheNode {
  effective?: ApacheEffective[];
}

export interface ApacheVhostListing {
  file: string;
  line: number;
  isDefault: boolean;
}

export interface ApacheConfig {
  invocation: ApacheInvocation;
  mainFile: string;
  serverRoot: string;
  modules: Set<string>;
  /** Top-level nodes, effective. */
  nodes: ApacheEffective[];
  files: Map<string, string>;
  /** Virtual hosts as `-S` lists them. */
  listed: ApacheVhostListing[];
  mainDocumentRoot: string | null;
  test: { ok: boolean; output: string; argv: string[] };
  reloadArgv: string[];
  problems: string[];
}

/** Built into Debian's and RHEL's httpd binaries; `-M` lists them as static. */
const STATIC_MODULES = ['core_module', 'so_module', 'watchdog_module', 'http_module', 'log_config_module', 'logio_module', 'version_module', 'unixd_module'];

export async function readApacheConfig(ctx: Pick<Context, 'exec' | 'options'>): Promise<ApacheConfig | null> {
  const invocation = await apacheInvocation(ctx);
  if (!invocation) return null;

  const version = await ctx.exec([...invocation.base, '-V'], { timeoutMs: 10_000 });
  let mainFile = ctx.options.apacheConf;
  if (!mainFile) {
    const root = /HTTPD_ROOT="([^"]+)"/.exec(version.stdout)?.[1] ?? '/etc/apache2';
    const conf = /SERVER_CONFIG_FILE="([^"]+)"/.exec(version.stdout)?.[1] ?? 'apache2.conf';
    mainFile = isAbsolute(conf) ? conf : join(root, conf);
  }
  if (!existsSync(mainFile)) return null;

  const testArgv = invocation.mode === 'ctl' ? [...invocation.base, 'configtest'] : [...invocation.base, '-t'];
  const test = await ctx.exec(testArgv, { timeoutMs: 20_000 });
  const listing = await ctx.exec([...invocation.base, '-S'], { timeoutMs: 20_000 });
  const moduleList = await ctx.exec([...invocation.base, '-M'], { timeoutMs: 20_000 });

  const httpdRoot = /HTTPD_ROOT="([^"]+)"/.exec(version.stdout)?.[1] ?? dirname(mainFile);
  const serverRoot = /^ServerRoot: "([^"]+)"/m.exec(listing.stdout)?.[1] ?? httpdRoot;
  const modules = new Set<string>();
  for (const match of moduleList.stdout.matchAll(/^\s*(\w+_module) \((?:static|shared)\)/gm)) modules.add(match[1]!);
  const env = await readEnvvars(ctx, mainFile);

  const reader = new TreeReader(serverRoot, env, moduleList.exitCode === 0 && modules.size > 0 ? modules : null);
  const nodes = reader.load(mainFile) ?? [];

  return {
    invocation,
    mainFile,
    serverRoot: reader.serverRoot,
    modules: reader.modules,
    nodes,
    files: reader.files,
    listed: parseVhostListing(listing.stdout),
    mainDocumentRoot: /^Main DocumentRoot: "([^"]+)"/m.exec(listing.stdout)?.[1] ?? null,
    test: { ok: test.exitCode === 0, output: `${test.stdout}${test.stderr}`.trim(), argv: testArgv },
    reloadArgv: invocation.mode === 'ctl' ? [...invocation.base, 'graceful'] : [...invocation.base, '-k', 'graceful'],
    problems: reader.problems,
  };
}

/**
 * With --apache-conf, runs the binary with -f; Debian's apache2.conf reads APACHE_* variables, so when an
 * `envvars` file sits beside the config it is sourced first, as apache2ctl does.
 */
async function apacheInvocation(ctx: Pick<Context, 'exec' | 'options'>): Promise<ApacheInvocation | null> {
  const conf = ctx.options.apacheConf;
  if (conf) {
    for (const binary of ['apache2', 'httpd']) {
      const probe = await ctx.exec([binary, '-v'], { timeoutMs: 10_000 });
      if (probe.exitCode === 127) continue;
      const envvars = join(dirname(conf), 'envvars');
      const base = existsSync(envvars) ? ['sh', '-c', '. "$0" && exec "$@"', envvars, binary, '-f', conf] : [binary, '-f', conf];
      return { base, mode: 'binary' };
    }
    return null;
  }
  for (const ctl of ['apache2ctl', 'apachectl']) {
    const probe = await ctx.exec([ctl, '-v'], { timeoutMs: 10_000 });
    if (probe.exitCode !== 127) return { base: [ctl], mode: 'ctl' };
  }
  return null;
}

async function readEnvvars(ctx: Pick<Context, 'exec'>, mainFile: string): Promise<Record<string, string>> {
  const envvars = join(dirname(mainFile), 'envvars');
  if (!existsSync(envvars)) return {};
  const result = await ctx.exec(['sh', '-c', '. "$0" >/dev/null 2>&1; env', envvars], { timeoutMs: 10_000 });
  const env: Record<string, string> = {};
  for (const line of result.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && line.startsWith('APACHE_')) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/** Parses `-S` lines such as `*:80   www.example.com (/etc/apache2/sites-enabled/000-default.conf:1)`. */
export function parseVhostListing(stdout: string): ApacheVhostListing[] {
  const out: ApacheVhostListing[] = [];
  for (const line of stdout.split('\n')) {
    const match = /\((\/[^()]+):(\d+)\)\s*$/.exec(line);
    if (!match) continue;
    const entry = { file: match[1]!, line: Number(match[2]), isDefault: /^\s*default server /.test(line) || /^\S+\s+\S+\s+\(/.test(line) };
    const known = out.find((listed) => listed.file === entry.file && listed.line === entry.line);
    if (known) known.isDefault ||= entry.isDefault;
    else out.push(entry);
  }
  return out;
}

class TreeReader {
  readonly files = new Map<string, string>();
  readonly problems: string[] = [];
  readonly modules: Set<string>;
  private readonly defines = new Map<string, string>();
  private readonly loading = new Set<string>();

  constructor(
    public serverRoot: string,
    private readonly env: Record<string, string>,
    modules: Set<string> | null,
  ) {
    this.modulesFromServer = modules !== null;
    this.modules = modules ?? new Set(STATIC_MODULES);
  }

  private readonly modulesFromServer: boolean;

  load(path: string): ApacheEffective[] | null {
    let text = this.files.get(path);
    if (text === undefined) {
      try {
        text = readFileSync(path).toString('latin1');
      } catch (error) {
        this.problems.push(`${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        return null;
      }
      this.files.set(path, text);
    }
    if (this.loading.has(path)) return [];
    this.loading.add(path);
    try {
      return this.expand(parseApacheText(text, path));
    } catch (error) {
      this.problems.push((error as Error).message);
      return null;
    } finally {
      this.loading.delete(path);
    }
  }

  private expand(nodes: ApacheNode[]): ApacheEffective[] {
    const out: ApacheEffective[] = [];
    for (const node of nodes) {
      const name = node.name.toLowerCase();
      const args = node.args.map((arg) => this.substitute(arg));
      const current: ApacheEffective = { ...node, args };

      if (name === 'define') this.defines.set(args[0] ?? '', args[1] ?? '');
      else if (name === 'undefine') this.defines.delete(args[0] ?? '');
      else if (name === 'serverroot' && args[0]) this.serverRoot = args[0];
      else if (name === 'loadmodule' && args[0] && !this.modulesFromServer) this.modules.add(args[0]);

      if (name === 'include' || name === 'includeoptional') {
        out.push(current);
        for (const file of this.resolveInclude(args[0] ?? '')) out.push(...(this.load(file) ?? []));
        continue;
      }
      if (node.children) {
        const verdict = this.condition(name, args);
        if (verdict === true) {
          out.push(...this.expand(node.children));
          continue;
        }
        if (verdict === false) continue;
        current.effective = this.expand(node.children);
      }
      out.push(current);
    }
    return out;
  }

  /** true/false for a conditional section, null for any other section. */
  private condition(name: string, args: string[]): boolean | null {
    const raw = args[0] ?? '';
    const negated = raw.startsWith('!');
    const subject = negated ? raw.slice(1) : raw;
    let result: boolean;
    if (name === 'ifmodule') result = this.modules.has(moduleName(subject));
    else if (name === 'ifdefine') result = this.defines.has(subject);
    else if (name === 'iffile') result = existsSync(isAbsolute(subject) ? subject : join(this.serverRoot, subject));
    // <IfVersion> and <IfDirective>: this step targets 2.4, whose directives the config would test for.
    else if (name === 'ifversion' || name === 'ifdirective' || name === 'ifsection') return true;
    else return null;
    return negated ? !result : result;
  }

  private resolveInclude(pattern: string): string[] {
    const absolute = isAbsolute(pattern) ? pattern : join(this.serverRoot, pattern);
    const out: string[] = [];
    for (const path of expandGlob(absolute)) {
      // An included directory means every file below it, in sorted order.
      if (isDirectory(path)) out.push(...listFilesRecursive(path));
      else out.push(path);
    }
    return out;
  }

  private substitute(arg: string): string {
    return arg.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => this.defines.get(name) ?? this.env[name] ?? whole);
  }
}

/** `mod_rewrite.c` and `rewrite_module` name the same module. */
export function moduleName(name: string): string {
  const match = /^mod_(\w+)\.c$/.exec(name);
  return match ? `${match[1]}_module` : name;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function listFilesRecursive(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (isDirectory(path)) out.push(...listFilesRecursive(path));
    else out.push(path);
  }
  return out;
}
