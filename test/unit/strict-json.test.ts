import { describe, expect, it } from 'vitest';
import { StrictJsonError, parseStrictJson } from '../../lib/strict-json.js';

describe('parseStrictJson', () => {
  it('parses what JSON.parse parses', () => {
    const texts = ['{"sku":"a","quantity":1}', '[{"a":1},{"a":2}]', '{"a":{"b":[1,{"b":2}],"c":"x\\"y"},"b":3}', '"plain"', '42', '{"a":"}{,\\\\"}', '{}'];
    for (const text of texts) expect(parseStrictJson(text), text).toEqual(JSON.parse(text));
  });

  it('refuses a key twice in one object, at any depth and however it is escaped', () => {
    for (const text of ['{"quantity":1,"quantity":5}', '{"a":{"b":1,"b":2}}', '[{"a":1,"a":1}]', '{"quantity":1,"q\\u0075antity":5}']) {
      expect(() => parseStrictJson(text), text).toThrow(StrictJsonError);
    }
  });

  it('allows the same key in sibling objects and in arrays', () => {
    expect(parseStrictJson('{"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}]}')).toBeTruthy();
  });

  it('refuses __proto__ and constructor keys', () => {
    expect(() => parseStrictJson('{"__proto__":{"admin":true}}')).toThrow(StrictJsonError);
    expect(() => parseStrictJson('{"a":{"constructor":{"prototype":{}}}}')).toThrow(StrictJsonError);
  });

  it('leaves malformed JSON to JSON.parse', () => {
    expect(() => parseStrictJson('{"a":')).toThrow(SyntaxError);
  });
});
