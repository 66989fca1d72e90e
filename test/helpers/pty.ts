// Drives the built CLI through a pseudo-terminal, as a person at a keyboard would: each key is sent only
// after the text it answers has appeared on the screen.

import { BIN } from './cli.js';

export const KEYS = { enter: '\r', down: '\u001b[B', up: '\u001b[A', ctrlC: '\u0003' } as const;

export interface PtySession {
  /** Waits until `pattern` appears after the previous match and returns the matched text. */
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  send(keys: string): void;
  /** Everything printed so far, with terminal control sequences removed. */
  screen(): string;
  exit(): Promise<number>;
  kill(): void;
}

// CSI and OSC sequences, plus single-character escapes; enough for inquirer and ora output.
const CONTROL = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007|\u001b[()][A-Z0-9]|\u001b[=>78]/g;

export async function spawnCli(args: string[], env: Record<string, string> = {}): Promise<PtySession> {
  const pty = await import('node-pty');
  const child = pty.spawn(process.execPath, [BIN, ...args], {
    name: 'xterm',
    cols: 220,
    rows: 60,
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', TERM: 'xterm', ...env },
  });
  let output = '';
  let offset = 0;
  const waiters = new Set<() => void>();
  child.onData((data) => {
    output += data;
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise<number>((resolve) => child.onExit(({ exitCode }) => resolve(exitCode)));

  const screen = (): string => output.replace(CONTROL, '').replace(/\r/g, '');

  return {
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const text = screen().slice(offset);
          const match = typeof pattern === 'string' ? indexOfString(text, pattern) : text.match(pattern);
          if (!match || match.index === undefined) return false;
          offset += match.index + match[0].length;
          waiters.delete(listener);
          clearTimeout(timer);
          resolve(match[0]);
          return true;
        };
        const listener = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(listener);
          reject(new Error(`timed out waiting for ${String(pattern)}; screen so far:\n${screen()}`));
        }, timeoutMs);
        waiters.add(listener);
        check();
      });
    },
    send(keys) {
      child.write(keys);
    },
    screen,
    exit: () => exited,
    kill: () => child.kill(),
  };
}

function indexOfString(text: string, needle: string): RegExpMatchArray | null {
  const index = text.indexOf(needle);
  if (index < 0) return null;
  const match = [needle] as unknown as RegExpMatchArray;
  match.index = index;
  return match;
}
