// Token buckets per principal and class, on an injected clock.
import { describe, expect, it } from "vitest";
import { createRateLimiter, parseBucketLimit } from "../../functions/auth/rate-limit.js";

describe("createRateLimiter", () => {
  it("allows a burst, then refills at the configured rate, per key and per class", () => {
    let now = 0;
    const limiter = createRateLimiter({ read: { rate: 2, burst: 3 }, mutating: { rate: 1, burst: 1 } }, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take("alice", "read"))).toEqual([true, true, true, false]);
    expect(limiter.take("bob", "read")).toBe(true);
    expect(limiter.take("alice", "mutating")).toBe(true);
    expect(limiter.take("alice", "mutating")).toBe(false);
    now = 500;
    expect(limiter.take("alice", "read")).toBe(true);
    expect(limiter.take("alice", "read")).toBe(false);
    expect(limiter.take("alice", "mutating")).toBe(false);
    now = 10_000;
    expect([1, 2, 3, 4].map(() => limiter.take("alice", "read"))).toEqual([true, true, true, false]);
    expect(limiter.take("alice", "mutating")).toBe(true);
  });

  it("parses <per second>/<burst> and refuses anything else", () => {
    expect(parseBucketLimit("X", "10/40")).toEqual({ rate: 10, burst: 40 });
    expect(parseBucketLimit("X", "0.5/1")).toEqual({ rate: 0.5, burst: 1 });
    expect(() => parseBucketLimit("X", "10")).toThrow(/X must look like/);
    expect(() => parseBucketLimit("X", "0/1")).toThrow();
  });
});
