import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { throwError, type Observable } from 'rxjs';

/**
 * Hands an event handler's exception to the bus's transports as it was
 * thrown: Nest's default RPC filter replaces unknown errors with "Internal
 * server error", which would leave retries' logs and the dead letters
 * without their cause. HTTP errors are handled as Nest always does.
 * `EventBusModule` installs it as the app's global filter.
 */
@Catch()
export class EventHandlerErrorFilter extends BaseExceptionFilter {
  override catch(
    exception: unknown,
    host: ArgumentsHost,
  ): Observable<never> | void {
    if (host.getType() === 'rpc') return throwError(() => exception);
    super.catch(exception, host);
  }
}
