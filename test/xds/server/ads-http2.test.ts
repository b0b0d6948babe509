// The ADS gRPC transport on node:http2 (a real meshplane on loopback): what it answers to requests that are not ADS
// calls (raw HTTP/2), that it takes gzip-compressed requests, that a malformed or oversized
// message ends the stream with a status, and that the streams of one node share each response's encoding: one
// encoding per node, type and version, whatever the number of streams (counted).
import http2 from "node:http2";
import { gzipSync } from "node:zlib";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TypeUrl } from "../../../functions/envoy/index.js";
import { DiscoveryRequestSchema, DiscoveryResponseSchema } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { createDemoMesh, setWeights } from "./fixtures.js";
import { adsClient, rdsNames, SotwClient, startMeshplane, type Meshplane } from "./support.js";

const ADS_PATH = "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources";

/** One raw HTTP/2 request: the response headers, the trailers (if any) and the body. */
async function rawRequest(address: string, headers: http2.OutgoingHttpHeaders, body: Uint8Array | null): Promise<{ headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders; body: Buffer }> {
  const session = http2.connect(`http://${address}`);
  try {
    return await new Promise((resolve, reject) => {
      const request = session.request({ ":method": "POST", ":path": ADS_PATH, "content-type": "application/grpc", te: "trailers", ...headers });
      let responseHeaders: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      request.on("response", (h) => (responseHeaders = h));
      request.on("trailers", (t) => (trailers = t));
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => resolve({ headers: responseHeaders, trailers, body: Buffer.concat(chunks) }));
      request.on("error", reject);
      if (body) request.write(body);
      request.end();
    });
  } finally {
    session.close();
  }
}

/** `grpc-status` wherever the server put it: in a trailers-only response it is in the headers. */
const grpcStatus = (response: { headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders }) => Number(response.trailers["grpc-status"] ?? response.headers["grpc-status"]);

const frame = (bytes: Uint8Array, compressed = false) => {
  const prefix = Buffer.alloc(5);
  prefix[0] = compressed ? 1 : 0;
  prefix.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([prefix, Buffer.from(bytes)]);
};

describe("createAdsHttp2Handler", () => {
  let meshplane: Meshplane;
  const mesh = "transport";
  beforeAll(async () => {
    meshplane = await startMeshplane();
    await createDemoMesh(meshplane.appMesh, meshplane.url, { meshName: mesh });
  });
  afterAll(async () => {
    await meshplane?.close();
  });

  it("answers an unknown method with UNIMPLEMENTED, another HTTP method with 405 and another content type with 415", async () => {
    const unknown = await rawRequest(meshplane.xdsAddress, { ":path": "/envoy.service.discovery.v3.AggregatedDiscoveryService/Nope" }, null);
    expect(unknown.headers[":status"]).toBe(200);
    expect(grpcStatus(unknown)).toBe(GrpcStatus.UNIMPLEMENTED);
    expect(unknown.headers["grpc-message"]).toContain("Nope");
    const get = await rawRequest(meshplane.xdsAddress, { ":method": "GET" }, null);
    expect(get.headers[":status"]).toBe(405);
    const json = await rawRequest(meshplane.xdsAddress, { "content-type": "application/json" }, null);
    expect(json.headers[":status"]).toBe(415);
  });

  it("ends a stream whose message does not parse with INTERNAL, and one announcing more than 4 MiB with RESOURCE_EXHAUSTED", async () => {
    const garbage = await rawRequest(meshplane.xdsAddress, {}, frame(Uint8Array.from([0xff, 0xff, 0xff])));
    expect(grpcStatus(garbage)).toBe(GrpcStatus.INTERNAL);
    const huge = Buffer.alloc(5);
    huge.writeUInt32BE(5 * 1024 * 1024, 1);
    const oversized = await rawRequest(meshplane.xdsAddress, {}, huge);
    expect(grpcStatus(oversized)).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    const encoding = await rawRequest(meshplane.xdsAddress, { "grpc-encoding": "snappy" }, null);
    expect(grpcStatus(encoding)).toBe(GrpcStatus.UNIMPLEMENTED);
  });

  it("serves requests compressed with gzip", async () => {
    const request = create(DiscoveryRequestSchema, { node: { id: `mesh/${mesh}/virtualNode/front` }, typeUrl: TypeUrl.listener });
    const response = await rawRequest(meshplane.xdsAddress, { "grpc-encoding": "gzip" }, frame(gzipSync(toBinary(DiscoveryRequestSchema, request)), true));
    expect(grpcStatus(response)).toBe(GrpcStatus.OK);
    // One uncompressed response message: the node's listeners.
    expect(response.body[0]).toBe(0);
    const lds = fromBinary(DiscoveryResponseSchema, new Uint8Array(response.body.subarray(5, 5 + response.body.readUInt32BE(1))));
    expect(lds.typeUrl).toBe(TypeUrl.listener);
    expect(lds.resources.length).toBeGreaterThan(0);
  });

  it("encodes each response once for all streams of a node, and a push once for all of them", async () => {
    const client = adsClient(meshplane.xdsAddress);
    const streams = Array.from({ length: 5 }, () => new SotwClient(client, { id: `mesh/${mesh}/virtualNode/front` }));
    const counts = meshplane.running.xds.ads.encodings;
    try {
      const before = { built: counts.built, reused: counts.reused };
      let routeNames: string[] = [];
      for (const stream of streams) {
        stream.send({ typeUrl: TypeUrl.listener });
        const lds = await stream.next();
        stream.ack(lds);
        routeNames = rdsNames(lds);
        stream.send({ typeUrl: TypeUrl.route, resourceNames: routeNames });
        stream.ack(await stream.next(), routeNames);
      }
      // LDS and RDS, each encoded for the first stream and sent as is to the four others.
      expect(counts.built - before.built).toBe(2);
      expect(counts.reused - before.reused).toBe(8);
      const pushed = { built: counts.built, reused: counts.reused };
      await setWeights(meshplane.appMesh, mesh, { blue: 10, green: 90 });
      for (const stream of streams) {
        const push = await stream.next();
        expect(push.typeUrl).toBe(TypeUrl.route);
        stream.ack(push, routeNames);
      }
      expect(counts.built - pushed.built).toBe(1);
      expect(counts.reused - pushed.reused).toBe(4);
      for (const stream of streams) stream.end();
      await Promise.all(streams.map((stream) => stream.status));
    } finally {
      client.close();
    }
  });
});
