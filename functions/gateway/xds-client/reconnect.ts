// The xDS clients' connection loop: run a stream until the server ends it or it fails, then reconnect after a
// jittered exponential backoff (reset once a stream has lived 30 s), until closed.

export interface ReconnectOptions {
  /** One stream's whole life; resolves when the server ends it, rejects when it fails. */
  runStream(): Promise<void>;
  /** Prefix of log lines, e.g. "xds" or "xds (delta)". */
  label: string;
  log(line: string): void;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface Reconnector {
  readonly closed: boolean;
  /** Stops reconnecting (a sleeping backoff ends at once); the caller aborts the stream under way. */
  close(): void;
}

export function keepReconnecting(options: ReconnectOptions): Reconnector {
  let closed = false;
  let sleepTimer: ReturnType<typeof setTimeout> | null = null;
  let wake: (() => void) | null = null;

  const loop = async (): Promise<void> => {
    let backoff = options.initialBackoffMs;
    // Bounded by `closed`: every iteration either streams until the server goes away or sleeps a backoff.
    while (!closed) {
      const started = Date.now();
      try {
        await options.runStream();
        options.log(`${options.label}: stream ended by the server`);
      } catch (error) {
        if (closed) return;
        options.log(`${options.label}: stream failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (closed) return;
      if (Date.now() - started > 30_000) backoff = options.initialBackoffMs;
      const delay = Math.min(options.maxBackoffMs, backoff) * (0.5 + Math.random() * 0.5);
      backoff = Math.min(options.maxBackoffMs, backoff * 2);
      await new Promise<void>((resolve) => {
        wake = resolve;
        sleepTimer = setTimeout(resolve, delay);
      });
      sleepTimer = null;
      wake = null;
    }
  };
  void loop();

  return {
    get closed() {
      return closed;
    },
    close() {
      closed = true;
      if (sleepTimer) clearTimeout(sleepTimer);
      wake?.();
    },
  };
}

/**
 * Hands every response of one stream to `onResponse`; reports the connection up at the first response and down
 * when the stream ends (however it ends), so a stream that never answered is never reported as connected.
 */
export async function pumpResponses<T>(responses: AsyncIterable<T>, handlers: { onConnected(up: boolean): void; onResponse(response: T): void }): Promise<void> {
  let up = false;
  try {
    for await (const response of responses) {
      if (!up) {
        up = true;
        handlers.onConnected(true);
      }
      handlers.onResponse(response);
    }
  } finally {
    if (up) handlers.onConnected(false);
  }
}
