// Runs the real phpdotenv 5 parser (php-cli with Debian's php-vlucas-phpdotenv) on .env contents.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./phpdotenv5.php', import.meta.url));

export type RealResult = { ok: true; values: Record<string, string | null> } | { ok: false; error: string };

export interface RealJob {
  content: Buffer | string;
  environment?: Record<string, string>;
}

/**
 * Loads each content with the real parser and returns the results in order. Fails (never skips) when php or
 * the package is missing, because CI installs both.
 */
export async function loadWithPhpdotenv5(jobs: RealJob[]): Promise<RealResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'phpdotenv5-'));
  try {
    const requests = await Promise.all(
      jobs.map(async (job, index) => {
        const path = join(dir, `${index}.env`);
        await writeFile(path, job.content);
        return { path, environment: job.environment ?? {} };
      }),
    );
    const child = execFile('php', [SCRIPT], { maxBuffer: 64 * 1024 * 1024 });
    const output = new Promise<string>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolve(stdout);
        else reject(new Error(`php ${SCRIPT} exited with ${code}: ${stderr}`));
      });
    });
    child.stdin?.end(JSON.stringify(requests));
    return JSON.parse(await output) as RealResult[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Loads one content with the real parser. */
export async function loadOneWithPhpdotenv5(content: Buffer | string, environment?: Record<string, string>): Promise<RealResult> {
  const [result] = await loadWithPhpdotenv5([{ content, environment }]);
  return result;
}
