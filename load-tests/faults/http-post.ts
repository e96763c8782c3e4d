// The ledger's POST, on node:http rather than fetch. Why: the runner shares
// the 2 cores with what it tests, and at 10x capacity (thousands of
// purchases and retries a second) its own event loop ran 300-860 ms late
// with fetch; node:http does the same exchange for a fraction of the CPU,
// so the latencies it measures are more the API's and less its own.
import { Agent, request } from 'node:http';

// Keep-alive, no socket cap: the open loop needs as many connections as purchases in flight.
const agent = new Agent({ keepAlive: true });

export interface Posted {
  status: number;
  retryAfter: string | undefined;
  text: string;
}

/** Rejects with { code: 'timeout' } after `timeoutMs`, or with the socket error (its code, e.g. ECONNREFUSED). */
export function postJson(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<Posted> {
  return new Promise<Posted>((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        const retryAfter = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })), timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}
