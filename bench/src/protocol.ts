import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * How the bench's main process drives its children: each child plays one
 * role (a publisher, a consumer, a worker...) in its own process, so that a
 * publisher's CPU never competes with its consumer's inside one event loop.
 * Requests and replies travel over Node's IPC channel.
 */

/** What the main process asks a child to do; `cmd` selects the handler. */
export interface Request {
  cmd: string;
  [key: string]: unknown;
}

type Envelope =
  | { kind: 'ready' }
  | { kind: 'fatal'; message: string }
  | { kind: 'reply'; id: number; result?: unknown; error?: string };

export type Handlers = Record<string, (request: Request) => unknown>;

/** Options of a role as the main process passes them (JSON). */
export function roleOptions<T>(): T {
  return JSON.parse(process.env.BENCH_ROLE_OPTIONS ?? '{}') as T;
}

/**
 * Serves a child's role: answers the main process's requests with
 * `handlers`, `stop` with `close()` and exit. The child exits if the main
 * process goes away, so a crashed bench leaves no orphans.
 */
export function serve(handlers: Handlers, close: () => Promise<void>): void {
  const send = (message: Envelope) => process.send?.(message);
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await close().catch(() => undefined);
    process.exit(code);
  };
  process.on('disconnect', () => void stop(1));
  process.on('message', (message: Request & { id: number }) => {
    if (message.cmd === 'stop') {
      void stop(0);
      return;
    }
    const handler = handlers[message.cmd];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${message.cmd}`);
        return handler(message);
      })
      .then(
        (result) => send({ kind: 'reply', id: message.id, result }),
        (error: unknown) =>
          send({
            kind: 'reply',
            id: message.id,
            error: error instanceof Error ? error.stack : String(error),
          }),
      );
  });
  send({ kind: 'ready' });
}

/** Reports a failure to start; the main process shows it and stops. */
export function fatal(error: unknown): never {
  const message = error instanceof Error ? (error.stack ?? '') : String(error);
  process.send?.({ kind: 'fatal', message } satisfies Envelope, () =>
    process.exit(1),
  );
  setTimeout(() => process.exit(1), 1_000).unref();
  throw error;
}

const childEntry = fileURLToPath(new URL('./child.js', import.meta.url));
const running = new Set<ChildProcess>();

/** Kills every child still running (on failure or interruption). */
export function killAllChildren(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** A child process playing one role, started by {@link startChild}. */
export class Child {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  readonly exited: Promise<void>;
  private output = '';

  constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
  ) {
    const capture = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-8_000);
    };
    proc.stdout?.on('data', capture);
    proc.stderr?.on('data', capture);
    proc.on('message', (message: Envelope) => {
      if (message.kind !== 'reply') return;
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(`${name}: ${message.error}`));
      else waiter?.resolve(message.result);
    });
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        running.delete(proc);
        for (const waiter of this.pending.values()) {
          waiter.reject(
            new Error(
              `${name} exited (${signal ?? code}) with a request pending:\n${this.output}`,
            ),
          );
        }
        this.pending.clear();
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.proc.pid!;
  }

  request<T>(request: Request): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, {
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.proc.send({ ...request, id });
    });
  }

  /** Asks the child to close what it opened and exit; SIGKILL after 15 s. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
      return;
    }
    if (this.proc.connected) this.proc.send({ cmd: 'stop', id: 0 });
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Forks the built `child.js` in `role` with `options`, and resolves once it
 * is ready (connected, subscribed, listening).
 */
export async function startChild(
  name: string,
  role: string,
  options: Record<string, unknown>,
  cwd: string,
): Promise<Child> {
  const proc = fork(childEntry, [role], {
    cwd,
    env: { ...process.env, BENCH_ROLE_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  running.add(proc);
  const child = new Child(name, proc);
  let output = '';
  const capture = (chunk: Buffer) => (output += chunk.toString());
  proc.stdout?.on('data', capture);
  proc.stderr?.on('data', capture);
  await new Promise<void>((resolve, reject) => {
    const onMessage = (message: Envelope) => {
      if (message.kind === 'ready') resolve();
      if (message.kind === 'fatal') {
        reject(new Error(`${name} failed to start: ${message.message}`));
      }
    };
    proc.on('message', onMessage);
    void child.exited.then(() =>
      reject(new Error(`${name} exited before it was ready:\n${output}`)),
    );
  }).finally(() => {
    proc.stdout?.off('data', capture);
    proc.stderr?.off('data', capture);
  });
  return child;
}
