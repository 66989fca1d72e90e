// Live HTTP probes with node:http(s) only. A probe that cannot connect is "unknown", never "pass": a
// server that is down proves nothing about what it would serve.

import type { IncomingMessage } from 'node:http';

import type { ProbeRequest } from '../plan/changes.js';

export type ProbeVerdict = 'pass' | 'fail' | 'unknown';

export interface ProbeResult {
  request: ProbeRequest;
  status: number | null;
  verdict: ProbeVerdict;
  /** One line for reports, e.g. `GET http://127.0.0.1:8080/.env (Host: www.example.com) → 200, private content`. */
  summary: string;
}

const MAX_BODY = 64 * 1024;
const MAX_REDIRECTS = 3;
export const PROBE_TIMEOUT_MS = 4_000;

/** Content that only private files have: `.env` lines, git metadata, Laravel log entries, PHP source. */
const PRIVATE_MARKERS = [/^[A-Z][A-Z0-9_]*=/m, /^ref: refs\//m, /^\[core\]/m, /\.(ERROR|WARNING|INFO|DEBUG): /, /<\?php/];

export async function runProbe(request: ProbeRequest, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  const label = `GET ${request.url}${request.host ? ` (Host: ${request.host})` : ''}`;
  let url = request.url;
  let response: Fetched | null = null;
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      response = await fetchOnce(url, request.host, timeoutMs);
      const next = response.status >= 300 && response.status < 400 ? sameOriginLocation(url, response.location) : null;
      if (!next) break;
      url = next;
    }
  } catch (error) {
    return { request, status: null, verdict: 'unknown', summary: `${label} → no response (${(error as Error).message})` };
  }
  const { status, body, contentType } = response!;
  const isPrivate = PRIVATE_MARKERS.some((marker) => marker.test(body));
  const served = status >= 200 && status < 300 && (isPrivate || !/text\/html/i.test(contentType));

  let verdict: ProbeVerdict;
  if (request.expect === 'blocked') verdict = served ? 'fail' : 'pass';
  else if (request.expect === 'ok') verdict = status >= 200 && status < 400 ? 'pass' : 'fail';
  else verdict = status === request.expect.status && (!request.expect.bodyIncludes || body.includes(request.expect.bodyIncludes)) ? 'pass' : 'fail';

  let content = '';
  if (served) content = isPrivate ? ', private content' : `, ${contentType || 'no content type'}`;
  return { request, status, verdict, summary: `${label} → ${status}${content}` };
}

export async function runProbes(requests: ProbeRequest[], timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  // One at a time: a handful of requests, and a struggling server should not see a burst from us.
  for (const request of requests) results.push(await runProbe(request, timeoutMs));
  return results;
}

export function describeExpectation(request: ProbeRequest): string {
  if (request.expect === 'blocked') return 'must not be served (403/404)';
  if (request.expect === 'ok') return 'must answer 2xx/3xx';
  return `must answer ${request.expect.status}${request.expect.bodyIncludes ? ` containing "${request.expect.bodyIncludes}"` : ''}`;
}

interface Fetched {
  status: number;
  body: string;
  contentType: string;
  location: string | undefined;
}

async function fetchOnce(url: string, host: string | undefined, timeoutMs: number): Promise<Fetched> {
  const match = /^(https?):\/\/([^/]+)(\/.*)?$/.exec(url);
  if (!match) throw new Error(`not an http(s) URL: ${url}`);
  const [, scheme, authority, rawPath] = match;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(authority!);
  const hostname = bracket ? bracket[1]! : authority!.split(':')[0]!;
  const portText = bracket ? bracket[2] : authority!.split(':')[1];
  const defaultPort = scheme === 'https' ? 443 : 80;
  const port = portText ? Number(portText) : defaultPort;
  const client = scheme === 'https' ? await import('node:https') : await import('node:http');

  return new Promise<Fetched>((resolve, reject) => {
    const request = client.request(
      {
        hostname,
        port,
        // Sent as written: `/../.env` and alias traversal forms must reach the server unnormalised.
        path: rawPath ?? '/',
        method: 'GET',
        headers: { Host: host ?? authority!, 'User-Agent': 'cachet-harden-probe', Connection: 'close' },
        timeout: timeoutMs,
        // The probe checks what the server serves, not whether its certificate is valid.
        rejectUnauthorized: false,
        servername: host ?? (bracket ? undefined : hostname),
      },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < MAX_BODY) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8'),
            contentType: String(response.headers['content-type'] ?? ''),
            location: response.headers.location,
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}

/** Follows a redirect only to the same scheme-less host and port (http → https of the same site included). */
function sameOriginLocation(from: string, location: string | undefined): string | null {
  if (!location) return null;
  if (location.startsWith('/')) return `${/^(https?:\/\/[^/]+)/.exec(from)![1]}${location}`;
  const source = /^https?:\/\/([^/:]+)/.exec(from)?.[1];
  const target = /^https?:\/\/([^/:]+)/.exec(location)?.[1];
  return source && target && source === target ? location : null;
}
