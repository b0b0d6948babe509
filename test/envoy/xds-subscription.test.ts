// The node metadata a REST bootstrap writes, read back: the one place meshplane learns how a node subscribes.
import { describe, expect, it } from "vitest";
import {
  ADS_SUBSCRIPTION,
  formatDurationMs,
  parseDurationMs,
  xdsSubscriptionKey,
  xdsSubscriptionMetadata,
  xdsSubscriptionOfNode,
} from "../../functions/envoy/index.js";

const node = (entry: unknown) => ({ metadata: { "meshplane.xds": entry } as never });

describe("xdsSubscriptionOfNode", () => {
  it("reads ADS for nodes without the key, with api_type ADS, or without metadata", () => {
    expect(xdsSubscriptionOfNode(undefined)).toEqual(ADS_SUBSCRIPTION);
    expect(xdsSubscriptionOfNode({ metadata: { "aws.appmesh.metric_filter": { level: "1" } } })).toEqual(ADS_SUBSCRIPTION);
    expect(xdsSubscriptionOfNode(node({ api_type: "ADS" }))).toEqual(ADS_SUBSCRIPTION);
  });

  it("reads a REST subscription back from the metadata the bootstrap writes, request_timeout defaulting to Envoy's 1s", () => {
    const rest = { apiType: "REST", cluster: "cp.example.com:8443", refreshDelayMs: 2500, requestTimeoutMs: 3000 } as const;
    expect(xdsSubscriptionOfNode(node(xdsSubscriptionMetadata(rest)))).toEqual(rest);
    expect(xdsSubscriptionOfNode(node({ api_type: "REST", cluster: "cp", refresh_delay: "0.250s" }))).toEqual({ apiType: "REST", cluster: "cp", refreshDelayMs: 250, requestTimeoutMs: 1000 });
  });

  it("names the field of metadata it cannot use", () => {
    const errors = [
      node("REST"),
      node({ api_type: "GRPC", cluster: "cp", refresh_delay: "1s" }),
      node({ api_type: "REST", refresh_delay: "1s" }),
      node({ api_type: "REST", cluster: "cp" }),
      node({ api_type: "REST", cluster: "cp", refresh_delay: "1m" }),
      node({ api_type: "REST", cluster: "cp", refresh_delay: "1s", request_timeout: "0s" }),
    ].map((n) => (xdsSubscriptionOfNode(n) as { error?: string }).error);
    expect(errors).toEqual([
      'node.metadata["meshplane.xds"] must be an object',
      'node.metadata["meshplane.xds"].api_type must be "REST" or "ADS", got "GRPC"',
      'node.metadata["meshplane.xds"].cluster must name the bootstrap\'s static cluster that reaches meshplane',
      'node.metadata["meshplane.xds"].refresh_delay must be a positive duration such as "1s", got null',
      'node.metadata["meshplane.xds"].refresh_delay must be a positive duration such as "1s", got "1m"',
      'node.metadata["meshplane.xds"].request_timeout must be a positive duration such as "1s", got "0s"',
    ]);
  });

  it("keys ADS as the empty string (cache keys of ADS nodes unchanged) and REST by cluster and timings", () => {
    expect(xdsSubscriptionKey(ADS_SUBSCRIPTION)).toBe("");
    expect(xdsSubscriptionKey(undefined)).toBe("");
    expect(xdsSubscriptionKey({ apiType: "REST", cluster: "cp", refreshDelayMs: 1000, requestTimeoutMs: 1000 })).toBe("@rest:cp:1000:1000");
  });

  it("formats and parses protobuf JSON durations in milliseconds", () => {
    expect([1000, 250, 61500].map(formatDurationMs)).toEqual(["1s", "0.250s", "61.500s"]);
    expect(["1s", "0.5s", "2.250s", "1", "-1s"].map(parseDurationMs)).toEqual([1000, 500, 2250, undefined, undefined]);
  });
});
