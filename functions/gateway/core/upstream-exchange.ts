// One routed request's exchange with its cluster, the same on every runtime: circuit breakers, host choice
// (previous-host avoidance on retries), attempts through the runtime's transport, per-try, route and stream idle
// timeouts, retries as the route's policy says with Envoy's jittered back-off, outlier accounting, and the
// verdict: the upstream response to pass on, or the local reply Envoy would give (503 UH/UO/UF/UC, 504 UT,
// 408 SI) with its response flags. The adapter sends the verdict; past the response headers the route and idle
// timeouts still run (`touch`, `onExpired`) until the adapter calls `end`.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter
import { Deadline, type DeadlineQueue, type DeadlineTarget } from "./deadline-queue.js";
import type { UpstreamHost } from "./host-set.js";
import { ResponseFlag, type ResponseFlagCode } from "./response-flags.js";
import { isRetriableFailure, isRetriableResponse, retryBackOffMs, type AttemptFailure } from "./retry-policy.js";
import type { ForwardDecision, ProxyRequest } from "./router.js";
import type { UpstreamCluster } from "./upstream-cluster.js";
import type { AttemptOutcome, RunningAttempt, UpstreamObserver, UpstreamResponseHead, UpstreamTransport } from "./upstream-transport.js";

export interface ExchangeOptions<Body, Response extends UpstreamResponseHead> {
  decision: ForwardDecision;
  body: Body;
  /** Whether the body can be sent once more (nothing streamed past the replay buffer); asked before each retry. */
  replayable(): boolean;
  transport: UpstreamTransport<Body, Response>;
  observer: UpstreamObserver;
  /** [0, 1) for the back-off jitter; Math.random by default. */
  random?: () => number;
  /** performance.now() read by the caller in this same turn (the request's start), saving a clock read. */
  now?: number | undefined;
  /** Where the route and idle deadlines wait (shared by the runtime's exchanges); else a setTimeout per exchange. */
  deadlines?: DeadlineQueue | undefined;
  /**
   * Called once with the verdict in the turn that reached it, before `verdict` settles (a promise takes microtask
   * turns more) and, for an upstream response, before its metrics and outlier accounting: so an adapter that
   * answers from here has only the answer on its way from the upstream's read to the downstream's write.
   */
  onVerdict?: ((verdict: ExchangeVerdict<Response>) => void) | undefined;
}

export type ExchangeVerdict<Response> =
  | {
      kind: "response";
      response: Response;
      /** Flags for the response (URX when the last attempt was retriable but no retry was left). */
      flags: readonly ResponseFlagCode[];
      host: UpstreamHost;
      /** From the attempt's start to its response headers. */
      upstreamMs: number;
    }
  /** A reply the gateway makes itself; `upstreamHost` is the last host tried ("" for none). */
  | { kind: "local"; status: number; flags: readonly ResponseFlagCode[]; body: string; upstreamHost: string }
  /** The downstream went away before a verdict (Envoy's 499 DC). */
  | { kind: "cancelled"; upstreamHost: string };

type Expiry = "route" | "idle";
type Finished<Response extends UpstreamResponseHead> = AttemptOutcome<Response> | { kind: "timeout" };

const resetBody = (reason: string) => `upstream connect error or disconnect/reset before headers. reset reason: ${reason}\n`;

/** Local replies for an attempt that ended without response headers, by how it ended. */
const FAILURE_REPLIES: Record<AttemptFailure, { status: number; flag: ResponseFlagCode; body: string }> = {
  "connect-failure": { status: 503, flag: ResponseFlag.upstreamConnectionFailure, body: resetBody("connection failure") },
  reset: { status: 503, flag: ResponseFlag.upstreamConnectionTermination, body: resetBody("connection termination") },
  "refused-stream": { status: 503, flag: ResponseFlag.upstreamConnectionTermination, body: resetBody("remote refused stream reset") },
  timeout: { status: 504, flag: ResponseFlag.upstreamRequestTimeout, body: "upstream request timeout\n" },
};

/**
 * Marks the request for attempt `attempt` (in place: attempts run one after another) with Envoy's
 * x-envoy-expected-rq-timeout-ms and, on retries, x-envoy-attempt-count.
 */
function prepareAttempt(decision: ForwardDecision, attempt: number): ProxyRequest {
  const request = decision.request;
  if (attempt > 1) request.headers["x-envoy-attempt-count"] = String(attempt);
  if (decision.timeoutMs > 0) request.headers["x-envoy-expected-rq-timeout-ms"] = decision.timeoutHeader;
  return request;
}

function fireTimer(exchange: DeadlineTarget): void {
  exchange.deadlinePassed();
}

/**
 * Timer slack: runtimes fire timers on a millisecond clock that can lag the precise one read here, so a deadline
 * this close counts as passed (as the runtime's own timer would have fired then).
 */
const TIMER_SLACK_MS = 1;

/**
 * @example
 * const exchange = new UpstreamExchange({ decision, body, replayable: () => true, transport, observer });
 * const verdict = await exchange.verdict; // send it, call exchange.touch() per body chunk, then exchange.end()
 */
export class UpstreamExchange<Body, Response extends UpstreamResponseHead> implements DeadlineTarget {
  /** Settles once; never rejects. */
  readonly verdict: Promise<ExchangeVerdict<Response>>;
  /**
   * Set by the adapter while it streams the response body: called once if the route timeout (which covers the
   * whole response, as Envoy's does) or the stream idle timeout passes; the adapter resets both streams.
   */
  onExpired: (reason: Expiry) => void = () => {};
  readonly #idleMs: number;
  // The route and stream idle timeouts share one timer, due at the nearer deadline: when it fires early (the idle
  // deadline moved on with body activity, the response headers restarted it) it re-arms for what is left. So a
  // request costs one timer, and body chunks only move a number.
  #timer: ReturnType<typeof setTimeout> | Deadline | null = null;
  readonly #deadlines: DeadlineQueue | undefined;
  /** When the timer is due (performance.now() ms); Infinity: no timer. */
  #timerDue = Infinity;
  #routeDeadline = Infinity;
  #idleDeadline = Infinity;
  #expired: Expiry | undefined;
  #cancelled = false;
  #streaming = false;
  #ended = false;
  #current: RunningAttempt<Response> | null = null;
  #wake: (() => void) | null = null;
  /** The cluster (and hops on the way: decision.via) whose in-flight counts this exchange holds; null once released. */
  #holding: ForwardDecision | null = null;
  #retryHeld: UpstreamCluster | null = null;
  readonly #onVerdict: ((verdict: ExchangeVerdict<Response>) => void) | undefined;
  #delivered = false;

  constructor(options: ExchangeOptions<Body, Response>) {
    this.#idleMs = options.decision.idleTimeoutMs;
    this.#deadlines = options.deadlines;
    this.#onVerdict = options.onVerdict;
    // A response verdict was delivered in #run already; the others (local replies, cancellation) are delivered here,
    // in the one reaction that also turns a failure into a reply (one promise and one microtask less per request).
    this.verdict = this.#run(options).then(
      (verdict) => (this.#deliver(verdict), verdict),
      (error: unknown) => {
        const verdict = this.#local(503, [ResponseFlag.upstreamConnectionTermination], `${error instanceof Error ? error.message : String(error)}\n`, "");
        this.#deliver(verdict);
        return verdict;
      },
    );
  }

  #deliver(verdict: ExchangeVerdict<Response>): void {
    if (this.#delivered || this.#onVerdict === undefined) return;
    this.#delivered = true;
    this.#onVerdict?.(verdict);
  }

  /** The downstream went away: the attempt under way is reset and the verdict becomes `cancelled`. */
  cancel(): void {
    if (this.#streaming || this.#ended) return;
    this.#cancelled = true;
    this.#current?.cancel();
    this.#wake?.();
  }

  /** Response body activity: re-arms the stream idle timeout. */
  touch(): void {
    if (this.#idleDeadline !== Infinity) this.#idleDeadline = performance.now() + this.#idleMs;
  }

  /** The exchange is over (response sent or reset, local reply sent): timers stop and circuit-breaker slots free. Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#stopTimer();
    const holding = this.#holding;
    if (holding !== null) {
      holding.cluster.active--;
      for (let i = 0; i < holding.via.length; i++) holding.via[i]!.active--;
      this.#holding = null;
    }
    this.#releaseRetry();
  }

  /** Arms the timer for the nearer deadline unless it is already due at or before it. */
  #schedule(now: number): void {
    const due = Math.min(this.#routeDeadline, this.#idleDeadline);
    if (due === Infinity || due >= this.#timerDue) return;
    this.#stopTimer();
    this.#timerDue = due;
    const delayMs = Math.max(1, Math.ceil(due - now));
    // fireTimer: one function for every exchange, not a closure each.
    this.#timer = this.#deadlines ? this.#deadlines.arm(this, delayMs, now) : setTimeout(fireTimer, delayMs, this);
  }

  #stopTimer(): void {
    const timer = this.#timer;
    if (timer === null) return;
    if (timer instanceof Deadline) this.#deadlines!.disarm(timer);
    else clearTimeout(timer);
    this.#timer = null;
  }

  /** @internal the exchange's timer fired. */
  deadlinePassed(): void {
    this.#timer = null;
    this.#timerDue = Infinity;
    if (this.#ended) return;
    const now = performance.now() + TIMER_SLACK_MS;
    if (now >= this.#routeDeadline) return this.#expire("route");
    if (now >= this.#idleDeadline) return this.#expire("idle");
    this.#schedule(now - TIMER_SLACK_MS);
  }

  #expire(reason: Expiry): void {
    if (this.#expired !== undefined || this.#ended) return;
    this.#expired = reason;
    if (this.#streaming) return this.onExpired(reason);
    this.#current?.cancel();
    this.#wake?.();
  }

  #releaseRetry(): void {
    if (this.#retryHeld) this.#retryHeld.activeRetries--;
    this.#retryHeld = null;
  }

  #local(status: number, flags: readonly ResponseFlagCode[], body: string, upstreamHost: string): ExchangeVerdict<Response> {
    return { kind: "local", status, flags, body, upstreamHost };
  }

  async #run(options: ExchangeOptions<Body, Response>): Promise<ExchangeVerdict<Response>> {
    const { decision, transport, observer } = options;
    const cluster = decision.cluster;
    const name = decision.clusterName;
    const overflowing = cluster.overflowing ? cluster : decision.via.find((hop) => hop.overflowing);
    if (overflowing) {
      observer.overflowed(overflowing.name);
      return this.#local(503, [ResponseFlag.upstreamOverflow], "upstream overflow\n", "");
    }
    const tls = cluster.config.tls;
    const unreachable = tls && "unsupported" in tls ? `upstream TLS: ${tls.unsupported}` : transport.unreachable(cluster);
    if (unreachable !== undefined) return this.#local(503, [ResponseFlag.upstreamConnectionFailure], `${unreachable}\n`, "");
    this.#holding = decision;
    cluster.active++;
    for (let i = 0; i < decision.via.length; i++) decision.via[i]!.active++;
    const now = options.now ?? performance.now();
    if (decision.timeoutMs > 0) this.#routeDeadline = now + decision.timeoutMs;
    // Before the response headers the idle timeout ends the request with 408; upload activity does not re-arm it.
    if (this.#idleMs > 0) this.#idleDeadline = now + this.#idleMs;

    const retry = decision.entry.retry;
    const maxAttempts = 1 + (retry ? Math.max(0, retry.numRetries) : 0);
    // Hosts tried so far, for previous-host avoidance: made on the first retry only.
    let tried: Set<string> | undefined;
    let flags: ResponseFlagCode[] = [];
    let failure: AttemptFailure | undefined;
    let upstreamHost = "";
    for (let attempt = 1; this.#expired === undefined && !this.#cancelled; attempt++) {
      if (attempt > 1) tried = tried ? tried.add(upstreamHost) : new Set([upstreamHost]);
      const host = cluster.pick(retry?.avoidPreviousHosts ? tried : undefined, retry?.hostSelectionAttempts ?? 1, decision.hash);
      if (!host) return this.#local(503, [ResponseFlag.noHealthyUpstream], "no healthy upstream\n", upstreamHost);
      upstreamHost = host.key;
      // The first attempt starts in the turn the exchange did.
      const started = attempt === 1 ? now : performance.now();
      const running = transport.startAttempt({ cluster, host, request: prepareAttempt(decision, attempt), body: options.body });
      // Counted and (first time) timed once the request is on its way: neither is on the path to the upstream's write.
      // The deadlines count from `now`, so arming them after the attempt started moves none of them.
      if (attempt === 1) this.#schedule(now);
      observer.attemptStarted(name);
      this.#current = running;
      // In flight to the host until the attempt settles (LEAST_REQUEST compares these).
      host.activeRequests++;
      const perTryTimeoutMs = retry?.perTryTimeoutMs ?? 0;
      // Most routes have no per-try timeout: then the attempt's own promise, with no wrapper.
      const outcome: Finished<Response> = perTryTimeoutMs > 0 ? await this.#settleWithin(running, perTryTimeoutMs) : await running.outcome;
      host.activeRequests--;
      this.#current = null;
      this.#releaseRetry();
      if (this.#cancelled || this.#expired !== undefined) {
        if (outcome.kind === "response") outcome.response.discard();
        break;
      }
      if (outcome.kind === "aborted") return this.#local(503, [ResponseFlag.upstreamConnectionTermination], "upstream request aborted\n", upstreamHost);
      let retriable: boolean;
      if (outcome.kind === "response") {
        const { response } = outcome;
        const headersAt = performance.now();
        const upstreamMs = headersAt - started;
        retriable = retry !== undefined && isRetriableResponse(retry, response.status, (header) => response.header(header));
        const refusal = retriable ? this.#refuseRetry(attempt, maxAttempts, cluster, () => options.replayable()) : null;
        if (!retriable || refusal !== undefined) {
          this.#startStreaming(headersAt);
          const verdict: ExchangeVerdict<Response> = { kind: "response", response, flags: refusal ? [refusal] : [], host, upstreamMs };
          try {
            this.#deliver(verdict);
          } finally {
            observer.responseReceived(name, response.status, upstreamMs);
            cluster.recordOutcome(host, response.status >= 500);
          }
          return verdict;
        }
        observer.responseReceived(name, response.status, upstreamMs);
        cluster.recordOutcome(host, response.status >= 500);
        response.discard();
      } else {
        failure = outcome.kind;
        observer.attemptFailed(name, failure);
        cluster.recordOutcome(host, true);
        retriable = retry !== undefined && isRetriableFailure(retry, failure);
        const refusal = retriable ? this.#refuseRetry(attempt, maxAttempts, cluster, () => options.replayable()) : null;
        if (!retriable || refusal !== undefined) {
          if (refusal) flags = [refusal];
          break;
        }
      }
      observer.retried(name);
      cluster.activeRetries++;
      this.#retryHeld = cluster;
      await this.#sleep(retryBackOffMs(retry!, attempt, options.random));
    }
    if (this.#cancelled) return { kind: "cancelled", upstreamHost };
    if (this.#expired === "route") {
      observer.routeTimedOut(name);
      return this.#local(504, [ResponseFlag.upstreamRequestTimeout], "upstream request timeout\n", upstreamHost);
    }
    if (this.#expired === "idle") return this.#local(408, [ResponseFlag.streamIdleTimeout], "stream timeout\n", upstreamHost);
    const reply = FAILURE_REPLIES[failure ?? "connect-failure"];
    return this.#local(reply.status, [reply.flag, ...flags], reply.body, upstreamHost);
  }

  /**
   * Why a retriable outcome is not retried, as Envoy decides it: a body that cannot be replayed ends retries
   * without a flag (null); no retry left is URX; the cluster's max_retries in flight is UO; undefined: retry.
   */
  #refuseRetry(attempt: number, maxAttempts: number, cluster: UpstreamCluster, replayable: () => boolean): ResponseFlagCode | null | undefined {
    if (!replayable()) return null;
    if (attempt >= maxAttempts) return ResponseFlag.upstreamRetryLimitExceeded;
    if (cluster.activeRetries >= cluster.config.limits.maxRetries) return ResponseFlag.upstreamOverflow;
    return undefined;
  }

  /** Waits for the attempt, cancelling it when its per-try timeout passes first (reported as `timeout`). */
  async #settleWithin(running: RunningAttempt<Response>, perTryTimeoutMs: number): Promise<Finished<Response>> {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      running.cancel();
    }, perTryTimeoutMs);
    const outcome = await running.outcome;
    clearTimeout(timer);
    return timedOut && outcome.kind !== "response" ? { kind: "timeout" } : outcome;
  }

  /** The back-off before a retry; ends early when the exchange expires or is cancelled. */
  #sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  /**
   * From the response headers (they arrived at `now`) on, the idle timeout restarts (in place where the runtime
   * can) and is re-armed by body activity.
   */
  #startStreaming(now: number): void {
    this.#streaming = true;
    // A later deadline: the armed timer fires first and re-arms.
    if (this.#idleDeadline !== Infinity) this.#idleDeadline = now + this.#idleMs;
  }
}
