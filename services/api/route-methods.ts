/**
 * The methods each route path takes, for 405 answers: a known path asked
 * with a method it does not take is "Method Not Allowed" with an Allow
 * header (RFC 9110 §15.5.6), not "no such route". Fastify's router answers
 * 404 for both, so the paths are kept here as they are registered.
 */
export interface RouteMethods {
  add(url: string, methods: string | string[]): void;
  /** The methods `path` (no query) takes, sorted; empty when no route has that path. */
  allowed(path: string): string[];
}

/** `/v1/skus/:sku/audit` → a pattern matching one segment per parameter; `*` matches the rest. */
function patternOf(url: string): RegExp {
  const segments = url.split('/').map((segment) => {
    if (segment === '*') return '.*';
    if (segment.startsWith(':')) return '[^/]+';
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${segments.join('/')}/?$`);
}

export function createRouteMethods(): RouteMethods {
  const routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  return {
    add(url, methods) {
      const route = routes.get(url) ?? { pattern: patternOf(url), methods: new Set<string>() };
      routes.set(url, route);
      for (const method of Array.isArray(methods) ? methods : [methods]) {
        route.methods.add(method);
        // Fastify answers HEAD for every GET route.
        if (method === 'GET') route.methods.add('HEAD');
      }
    },
    allowed(path) {
      const methods = new Set<string>();
      for (const route of routes.values()) if (route.pattern.test(path)) for (const method of route.methods) methods.add(method);
      return [...methods].sort();
    },
  };
}
