import type { Request, Response } from 'express';
import { currentCorrelation } from './correlation.context.js';
import { CorrelationIdMiddleware } from './correlation-id.middleware.js';

function run(header?: string | string[]) {
  const headers: Record<string, string> = {};
  const request = {
    headers: { 'x-correlation-id': header },
  } as unknown as Request;
  const response = {
    setHeader: (name: string, value: string) => (headers[name] = value),
  } as unknown as Response;
  let seen: string | undefined;
  new CorrelationIdMiddleware().use(request, response, () => {
    seen = currentCorrelation()?.correlationId;
  });
  return { echoed: headers['x-correlation-id'], seen };
}

describe('CorrelationIdMiddleware', () => {
  it('keeps the caller’s id, echoes it and makes it current', () => {
    expect(run('order-123')).toEqual({
      echoed: 'order-123',
      seen: 'order-123',
    });
  });

  it('makes a new id when none is sent', () => {
    const { echoed, seen } = run();

    expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen).toBe(echoed);
  });

  it.each(['has spaces', 'x'.repeat(129), 'new\nline'])(
    'replaces an unsafe id %p',
    (header) => {
      expect(run(header).echoed).toMatch(/^[0-9a-f-]{36}$/);
    },
  );
});
