import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { type RunningApi, audit, createSku, startApi, uniqueSku } from '../helpers/api.js';

// What Node's HTTP parser refuses before Fastify sees a request is answered
// like everything else: problem+json with a code from the catalogue. Sent
// on raw sockets, since a well-behaved client cannot send these.
const requestTimeoutMs = 1000;
let api: RunningApi;
let port: number;
beforeAll(async () => {
  api = await startApi({ REQUEST_TIMEOUT_MS: String(requestTimeoutMs) });
  port = Number(new URL(api.url).port);
});
afterAll(async () => {
  await api.close();
});

interface RawAnswer {
  status: number;
  contentType: string;
  body: Record<string, unknown>;
  ms: number;
}

/** Writes `bytes` and reads until the server closes; fails past `limitMs` (the server dropped it without a word). */
function raw(bytes: string | Buffer, limitMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    const limit = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${limitMs} ms; got ${JSON.stringify(text)}`));
    }, limitMs);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(limit);
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      const contentType = /\r\ncontent-type: ([^\r]*)/i.exec(head)?.[1] ?? '';
      try {
        resolve({ status, contentType, body: JSON.parse(body) as Record<string, unknown>, ms: Date.now() - started });
      } catch {
        reject(new Error(`not a problem+json answer: ${JSON.stringify(text)}`));
      }
    });
  });
}

const purchaseHead = (extra: string): string =>
  `POST /v1/purchases HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nIdempotency-Key: 3f1e7c9a-0000-4000-8000-000000000001\r\n${extra}`;

describe('errors before a request exists are problem+json', () => {
  it('a 20 KB header: 431 header_too_large', async () => {
    const answer = await raw(`GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer).toMatchObject({ status: 431, contentType: expect.stringMatching(/^application\/problem\+json/), body: { code: 'header_too_large', status: 431 } });
  });

  it('a NUL in a header: 400 malformed_request', async () => {
    const answer = await raw(Buffer.from('GET /health/live HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0000b\r\n\r\n', 'latin1'));
    expect(answer).toMatchObject({ status: 400, contentType: expect.stringMatching(/^application\/problem\+json/), body: { code: 'malformed_request' } });
  });

  it('Content-Length with Transfer-Encoding: 400 malformed_request', async () => {
    const answer = await raw(`${purchaseHead('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n')}\r\n0\r\n\r\n`);
    expect(answer).toMatchObject({ status: 400, body: { code: 'malformed_request' } });
  });

  it('an HTTP/2 preface: 400 malformed_request', async () => {
    const answer = await raw('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    expect(answer).toMatchObject({ status: 400, contentType: expect.stringMatching(/^application\/problem\+json/), body: { code: 'malformed_request' } });
  });

  it('a body shorter than its Content-Length: 400 request_incomplete soon after the request timeout, not dropped', async () => {
    const answer = await raw(`${purchaseHead('Content-Length: 100\r\n')}\r\n{"sku":"x"`);
    expect(answer).toMatchObject({ status: 400, contentType: expect.stringMatching(/^application\/problem\+json/), body: { code: 'request_incomplete' } });
    // Bounded by the timeout and the 1 s sweep that enforces it, with room for a slow machine.
    expect(answer.ms).toBeLessThan(requestTimeoutMs + 5_000);
  });
});

describe('strict JSON bodies', () => {
  it('a key twice in one object is a 400 naming it, and nothing is sold', async () => {
    const sku = uniqueSku('dup-key');
    expect((await createSku(api, sku, 10)).status).toBe(201);
    const response = await fetch(`${api.url}/v1/purchases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), 'x-strategy': 'pg-atomic' },
      body: `{"sku":"${sku}","userId":"u-dup","quantity":1,"quantity":5}`,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ code: 'validation_failed', detail: expect.stringContaining('"quantity" appears twice') });
    expect((await audit(api, sku)).body).toMatchObject({ confirmedUnits: 0, pgStock: 10 });
  });
});
