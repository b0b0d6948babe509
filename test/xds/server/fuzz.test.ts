// Hostile input on the xDS endpoints of a running control plane: raw HTTP/2 streams to the ADS service carrying
// malformed protobuf, oversized and truncated gRPC messages, bad node ids, compressed frames nobody negotiated, and
// streams reset mid-message; then REST xDS with bodies that are not DiscoveryRequests. Each bad stream ends with a
// gRPC status (each bad poll with a 4xx), the server stays up, and an Envoy stream (grpc-js) opened before keeps
// receiving pushes. Random payloads come from a seeded generator, so every run sends the same bytes.
import { create, toBinary } from "@bufbuild/protobuf";
import http2 from "node:http2";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TypeUrl } from "../../../functions/envoy/index.js";
import { MAX_DISCOVERY_REQUEST_BYTES } from "../../../functions/xds/server/request-limits.js";
import { DeltaDiscoveryRequestSchema, DiscoveryRequestSchema } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { openEnvoyStream, routeWeights, type EnvoyStream } from "../../replicas/envoy-stream.js";
import { seededRandom } from "../../support/seeded-random.js";
import { createDemoMesh, setWeights } from "./fixtures.js";
import { startMeshplane, type Meshplane } from "./support.js";

const ADS_PATH = "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources";
const DELTA_PATH = "/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources";

/** A gRPC length-prefixed message: flag byte, 4-byte big-endian length, payload. */
function grpcFrame(payload: Uint8Array, options: { compressed?: boolean; declaredLength?: number } = {}): Buffer {
  const header = Buffer.alloc(5);
  header[0] = options.compressed ? 1 : 0;
  header.writeUInt32BE(options.declaredLength ?? payload.length, 1);
  return Buffer.concat([header, payload]);
}

const discoveryRequest = (nodeId: string) => toBinary(DiscoveryRequestSchema, create(DiscoveryRequestSchema, { typeUrl: TypeUrl.cluster, node: { id: nodeId, cluster: nodeId } }));
const deltaDiscoveryRequest = (nodeId: string) =>
  toBinary(DeltaDiscoveryRequestSchema, create(DeltaDiscoveryRequestSchema, { typeUrl: TypeUrl.cluster, node: { id: nodeId, cluster: nodeId } }));


interface StreamEnd {
  /** grpc-status of the trailers (or of a trailers-only response); undefined when the stream ended without one. */
  grpcStatus: number | undefined;
  grpcMessage: string | undefined;
}

describe("ADS and REST xDS under hostile input", () => {
  let meshplane: Meshplane;
  let session: http2.ClientHttp2Session | undefined;
  /** GOAWAYs the server sent: a bad stream must end that stream only, never the connection. */
  let goaways = 0;
  let envoy: EnvoyStream;
  /** The raw connection, opened again if a test before ended it (so that no test depends on another). */
  function connection(): http2.ClientHttp2Session {
    if (session && !session.closed && !session.destroyed) return session;
    const opened = http2.connect(`http://${meshplane.xdsAddress}`);
    opened.on("error", () => {});
    opened.on("goaway", () => {
      goaways++;
      opened.destroy();
    });
    session = opened;
    return opened;
  }
  beforeAll(async () => {
    meshplane = await startMeshplane();
    await createDemoMesh(meshplane.appMesh, meshplane.url, { meshName: "demo" });
    envoy = await openEnvoyStream(meshplane.xdsAddress, "mesh/demo/virtualNode/front");
  });
  afterAll(async () => {
    envoy?.close();
    session?.destroy();
    await meshplane?.close();
  });

  /** Opens a gRPC stream, writes `chunks`, half-closes (unless `reset`), and resolves with how the server ended it. */
  function rawStream(chunks: Buffer[], options: { path?: string; headers?: http2.OutgoingHttpHeaders; reset?: boolean } = {}): Promise<StreamEnd> {
    return new Promise((resolve, reject) => {
      const stream = connection().request({ ":method": "POST", ":path": options.path ?? ADS_PATH, "content-type": "application/grpc", te: "trailers", ...options.headers });
      let end: StreamEnd = { grpcStatus: undefined, grpcMessage: undefined };
      const read = (headers: http2.IncomingHttpHeaders) => {
        if (headers["grpc-status"] !== undefined) end = { grpcStatus: Number(headers["grpc-status"]), grpcMessage: decodeURIComponent(String(headers["grpc-message"] ?? "")) };
      };
      stream.on("response", read);
      stream.on("trailers", read);
      stream.on("data", () => {});
      stream.on("close", () => resolve(end));
      stream.on("error", (error) => (options.reset ? resolve(end) : reject(error)));
      for (const chunk of chunks) stream.write(chunk);
      if (options.reset) setImmediate(() => stream.close(http2.constants.NGHTTP2_CANCEL));
      else stream.end();
    });
  }

  it("ends a stream of malformed protobuf with a gRPC status naming the decoding failure", async () => {
    const end = await rawStream([grpcFrame(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]))]);
    expect(end.grpcStatus).toBeGreaterThan(0);
    expect(end.grpcMessage).not.toBe("");
  });

  it("refuses a message declared larger than the limit with RESOURCE_EXHAUSTED, without reading it", async () => {
    const end = await rawStream([grpcFrame(Buffer.alloc(16), { declaredLength: MAX_DISCOVERY_REQUEST_BYTES + 1 })]);
    expect(end.grpcStatus).toBe(8);
  });

  it("refuses a gzip message that inflates past the limit with RESOURCE_EXHAUSTED", async () => {
    const bomb = gzipSync(Buffer.alloc(MAX_DISCOVERY_REQUEST_BYTES + 1));
    const end = await rawStream([grpcFrame(bomb, { compressed: true })], { headers: { "grpc-encoding": "gzip" } });
    expect(end.grpcStatus).toBe(8);
  });

  it("ends a stream whose message is cut short with a gRPC status", async () => {
    const full = grpcFrame(discoveryRequest("mesh/demo/virtualNode/front"));
    const end = await rawStream([full.subarray(0, full.length - 3)]);
    expect(end.grpcStatus).toBeGreaterThan(0);
  });

  it("refuses a compressed message when no encoding was negotiated", async () => {
    const end = await rawStream([grpcFrame(discoveryRequest("mesh/demo/virtualNode/front"), { compressed: true })]);
    expect(end.grpcStatus).toBeGreaterThan(0);
  });

  it.each([
    ["an empty node id", ""],
    ["a node id that is no App Mesh path", "not-a-node"],
    ["a node of a mesh that does not exist", "mesh/nowhere/virtualNode/front"],
    ["a kind that does not exist", "mesh/demo/virtualThing/front"],
    ["a very long node id", `mesh/demo/virtualNode/${"x".repeat(100_000)}`],
  ])("ends a stream whose first request carries %s with INVALID_ARGUMENT", async (_, nodeId) => {
    const before = goaways;
    for (const [path, encode] of [[ADS_PATH, discoveryRequest], [DELTA_PATH, deltaDiscoveryRequest]] as const) {
      const end = await rawStream([grpcFrame(encode(nodeId))], { path });
      expect(end.grpcStatus, end.grpcMessage).toBe(3);
      expect(end.grpcMessage!.length).toBeLessThanOrEqual(1024);
    }
    expect(goaways).toBe(before);
  });

  it("survives streams reset in the middle of a message, on the same connection", async () => {
    const before = goaways;
    const full = grpcFrame(discoveryRequest("mesh/demo/virtualNode/front"));
    for (let i = 0; i < 20; i++) await rawStream([full.subarray(0, 3 + i)], { reset: true });
    const end = await rawStream([grpcFrame(Buffer.from([0xff]))]);
    expect(end.grpcStatus).toBeGreaterThan(0);
    expect(goaways).toBe(before);
  });

  it("gives each of 200 streams of random bytes a gRPC status, and the Envoy stream opened before still gets pushes", async () => {
    const random = seededRandom(20);
    const ends: StreamEnd[] = [];
    for (let i = 0; i < 200; i++) {
      const payload = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 300) }, () => Math.floor(random() * 256)));
      const framed = random() < 0.7;
      ends.push(await rawStream([framed ? grpcFrame(payload) : payload]));
    }
    const statuses = new Set(ends.map((end) => end.grpcStatus));
    expect(statuses.has(undefined)).toBe(false);
    expect(statuses.has(0)).toBe(false);

    await setWeights(meshplane.appMesh, "demo", { blue: 70, green: 30 });
    const pushed = await envoy.next();
    expect(pushed.typeUrl).toBe(TypeUrl.route);
    expect(Object.values(routeWeights(pushed)).sort((x, y) => x - y)).toEqual([30, 70]);
    const fresh = await openEnvoyStream(meshplane.xdsAddress, "mesh/demo/virtualNode/front");
    fresh.close();
  });

  it("answers REST xDS bodies that are not DiscoveryRequests with 4xx and a google.rpc.Status, and still serves a good poll", async () => {
    const post = (body: string | Uint8Array, type = "clusters") =>
      fetch(`${meshplane.url}/v3/discovery:${type}`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const random = seededRandom(7);
    const bodies: Array<string | Uint8Array> = [
      "",
      "{",
      "[]",
      "null",
      '"text"',
      '{"node": 5}',
      '{"node": {"id": ["a"]}}',
      '{"resourceNames": "one"}',
      '{"node": {"id": "not-a-node"}}',
      '{"node": {"id": "mesh/nowhere/virtualNode/x"}}',
      JSON.stringify({ node: { id: `mesh/demo/virtualNode/${"x".repeat(100_000)}` } }),
      Buffer.from(Array.from({ length: 500 }, () => Math.floor(random() * 256))),
    ];
    for (const body of bodies) {
      const response = await post(body);
      expect(response.status, String(body)).toBeGreaterThanOrEqual(400);
      expect(response.status, String(body)).toBeLessThan(500);
      if (response.status !== 400) continue;
      expect(await response.json()).toMatchObject({ code: 3, message: expect.any(String) });
    }
    // Bodies past the API's limit (functions/api/app.ts, 1 MiB) are refused before they are read.
    const oversized = await post(JSON.stringify({ node: { id: "mesh/demo/virtualNode/front" }, resourceNames: ["x".repeat(MAX_DISCOVERY_REQUEST_BYTES)] }));
    expect(oversized.status).toBe(400);
    expect(await oversized.json()).toMatchObject({ message: expect.stringContaining("exceeds") });
    const good = await post(JSON.stringify({ node: { id: "mesh/demo/virtualNode/front" } }));
    expect(good.status).toBe(200);
    expect(((await good.json()) as { resources: unknown[] }).resources.length).toBeGreaterThan(0);
  });
});
