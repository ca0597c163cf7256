import {
  jsonDepthExceeds,
  JsonTooDeepError,
  refuseDeepJson,
} from './json-depth.js';

describe('jsonDepthExceeds', () => {
  it('counts nested arrays and objects', () => {
    expect(jsonDepthExceeds('{"a":[{"b":[1]}]}', 4)).toBe(false);
    expect(jsonDepthExceeds('{"a":[{"b":[1]}]}', 3)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonDepthExceeds('{"a":"[[[[{{{{\\"[[[["}', 1)).toBe(false);
  });

  it('refuses a deeply nested body with a 400 error before it is parsed', () => {
    const body = Buffer.from('['.repeat(5_000) + ']'.repeat(5_000));
    let thrown: unknown;
    try {
      refuseDeepJson(undefined, undefined, body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JsonTooDeepError);
    expect((thrown as JsonTooDeepError).status).toBe(400);
    expect(() =>
      refuseDeepJson(undefined, undefined, Buffer.from('{"ok":[1,2]}')),
    ).not.toThrow();
  });
});
