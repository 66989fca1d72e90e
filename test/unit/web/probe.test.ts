import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runProbe } from '../../../src/web/probe.js';
import { freePort } from '../../helpers/ports.js';

describe('probe', () => {
  let server: Server;
  let origin: string;
  const seen: Array<{ url: string; host: string }> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push({ url: request.url ?? '', host: request.headers.host ?? '' });
      if (request.url === '/.env') {
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        response.end('APP_KEY=base64:x\nDB_PASSWORD=secret\n');
      } else if (request.url === '/page') {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<html>Cachet</html>');
      } else if (request.url === '/moved') {
        response.writeHead(302, { location: 'http://elsewhere.example/.env' });
        response.end();
      } else if (request.url === '/local-redirect') {
        response.writeHead(301, { location: '/.env' });
        response.end();
      } else {
        response.writeHead(404);
        response.end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails a served private file', async () => {
    const result = await runProbe({ url: `${origin}/.env`, host: 'status.example.com', expect: 'blocked' });
    expect(result.verdict).toBe('fail');
    expect(result.summary).toContain('private content');
    expect(result.summary).not.toContain('secret');
    expect(seen.at(-1)).toEqual({ url: '/.env', host: 'status.example.com' });
  });

  it('passes a 404 and an HTML page for blocked', async () => {
    expect((await runProbe({ url: `${origin}/.git/HEAD`, expect: 'blocked' })).verdict).toBe('pass');
    expect((await runProbe({ url: `${origin}/page`, expect: 'blocked' })).verdict).toBe('pass');
  });

  it('sends traversal paths unnormalised', async () => {
    await runProbe({ url: `${origin}/static../.env`, expect: 'blocked' });
    expect(seen.at(-1)!.url).toBe('/static../.env');
    await runProbe({ url: `${origin}/../.env`, expect: 'blocked' });
    expect(seen.at(-1)!.url).toBe('/../.env');
  });

  it('follows a redirect only on the same host', async () => {
    expect((await runProbe({ url: `${origin}/local-redirect`, expect: 'blocked' })).verdict).toBe('fail');
    const away = await runProbe({ url: `${origin}/moved`, expect: 'blocked' });
    expect(away.verdict).toBe('pass');
    expect(away.status).toBe(302);
  });

  it('reports a refused connection as unknown', async () => {
    const port = await freePort();
    const result = await runProbe({ url: `http://127.0.0.1:${port}/.env`, expect: 'blocked' });
    expect(result.verdict).toBe('unknown');
    expect(result.status).toBeNull();
  });

  it('checks ok and exact expectations', async () => {
    expect((await runProbe({ url: `${origin}/page`, expect: 'ok' })).verdict).toBe('pass');
    expect((await runProbe({ url: `${origin}/missing`, expect: 'ok' })).verdict).toBe('fail');
    expect((await runProbe({ url: `${origin}/page`, expect: { status: 200, bodyIncludes: 'Cachet' } })).verdict).toBe('pass');
  });
});
