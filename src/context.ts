// Builds the Context every step and the executor receive: the install, the run options and injected I/O.

import type { CliOptions } from './cli-options.js';
import type { Context, Install, RunOptions } from './types.js';
import { exec } from './util/exec.js';

export function runOptionsFrom(options: CliOptions): RunOptions {
  return {
    dryRun: options.dryRun,
    yes: options.yes,
    json: options.json,
    probe: options.probe,
    probeUrl: options.probeUrl,
    stateDir: options.stateDir,
    nginxConf: options.nginxConf,
    apacheConf: options.apacheConf,
    fpmPoolDirs: options.fpmPoolDirs ?? null,
  };
}

export function createContext(install: Install, options: CliOptions): Context {
  return {
    install,
    options: runOptionsFrom(options),
    exec,
    env: { ...options.env },
    now: () => new Date(),
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    shared: new Map(),
  };
}
