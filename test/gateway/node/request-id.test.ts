// The gateway's x-request-id generator: UUID v4 shape and variety across refills of its entropy pool.
import { describe, expect, it } from "vitest";
import { requestId } from "../../../functions/gateway/node/request-id.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("requestId", () => {
  it("makes version 4, RFC 9562 variant UUIDs, all different, across several refills of its entropy pool", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const id = requestId();
      expect(id).toMatch(UUID_V4);
      ids.add(id);
    }
    expect(ids.size).toBe(10_000);
  });

  it("spreads the random hex digits over all sixteen values", () => {
    const digits = new Set<string>();
    for (let i = 0; i < 200; i++) for (const digit of requestId().slice(24)) digits.add(digit);
    expect(digits.size).toBe(16);
  });
});
