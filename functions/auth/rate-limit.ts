// Token buckets per principal and operation class (mutating or read): `rate` tokens a second up to `burst`. An
// empty bucket answers TooManyRequestsException (429), which the AWS tools retry with back-off by themselves.

export const operationClasses = ["read", "mutating"] as const;
export type OperationClass = (typeof operationClasses)[number];

export interface BucketLimit {
  /** Tokens added per second. */
  rate: number;
  /** Bucket size: how many calls may come at once after a quiet period. */
  burst: number;
}

export type RateLimits = Record<OperationClass, BucketLimit>;

/** Defaults, in the spirit of App Mesh's per-account API rate quotas. */
export const defaultRateLimits: RateLimits = {
  read: { rate: 50, burst: 100 },
  mutating: { rate: 10, burst: 40 },
};

/** Parses `"<rate>/<burst>"`, e.g. `"10/40"`. */
export function parseBucketLimit(name: string, raw: string): BucketLimit {
  const match = /^(\d+(?:\.\d+)?)\/(\d+)$/.exec(raw.trim());
  if (!match || Number(match[1]) <= 0 || Number(match[2]) < 1) throw new Error(`${name} must look like <tokens per second>/<burst>, e.g. 10/40; got "${raw}"`);
  return { rate: Number(match[1]), burst: Number(match[2]) };
}

export interface RateLimiter {
  /** Takes one token for `key` in `operationClass`; false when the bucket is empty. */
  take(key: string, operationClass: OperationClass): boolean;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets beyond this many keys are dropped oldest first (a dropped bucket comes back full). */
const MAX_BUCKETS = 10_000;

export function createRateLimiter(limits: RateLimits, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, Bucket>();
  return {
    take(key, operationClass) {
      const limit = limits[operationClass];
      const id = `${operationClass}\u0000${key}`;
      const at = now();
      let bucket = buckets.get(id);
      if (!bucket) {
        if (buckets.size >= MAX_BUCKETS) buckets.delete(buckets.keys().next().value!);
        bucket = { tokens: limit.burst, updatedAt: at };
        buckets.set(id, bucket);
      } else {
        bucket.tokens = Math.min(limit.burst, bucket.tokens + (Math.max(0, at - bucket.updatedAt) / 1000) * limit.rate);
        bucket.updatedAt = at;
      }
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
  };
}
