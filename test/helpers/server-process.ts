// Waiting for a server's port and stopping a daemon by its PID, shared by the nginx, Apache and PHP-FPM helpers.

import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

export async function waitForPort(port: number, host = '127.0.0.1', attempts = 100): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${host}:${port}`);
}

export async function waitForFile(path: string, attempts = 100): Promise<string> {
  for (let i = 0; i < attempts; i++) {
    try {
      const text = readFileSync(path, 'utf8').trim();
      if (text !== '') return text;
    } catch {
      // not written yet
    }
    await sleep(50);
  }
  throw new Error(`${path} was not written`);
}

/** Sends SIGTERM and waits until the process is gone; a zombie (state Z) counts as gone. */
export async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 200; i++) {
    if (!isAlive(pid)) return;
    await sleep(25);
  }
  process.kill(pid, 'SIGKILL');
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
