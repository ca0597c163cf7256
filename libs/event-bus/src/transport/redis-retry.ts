import { reconnectForever } from '@app/common';

/** Reconnect delays of the bus's Redis connections: the project's default, 100 ms doubling to 5 s. */
export const busReconnectDelay = reconnectForever();
