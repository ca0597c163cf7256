import { request as httpRequest } from 'node:http';
/**
 * A response as e2e tests want it: status, parsed body, headers. The body is
 * `any` unless typed, because tests assert on its shape anyway.
 */
export interface ApiResponse<T = any> {
  status: number;
  /** Parsed JSON when the response is JSON, the text otherwise, `undefined` when empty. */
  body: T;
  headers: Headers;
}

/** Per-request options of {@link api}. */
export interface RequestOptions {
  /** Bearer token for the `Authorization` header. */
  token?: string;
  headers?: Record<string, string>;
}

/**
 * A tiny JSON client over global `fetch` for e2e tests. It never throws on
 * HTTP error statuses (tests assert on `status`), only on network errors.
 *
 * @example
 * const users = api('http://127.0.0.1:3001');
 * const { status, body } = await users.post('/auth/login', { email, password });
 */
export function api(baseUrl: string, defaults: RequestOptions = {}) {
  async function request<T>(
    method: string,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const token = options.token ?? defaults.token;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...defaults.headers,
      ...options.headers,
    };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(new URL(path, baseUrl), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const isJson = response.headers
      .get('content-type')
      ?.includes('application/json');
    return {
      status: response.status,
      body: (text && isJson ? JSON.parse(text) : text || undefined) as T,
      headers: response.headers,
    };
  }

  return {
    request,
    get: <T = any>(path: string, options?: RequestOptions) =>
      request<T>('GET', path, undefined, options),
    post: <T = any>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>('POST', path, body, options),
    patch: <T = any>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>('PATCH', path, body, options),
    put: <T = any>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>('PUT', path, body, options),
    delete: <T = any>(path: string, options?: RequestOptions) =>
      request<T>('DELETE', path, undefined, options),
  };
}

/** The client returned by {@link api}. */
export type Api = ReturnType<typeof api>;

/**
 * A client at another address: requests leave from `localAddress` (any of
 * 127.0.0.2 and up on loopback), so the server sees another client, as
 * per-client limits need. Same answers as {@link api}; never throws on an
 * HTTP status.
 *
 * @example
 * const stranger = clientAt(users.url, '127.0.0.2');
 * await stranger.post('/auth/login', { email, password: 'guess' });
 */
export function clientAt(baseUrl: string, localAddress: string) {
  function request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const url = new URL(path, baseUrl);
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        url,
        {
          method,
          localAddress,
          headers: {
            accept: 'application/json',
            ...(payload && { 'content-type': 'application/json' }),
            ...headers,
          },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => {
            const isJson =
              response.headers['content-type']?.includes('application/json');
            resolve({
              status: response.statusCode ?? 0,
              body: (text && isJson
                ? JSON.parse(text)
                : text || undefined) as T,
              headers: new Headers(
                Object.entries(response.headers).flatMap<[string, string]>(
                  ([name, value]) =>
                    value === undefined
                      ? []
                      : [
                          [
                            name,
                            Array.isArray(value) ? value.join(', ') : value,
                          ],
                        ],
                ),
              ),
            });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  }

  return {
    request,
    get: <T = any>(path: string, headers?: Record<string, string>) =>
      request<T>('GET', path, undefined, headers),
    post: <T = any>(
      path: string,
      body?: unknown,
      headers?: Record<string, string>,
    ) => request<T>('POST', path, body, headers),
  };
}
