// The HTTP/1.1 connections to one upstream host: keep-alive reuse (the most recently used idle connection first,
// so the others age out), at most `maxConnections` of them, requests waiting in order when all are busy, idle
// connections closed after their keep-alive time, and retirement when the cluster's settings change (requests
// under way and waiting finish; connections close as they come free).
import type { ConnectionOwner, ConnectionRequest, ConnectOptions } from "./connection.js";
import { Http1Connection } from "./connection.js";

export interface PoolOptions extends ConnectOptions {
  /** Connections open or opening at once; more requests wait. */
  readonly maxConnections: number;
}

export class Http1Pool implements ConnectionOwner {
  readonly #options: PoolOptions;
  /** Idle connections, the most recently used last. */
  readonly #idle: Http1Connection[] = [];
  /** Requests waiting for a connection, in arrival order. */
  #waiting: ConnectionRequest[] = [];
  readonly #connections = new Set<Http1Connection>();
  #closing = false;
  #destroyed = false;
  tlsSession: Buffer | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  /** When the sweep timer fires (performance.now() ms); Infinity: not armed. */
  #sweepDue = Infinity;

  constructor(options: PoolOptions) {
    this.#options = options;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Connections open or opening (for tests and metrics). */
  get size(): number {
    return this.#connections.size;
  }

  /** Idle connections. */
  get idleCount(): number {
    return this.#idle.length;
  }

  /** Sends `request` on an idle connection, a new one, or when one comes free. */
  dispatch(request: ConnectionRequest): void {
    if (this.#destroyed) return request.onFailure("connect-failure");
    let idle: Http1Connection | undefined;
    // An idle connection the upstream has just closed is on its way out (its close event is still to come).
    while ((idle = this.#idle.pop()) !== undefined) if (idle.usable) return idle.send(request);
    if (this.#connections.size < this.#options.maxConnections) this.#open(request);
    else this.#waiting.push(request);
  }

  /** A waiting request gave up (cancelled). Requests already on a connection abort through it instead. */
  withdraw(request: ConnectionRequest): void {
    const index = this.#waiting.indexOf(request);
    if (index >= 0) this.#waiting.splice(index, 1);
  }

  #open(first: ConnectionRequest): void {
    this.#connections.add(new Http1Connection(this, this.#options, first));
  }

  #nextWaiting(): ConnectionRequest | undefined {
    const waiting = this.#waiting;
    while (waiting.length > 0) {
      const next = waiting.shift()!;
      if (!next.cancelled) return next;
    }
    return undefined;
  }

  // ConnectionOwner.

  connected(connection: Http1Connection, first: ConnectionRequest): void {
    if (!first.cancelled) connection.send(first);
    else this.released(connection, this.#options.keepAliveMs);
  }

  released(connection: Http1Connection, keepAliveMs: number): void {
    const next = this.#nextWaiting();
    if (next !== undefined) return connection.send(next);
    if (this.#closing) return connection.close();
    const now = performance.now();
    connection.idleSince = now;
    connection.idleMs = keepAliveMs;
    this.#idle.push(connection);
    if (now + keepAliveMs < this.#sweepDue) this.#armSweep(now + keepAliveMs, now);
  }

  removed(connection: Http1Connection, first: ConnectionRequest | null): void {
    this.#connections.delete(connection);
    const idleIndex = this.#idle.lastIndexOf(connection);
    if (idleIndex >= 0) this.#idle.splice(idleIndex, 1);
    if (first !== null && !first.cancelled) first.onFailure("connect-failure");
    // A slot came free: a waiting request gets a connection of its own.
    if (!this.#destroyed && this.#waiting.length > 0 && this.#connections.size < this.#options.maxConnections) {
      const next = this.#nextWaiting();
      if (next !== undefined) this.#open(next);
    }
  }

  // Idle expiry: one timer per pool, due when the first idle connection expires.

  #armSweep(due: number, now: number): void {
    if (this.#sweepTimer !== undefined) clearTimeout(this.#sweepTimer);
    this.#sweepDue = due;
    this.#sweepTimer = setTimeout(() => this.#sweep(), Math.max(1, Math.ceil(due - now)));
    this.#sweepTimer.unref();
  }

  #sweep(): void {
    this.#sweepTimer = undefined;
    this.#sweepDue = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const connection of this.#idle.slice()) {
      const due = connection.idleSince + connection.idleMs;
      if (due <= now + 1) this.#closeIdle(connection);
      else next = Math.min(next, due);
    }
    if (next !== Infinity) this.#armSweep(next, now);
  }

  /** Retires the pool: requests under way and waiting finish; each connection closes when it comes free. */
  close(): void {
    this.#closing = true;
    for (const connection of this.#idle.slice()) this.#closeIdle(connection);
  }

  #closeIdle(connection: Http1Connection): void {
    const index = this.#idle.indexOf(connection);
    if (index >= 0) this.#idle.splice(index, 1);
    connection.close();
  }

  /** Closes every connection now; waiting requests fail as connect failures (they never reached the host). */
  destroy(): void {
    this.#closing = true;
    this.#destroyed = true;
    if (this.#sweepTimer !== undefined) clearTimeout(this.#sweepTimer);
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const request of waiting) if (!request.cancelled) request.onFailure("connect-failure");
    for (const connection of [...this.#connections]) connection.close();
  }
}
