import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Handlers, Request } from './protocol.js';

/**
 * What every bench message carries so that a consumer in another process
 * can tell which run it belongs to, count it once, and time it: run id,
 * sequence number and send time, padded to the wanted size. It travels in
 * `data.name` of a `user.verified` payload (a free-text field), for the
 * bus and the baselines alike.
 */
export interface Marker {
  run: string;
  seq: number;
  sentAt: number;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export const now = (): number => performance.timeOrigin + performance.now();

export function encodeMarker(run: string, seq: number, pad: string): string {
  return `bench|${run}|${seq}|${now().toFixed(3)}|${pad}`;
}

export function decodeMarker(text: unknown): Marker | undefined {
  if (typeof text !== 'string' || !text.startsWith('bench|')) return undefined;
  const [, run, seq, sentAt] = text.split('|', 4);
  return { run, seq: Number(seq), sentAt: Number(sentAt) };
}

/** A `user.verified` payload carrying `name`. */
export const verifiedPayload = (name: string) => ({
  userId: randomUUID(),
  email: 'bench@example.com',
  name,
  timestamp: new Date().toISOString(),
});

/**
 * A CloudEvents envelope shaped like the bus's, for the baselines (stock
 * Nest emit, raw PUBLISH, raw XADD): they carry the same bytes.
 */
export const baselineEnvelope = (type: string, name: string) => ({
  specversion: '1.0',
  id: randomUUID(),
  type,
  source: 'bench',
  time: new Date().toISOString(),
  datacontenttype: 'application/json',
  data: verifiedPayload(name),
  correlationid: randomUUID(),
  dataversion: 1,
});

/** Padding that brings a message whose unpadded size is `bare` to `bytes`. */
export const padding = (bytes: number, bare: number): string =>
  'x'.repeat(Math.max(0, bytes - bare));

/** How a publisher sends one run of messages. */
export type LoadMode =
  | { kind: 'saturate'; inFlight: number }
  | { kind: 'awaited' }
  | { kind: 'rate'; perSecond: number };

export interface LoadResult {
  startAt: number;
  endAt: number;
  failed: number;
  firstError?: string;
  cpuMicros: number;
}

/**
 * Sends `count` messages with `send(seq)`: at most `inFlight` outstanding
 * (saturation), one awaited at a time, or at a steady rate (open loop: a
 * late message never delays the next ones). Measures the process's CPU.
 */
export async function drive(
  count: number,
  mode: LoadMode,
  send: (seq: number) => Promise<unknown>,
): Promise<LoadResult> {
  let failed = 0;
  let firstError: string | undefined;
  const attempt = (seq: number) =>
    send(seq).catch((error: unknown) => {
      failed++;
      firstError ??= error instanceof Error ? error.message : String(error);
    });
  const cpu = process.cpuUsage();
  const startAt = now();
  if (mode.kind === 'rate') {
    const outstanding = new Set<Promise<void>>();
    let next = 0;
    const start = performance.now();
    while (next < count) {
      const due = Math.min(
        count,
        Math.floor(((performance.now() - start) * mode.perSecond) / 1_000) + 1,
      );
      while (next < due) {
        const sending = attempt(next++).then(() => {
          outstanding.delete(sending);
        });
        outstanding.add(sending);
      }
      if (next < count) await sleep(1);
    }
    await Promise.all(outstanding);
  } else {
    const inFlight = mode.kind === 'awaited' ? 1 : mode.inFlight;
    let next = 0;
    const worker = async () => {
      while (next < count) await attempt(next++);
    };
    await Promise.all(
      Array.from({ length: Math.min(inFlight, count) }, worker),
    );
  }
  const used = process.cpuUsage(cpu);
  return {
    startAt,
    endAt: now(),
    failed,
    firstError,
    cpuMicros: used.user + used.system,
  };
}

export interface TallyReport {
  received: number;
  duplicates: number;
  /** One bit per sequence number seen, base64, for merging instances. */
  seen: string;
  lastAt: number;
  cpuMicros: number;
  latencies?: number[];
}

/**
 * A consumer's count of one run: each sequence number once (duplicates
 * counted apart), the time of the last one, latencies when asked, and the
 * process's CPU from `expect` to `report`.
 */
export class Tally {
  private run?: string;
  private seen = new Uint8Array(0);
  private received = 0;
  private duplicates = 0;
  private lastAt = 0;
  private latencies?: number[];
  private cpu = process.cpuUsage();

  expect(run: string, count: number, latency: boolean): void {
    this.run = run;
    this.seen = new Uint8Array(count);
    this.received = 0;
    this.duplicates = 0;
    this.lastAt = 0;
    this.latencies = latency ? [] : undefined;
    this.cpu = process.cpuUsage();
  }

  /** Records a message; anything that is not of the current run is ignored. */
  record(name: unknown): void {
    const marker = decodeMarker(name);
    if (!marker || marker.run !== this.run) return;
    if (this.seen[marker.seq]) {
      this.duplicates++;
      return;
    }
    this.seen[marker.seq] = 1;
    this.received++;
    this.lastAt = now();
    this.latencies?.push(this.lastAt - marker.sentAt);
  }

  progress(): number {
    return this.received;
  }

  report(): TallyReport {
    const used = process.cpuUsage(this.cpu);
    return {
      received: this.received,
      duplicates: this.duplicates,
      seen: Buffer.from(this.seen).toString('base64'),
      lastAt: this.lastAt,
      cpuMicros: used.user + used.system,
      latencies: this.latencies,
    };
  }
}

/** The request handlers every consumer role shares. */
export function tallyHandlers(tally: Tally): Handlers {
  return {
    expect: (request: Request) =>
      tally.expect(
        String(request.run),
        Number(request.count),
        Boolean(request.latency),
      ),
    progress: () => tally.progress(),
    report: () => tally.report(),
  };
}
