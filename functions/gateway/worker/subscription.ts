// The gateway Worker's subscription to meshplane's mesh hub (a Durable Object of the control-plane Worker): a
// WebSocket to `GET <meshplane>/v1/xds/subscribe?node=<id>` on which meshplane sends a version signal whenever a
// write to the node's mesh commits (`{"type":"changed","scope","revision"}`, and `{"type":"subscribed"}` once
// accepted). Each signal is followed by one REST xDS round, so the socket carries no configuration and a missed
// signal is never fatal. The socket belongs to the request that opened it (a Worker's I/O lives in a request's
// context): that request keeps it open with waitUntil, its message events run there, and what they fetch lands
// in the isolate's shared config. While the socket is down the gateway polls (index.ts); reopening backs off after
// failures (1 s doubling to 60 s). Protocol: docs/serverless.md §5. Workers-safe: no node: imports.

/** The Workers WebSocket surface this file uses (client end, after `fetch` with `Upgrade: websocket`). */
interface WorkerSocket {
  accept(): void;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(type: "close" | "error", listener: () => void): void;
}

interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

export interface GatewaySubscriptionOptions {
  baseUrl: string;
  nodeId: string;
  token?: string;
  /**
   * A version signal arrived (or the subscription was just accepted): fetch the current configuration. The work it
   * returns keeps the subscription's context alive until it settles, even past the socket's close.
   */
  onSignal(): Promise<unknown>;
  fetch?: typeof fetch;
  log?: (message: string) => void;
  now?: () => number;
}

export interface GatewaySubscription {
  /** Whether the socket is open (signals arrive): no need to poll. */
  readonly open: boolean;
  /** Opens the socket in `context` unless it is open, opening, or backing off after a failure. */
  ensure(context: ExecutionContextLike): void;
}

/** Keep-alive: the hub's runtime answers "ping" with "pong" without waking the Durable Object. */
const PING_INTERVAL_MS = 30_000;
const MAX_BACKOFF_MS = 60_000;

export function createGatewaySubscription(options: GatewaySubscriptionOptions): GatewaySubscription {
  const doFetch = options.fetch ?? fetch;
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const url = `${options.baseUrl}/v1/xds/subscribe?node=${encodeURIComponent(options.nodeId)}`;
  let socket: WorkerSocket | null = null;
  let opening = false;
  let failures = 0;
  let retryAt = 0;

  function failed(reason: string): void {
    if (failures === 0) log(`subscription to ${url} failed (${reason}); polling until it is back`);
    failures++;
    retryAt = now() + Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1));
  }

  function onMessage(data: unknown, started: Set<Promise<unknown>>): void {
    if (typeof data !== "string" || data === "pong") return;
    let signal: { type?: unknown };
    try {
      signal = JSON.parse(data) as { type?: unknown };
    } catch {
      return;
    }
    if (signal.type !== "changed" && signal.type !== "subscribed") return;
    const work = options.onSignal().catch(() => undefined);
    started.add(work);
    void work.finally(() => started.delete(work));
  }

  async function run(): Promise<void> {
    let response: Response;
    try {
      response = await doFetch(url, { headers: { upgrade: "websocket", ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) } });
    } catch (error) {
      opening = false;
      return failed(error instanceof Error ? error.message : String(error));
    }
    const opened = (response as unknown as { webSocket?: WorkerSocket | null }).webSocket;
    if (response.status !== 101 || !opened) {
      opening = false;
      await response.body?.cancel();
      return failed(`HTTP ${response.status}`);
    }
    opened.accept();
    socket = opened;
    opening = false;
    if (failures > 0) log(`subscribed to ${url} again`);
    failures = 0;
    const started = new Set<Promise<unknown>>();
    await new Promise<void>((resolve) => {
      const ping = setInterval(() => {
        try {
          opened.send("ping");
        } catch {
          // Closing; the close event follows.
        }
      }, PING_INTERVAL_MS);
      const closed = () => {
        clearInterval(ping);
        if (socket === opened) socket = null;
        resolve();
      };
      opened.addEventListener("message", (event) => onMessage(event.data, started));
      opened.addEventListener("close", closed);
      opened.addEventListener("error", closed);
    });
    await Promise.all([...started]);
  }

  return {
    get open() {
      return socket !== null;
    },
    ensure(context) {
      if (socket || opening || now() < retryAt) return;
      opening = true;
      context.waitUntil(run());
    },
  };
}
