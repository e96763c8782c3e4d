/**
 * JSON.parse that refuses what JSON.parse lets through silently: a key twice
 * in one object (JSON.parse keeps the last, so `"quantity":1,"quantity":5`
 * sold 5 while a proxy or log that keeps the first saw 1), and the keys
 * `__proto__` and `constructor`, which poison objects that get merged (what
 * Fastify's default parser refuses too). One pass over the text before the
 * parse, no allocation per character: a purchase body is ~100 bytes.
 */
export class StrictJsonError extends Error {
  override readonly name = 'StrictJsonError';
}

const forbidden = new Set(['__proto__', 'constructor']);

/** The keys each open object has seen, innermost last; arrays hold no keys (null). */
type Scope = Set<string> | null;

export function parseStrictJson(text: string): unknown {
  const scopes: Scope[] = [];
  // After '{' or ',' inside an object, the next string is a key.
  let expectKey = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i += 1; i < text.length && text.charCodeAt(i) !== 0x22; i += 1) {
        if (text.charCodeAt(i) === 0x5c /* \ */) {
          escaped = true;
          i += 1;
        }
      }
      const scope = scopes.at(-1);
      if (expectKey && scope !== undefined && scope !== null) {
        // Decoded, so "q\u0075antity" is the same key as "quantity"; a key with no escape is its own text.
        const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
        if (forbidden.has(key)) throw new StrictJsonError(`the key "${key}" is not accepted`);
        if (scope.has(key)) throw new StrictJsonError(`the key "${key}" appears twice in one object`);
        scope.add(key);
      }
      expectKey = false;
    } else if (c === 0x7b /* { */) {
      scopes.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      scopes.push(null);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      scopes.pop();
    } else if (c === 0x2c /* , */) {
      expectKey = scopes.at(-1) instanceof Set;
    }
  }
  // The scan trusts the structure; JSON.parse judges it (and throws on anything malformed).
  return JSON.parse(text);
}
