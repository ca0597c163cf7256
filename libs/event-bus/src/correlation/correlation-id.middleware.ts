import { randomUUID } from 'node:crypto';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { CORRELATION_HEADER } from '../event-bus.constants.js';
import { runWithCorrelation } from './correlation.context.js';

/** Printable, bounded ids only, so a header cannot smuggle anything into logs. */
const VALID_CORRELATION_ID = /^[\w.:@/-]{1,128}$/;

/**
 * Takes `x-correlation-id` from the request (or makes a new one), echoes it
 * in the response and makes it current for everything the request causes.
 */
@Injectable()
export class CorrelationIdMiddleware implements NestMiddleware {
  use(request: Request, response: Response, next: NextFunction): void {
    const header = request.headers[CORRELATION_HEADER];
    const candidate = Array.isArray(header) ? header[0] : header;
    const correlationId =
      candidate && VALID_CORRELATION_ID.test(candidate)
        ? candidate
        : randomUUID();
    response.setHeader(CORRELATION_HEADER, correlationId);
    runWithCorrelation({ correlationId }, next);
  }
}
