// What the filters keep between requests: token buckets (per rate-limit configuration, so a changed configuration
// starts a full bucket, as a new Envoy filter instance does), JWKS documents by URI, and how many faults are active
// per fault configuration. One per gateway; lives across snapshots.
import type { FaultConfig, RateLimitConfig } from "./filter-config.js";

/** Envoy's token bucket: full at start, `tokensPerFill` added every `fillIntervalMs` up to `maxTokens`. */
export class TokenBucket {
  #tokens: number;
  #filledAt: number;
  readonly #bucket: NonNullable<RateLimitConfig["bucket"]>;

  constructor(bucket: NonNullable<RateLimitConfig["bucket"]>, now: number) {
    this.#bucket = bucket;
    this.#tokens = bucket.maxTokens;
    this.#filledAt = now;
  }

  /** Takes one token; false when the bucket is empty. */
  take(now: number): boolean {
    const { maxTokens, tokensPerFill, fillIntervalMs } = this.#bucket;
    const fills = Math.floor((now - this.#filledAt) / fillIntervalMs);
    if (fills > 0) {
      this.#tokens = Math.min(maxTokens, this.#tokens + fills * tokensPerFill);
      this.#filledAt += fills * fillIntervalMs;
    }
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }
}

export interface CachedJwks {
  /** The parsed JWKS document. */
  document: { keys: unknown[] };
  fetchedAt: number;
}

export class FilterState {
  readonly #buckets = new WeakMap<RateLimitConfig, TokenBucket>();
  readonly #activeFaults = new WeakMap<FaultConfig, number>();
  /** By JWKS URI; fetches in flight share one promise. */
  readonly jwks = new Map<string, CachedJwks>();
  readonly jwksFetches = new Map<string, Promise<CachedJwks>>();

  bucket(config: RateLimitConfig, now: number): TokenBucket | undefined {
    if (!config.bucket) return undefined;
    let bucket = this.#buckets.get(config);
    if (!bucket) this.#buckets.set(config, (bucket = new TokenBucket(config.bucket, now)));
    return bucket;
  }

  activeFaults(config: FaultConfig): number {
    return this.#activeFaults.get(config) ?? 0;
  }

  /** Counts a fault in progress until `done` settles. */
  async withFault<T>(config: FaultConfig, done: () => Promise<T>): Promise<T> {
    this.#activeFaults.set(config, this.activeFaults(config) + 1);
    try {
      return await done();
    } finally {
      this.#activeFaults.set(config, this.activeFaults(config) - 1);
    }
  }
}
