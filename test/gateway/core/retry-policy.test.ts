// The gateway core's retry policy: Envoy's retry_on conditions, retriable status codes, per-try timeout and the
// jittered exponential back-off, as RetryStateImpl and JitteredExponentialBackOffStrategy define them.
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { isRetriableFailure, isRetriableResponse, parseRetryPolicy, retryBackOffMs, type AttemptFailure, type RetryPolicy } from "../../../functions/gateway/core/index.js";
import { RetryPolicySchema } from "../../../proto/gen/envoy/config/route/v3/route_components_pb.js";

const MakeRetryPolicy = (json: Record<string, JsonValue>): RetryPolicy => parseRetryPolicy(fromJson(RetryPolicySchema, json))!;
const noHeaders = () => undefined;
const headers = (values: Record<string, string>) => (name: string) => values[name];

describe("parseRetryPolicy", () => {
  it("has no policy for an empty retry_on", () => {
    expect(parseRetryPolicy(undefined)).toBeUndefined();
    expect(parseRetryPolicy(create(RetryPolicySchema, { retryOn: "" }))).toBeUndefined();
  });

  it("takes Envoy's defaults: one retry, no per-try timeout, 25 ms base and 10 × base maximum back-off", () => {
    expect(MakeRetryPolicy({ retryOn: "5xx" })).toEqual({
      numRetries: 1,
      perTryTimeoutMs: 0,
      on: new Set(["5xx"]),
      statusCodes: new Set(),
      avoidPreviousHosts: false,
      hostSelectionAttempts: 1,
      backOff: { baseMs: 25, maxMs: 250 },
    });
  });

  it("reads App Mesh's emitted policy: tokens, codes, per-try timeout, previous_hosts and host selection attempts", () => {
    const policy = MakeRetryPolicy({
      retryOn: "reset, refused-stream,retriable-status-codes",
      numRetries: 3,
      perTryTimeout: "1.5s",
      retriableStatusCodes: [502, 503, 504, 409],
      retryHostPredicate: [{ name: "envoy.retry_host_predicates.previous_hosts" }],
      hostSelectionRetryMaxAttempts: "5",
    });
    expect(policy).toMatchObject({ numRetries: 3, perTryTimeoutMs: 1500, on: new Set(["reset", "refused-stream", "retriable-status-codes"]), avoidPreviousHosts: true, hostSelectionAttempts: 5 });
    expect(policy.statusCodes).toEqual(new Set([502, 503, 504, 409]));
  });

  it("ignores retry_on tokens Envoy does not know, as Envoy does in route configuration", () => {
    expect(MakeRetryPolicy({ retryOn: "5xx,made-up,unavailable" }).on).toEqual(new Set(["5xx", "unavailable"]));
  });

  it("reads retry_back_off, the max interval defaulting to 10 × the base interval", () => {
    expect(MakeRetryPolicy({ retryOn: "5xx", retryBackOff: { baseInterval: "0.1s", maxInterval: "2s" } }).backOff).toEqual({ baseMs: 100, maxMs: 2000 });
    expect(MakeRetryPolicy({ retryOn: "5xx", retryBackOff: { baseInterval: "0.040s" } }).backOff).toEqual({ baseMs: 40, maxMs: 400 });
  });

  it("refuses a back-off Envoy refuses: no or zero base interval, a max interval below the base", () => {
    expect(() => MakeRetryPolicy({ retryOn: "5xx", retryBackOff: {} })).toThrow(/base_interval must be greater than 0/);
    expect(() => MakeRetryPolicy({ retryOn: "5xx", retryBackOff: { baseInterval: "0s" } })).toThrow(/base_interval must be greater than 0/);
    expect(() => MakeRetryPolicy({ retryOn: "5xx", retryBackOff: { baseInterval: "1s", maxInterval: "0.5s" } })).toThrow(/max_interval must be greater than or equal to the base_interval/);
  });
});

describe("isRetriableResponse", () => {
  const cases: Array<[retryOn: string, status: number, retried: boolean]> = [
    ["5xx", 500, true],
    ["5xx", 503, true],
    ["5xx", 599, true],
    ["5xx", 499, false],
    ["gateway-error", 502, true],
    ["gateway-error", 504, true],
    ["gateway-error", 500, false],
    ["gateway-error", 505, false],
    ["retriable-4xx", 409, true],
    ["retriable-4xx", 429, false],
    ["retriable-4xx", 404, false],
    ["connect-failure,reset,refused-stream", 503, false],
    ["retriable-status-codes", 418, true],
    ["retriable-status-codes", 503, false],
  ];
  it.each(cases)("retry_on %s retries a %i: %s", (retryOn, status, retried) => {
    const policy = MakeRetryPolicy({ retryOn, retriableStatusCodes: [418] });
    expect(isRetriableResponse(policy, status, noHeaders)).toBe(retried);
  });

  it("uses retriable_status_codes only with retriable-status-codes in retry_on", () => {
    expect(isRetriableResponse(MakeRetryPolicy({ retryOn: "reset", retriableStatusCodes: [503] }), 503, noHeaders)).toBe(false);
    expect(isRetriableResponse(MakeRetryPolicy({ retryOn: "reset,retriable-status-codes", retriableStatusCodes: [503] }), 503, noHeaders)).toBe(true);
  });

  it("retries a trailers-only gRPC answer by its grpc-status on the gRPC conditions", () => {
    const policy = MakeRetryPolicy({ retryOn: "unavailable,resource-exhausted" });
    expect(isRetriableResponse(policy, 200, headers({ "grpc-status": "14" }))).toBe(true);
    expect(isRetriableResponse(policy, 200, headers({ "grpc-status": "8" }))).toBe(true);
    expect(isRetriableResponse(policy, 200, headers({ "grpc-status": "13" }))).toBe(false);
    expect(isRetriableResponse(policy, 200, headers({ "grpc-status": "0" }))).toBe(false);
    expect(isRetriableResponse(MakeRetryPolicy({ retryOn: "internal,cancelled,deadline-exceeded" }), 200, headers({ "grpc-status": "4" }))).toBe(true);
  });

  it("never retries a response another Envoy marked x-envoy-overloaded, and a rate-limited one only on envoy-ratelimited", () => {
    expect(isRetriableResponse(MakeRetryPolicy({ retryOn: "5xx" }), 503, headers({ "x-envoy-overloaded": "true" }))).toBe(false);
    expect(isRetriableResponse(MakeRetryPolicy({ retryOn: "5xx" }), 429, headers({ "x-envoy-ratelimited": "true" }))).toBe(false);
    expect(isRetriableResponse(MakeRetryPolicy({ retryOn: "envoy-ratelimited" }), 429, headers({ "x-envoy-ratelimited": "true" }))).toBe(true);
  });
});

describe("isRetriableFailure", () => {
  const failures: AttemptFailure[] = ["connect-failure", "reset", "refused-stream", "timeout"];
  const expected: Record<string, AttemptFailure[]> = {
    "5xx": failures,
    "gateway-error": failures,
    reset: failures,
    "connect-failure": ["connect-failure"],
    "reset-before-request": ["connect-failure"],
    "refused-stream": ["refused-stream"],
    "retriable-status-codes": [],
    "retriable-4xx": [],
    unavailable: [],
  };
  it.each(Object.entries(expected))("retry_on %s retries exactly %j", (retryOn, retried) => {
    const policy = MakeRetryPolicy({ retryOn });
    expect(failures.filter((failure) => isRetriableFailure(policy, failure))).toEqual(retried);
  });
});

describe("retryBackOffMs", () => {
  it("draws below base × 2^(n-1), capped at the max interval (Envoy's defaults: 25, 50, 100, 200, 250, 250 ms)", () => {
    const policy = MakeRetryPolicy({ retryOn: "5xx" });
    const almostOne = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 6].map((retry) => retryBackOffMs(policy, retry, almostOne))).toEqual([24, 49, 99, 199, 249, 249]);
    expect(retryBackOffMs(policy, 3, () => 0)).toBe(0);
    expect(retryBackOffMs(policy, 2, () => 0.5)).toBe(25);
  });

  it("follows the route's base and max intervals", () => {
    const policy = MakeRetryPolicy({ retryOn: "5xx", retryBackOff: { baseInterval: "0.1s", maxInterval: "0.3s" } });
    expect([1, 2, 3, 4].map((retry) => retryBackOffMs(policy, retry, () => 0.999_999))).toEqual([99, 199, 299, 299]);
  });
});
