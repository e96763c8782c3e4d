// A client of toxiproxy's HTTP API (plain fetch; the API is four routes):
// one proxy per store, toxics added for a fault and removed after it.
export type ToxicType = 'latency' | 'timeout' | 'reset_peer';

export interface Toxic {
  name: string;
  type: ToxicType;
  /** downstream: store -> API; upstream: API -> store. */
  stream: 'upstream' | 'downstream';
  attributes: Record<string, number>;
}

interface ProxyView {
  name: string;
  listen: string;
  upstream: string;
}

function isProxyView(value: unknown): value is ProxyView {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.name === 'string' && typeof record.listen === 'string' && typeof record.upstream === 'string';
}

export class Toxiproxy {
  constructor(private readonly url: string) {}

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    // 5 s: toxiproxy answers locally in a millisecond; this bounds a hung one.
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await response.text();
    if (!response.ok && response.status !== 404) throw new Error(`toxiproxy ${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }

  async version(): Promise<void> {
    const response = await fetch(`${this.url}/version`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`toxiproxy /version answered ${response.status}`);
  }

  /**
   * (Re)creates a proxy and returns the address it listens on. `listen` may
   * end in :0 (toxiproxy picks a free port and says which).
   */
  async createProxy(name: string, listen: string, upstream: string): Promise<string> {
    await this.deleteProxy(name);
    const created = await this.call('POST', '/proxies', { name, listen, upstream, enabled: true });
    if (!isProxyView(created)) throw new Error(`toxiproxy: unexpected answer creating ${name}`);
    return created.listen;
  }

  async deleteProxy(name: string): Promise<void> {
    await this.call('DELETE', `/proxies/${encodeURIComponent(name)}`);
  }

  async addToxic(proxy: string, toxic: Toxic): Promise<void> {
    await this.call('POST', `/proxies/${encodeURIComponent(proxy)}/toxics`, { ...toxic, toxicity: 1 });
  }

  async removeToxic(proxy: string, toxic: string): Promise<void> {
    await this.call('DELETE', `/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(toxic)}`);
  }

  /** Every toxic of every proxy gone (POST /reset also re-enables disabled proxies). */
  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }
}
