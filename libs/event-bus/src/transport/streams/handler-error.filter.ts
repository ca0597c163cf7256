import {
  Catch,
  type ArgumentsHost,
  type RpcExceptionFilter,
} from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Hands an event handler's exception to the transport as it was thrown.
 * Nest's default RPC filter replaces unknown errors with "Internal server
 * error", which would leave the dead letters without their cause. Apply it
 * to a microservice that runs only durable handlers
 * (`microservice.useGlobalFilters(new EventHandlerErrorFilter())`).
 */
@Catch()
export class EventHandlerErrorFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}
