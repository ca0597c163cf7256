/** Deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

/** A JSON body nested deeper than {@link MAX_JSON_DEPTH}: answered with 400. */
export class JsonTooDeepError extends Error {
  /** Read by the body parser (http-errors) as the response status. */
  readonly status = 400;
  readonly expose = true;

  constructor() {
    super(
      `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`,
    );
    this.name = JsonTooDeepError.name;
  }
}

/**
 * How deep arrays and objects nest in `json`, stopping as soon as it passes
 * `limit`. Brackets inside strings do not count. A linear scan of the raw
 * bytes, so a hostile body costs no recursion anywhere.
 */
export function jsonDepthExceeds(
  json: Buffer | string,
  limit: number,
): boolean {
  const text = typeof json === 'string' ? json : json.toString('utf8');
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '[' || char === '{') {
      if (++depth > limit) return true;
    } else if (char === ']' || char === '}') {
      depth--;
    }
  }
  return false;
}

/**
 * `verify` option of the JSON body parser: refuses a body nested too deep
 * before it is parsed, which validation and class-transformer would
 * otherwise walk recursively until the stack overflows (a 500).
 */
export function refuseDeepJson(
  _request: unknown,
  _response: unknown,
  body: Buffer,
): void {
  if (jsonDepthExceeds(body, MAX_JSON_DEPTH)) throw new JsonTooDeepError();
}
