// The extra ADS listeners of `npm start` with authentication on: a Unix socket that serves unsigned streams (as the
// App Mesh Envoy image speaks over unix://), and a TLS port where SigV4 is required, both relayed to the ADS server.
import { AppMeshClient, CreateMeshCommand, CreateVirtualNodeCommand } from "@aws-sdk/client-app-mesh";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import https from "node:https";
import * as grpc from "@grpc/grpc-js";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_RELAY_HEADER } from "../../functions/auth/ads-relay.js";
import { EMPTY_PAYLOAD_SHA256 } from "../../functions/auth/sigv4.js";
import type { TestControlPlane } from "../support/control-plane.js";
import { MakeVirtualNodeSpec } from "../support/fixtures.js";
import { adsClient } from "../xds/server/support.js";
import { createSigner, startAuthPlane, testKeys, type TestKey } from "./support.js";

const CLUSTER_TYPE = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-ads-relay-"));
const socketPath = path.join(dir, "ads.sock");
const cert = path.join(dir, "tls.crt");
const key = path.join(dir, "tls.key");
execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=meshplane", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });

type Outcome = { typeUrl?: string; code?: number; details?: string };

function openStream(client: grpc.Client, metadata: grpc.Metadata, nodeId: string): Promise<Outcome> {
  const call = (client as unknown as { StreamAggregatedResources(metadata: grpc.Metadata): grpc.ClientDuplexStream<unknown, { typeUrl: string }> }).StreamAggregatedResources(metadata);
  return new Promise((resolve) => {
    call.on("data", (response: { typeUrl: string }) => {
      resolve({ typeUrl: response.typeUrl });
      call.cancel();
    });
    call.on("error", () => undefined);
    call.on("status", (status: grpc.StatusObject) => resolve({ code: status.code, details: status.details }));
    call.write({ node: { id: nodeId, cluster: "apps" }, typeUrl: CLUSTER_TYPE, resourceNames: [] });
  });
}

describe("ADS on a Unix socket and on a TLS port", () => {
  let plane: TestControlPlane;
  const clients: grpc.Client[] = [];
  const track = <T extends grpc.Client>(client: T) => (clients.push(client), client);

  beforeAll(async () => {
    plane = await startAuthPlane({ MESHPLANE_TLS_CERT: cert, MESHPLANE_TLS_KEY: key, MESHPLANE_XDS_TLS_PORT: "0", MESHPLANE_XDS_SOCKET: socketPath });
    // The REST API is HTTPS with the same self-signed certificate: trust it for this client.
    const appMesh = new AppMeshClient({ endpoint: plane.url, region: "us-east-1", credentials: testKeys.full, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: readFileSync(cert) }) }) });
    await appMesh.send(new CreateMeshCommand({ meshName: "apps" }));
    for (const name of ["serviceBv1", "serviceBv2"]) {
      await appMesh.send(new CreateVirtualNodeCommand({ meshName: "apps", virtualNodeName: name, spec: MakeVirtualNodeSpec(`${name.toLowerCase()}.apps.local`, [], 80) as never }));
    }
    appMesh.destroy();
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await plane?.stop();
  });

  const tlsTarget = () => `127.0.0.1:${plane.running.xdsTlsPort}`;
  const tlsClient = () => {
    const Ads = adsClient("127.0.0.1:1").constructor as new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => grpc.Client;
    return track(new Ads(tlsTarget(), grpc.credentials.createSsl(readFileSync(cert)), { "grpc.use_local_subchannel_pool": 1 }));
  };
  async function signedMetadata(signer: TestKey): Promise<grpc.Metadata> {
    const signed = await createSigner(signer).sign({
      method: "POST",
      protocol: "https:",
      hostname: "127.0.0.1",
      port: plane.running.xdsTlsPort!,
      path: "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources",
      query: {},
      headers: { host: tlsTarget(), "x-amz-content-sha256": EMPTY_PAYLOAD_SHA256 },
    });
    const metadata = new grpc.Metadata();
    for (const [name, value] of Object.entries(signed.headers)) if (name !== "host") metadata.set(name, value);
    return metadata;
  }

  it("serves an unsigned Envoy on the Unix socket, which only its owner and group may open", async () => {
    expect(statSync(socketPath).mode & 0o777).toBe(0o660);
    const served = await openStream(track(adsClient(`unix://${socketPath}`)), new grpc.Metadata(), "mesh/apps/virtualNode/serviceBv2");
    expect(served.typeUrl).toBe(CLUSTER_TYPE);
    const entries = await plane.running.store.listAudit({ afterSeq: 0, limit: 100, principal: "local-socket" });
    expect(entries.map((e) => [e.action, e.outcome])).toContainEqual(["appmesh:StreamAggregatedResources", "allowed"]);
  });

  it("serves a SigV4-signed Envoy over TLS, and refuses the wrong node (7) and no signature (16)", async () => {
    expect((await openStream(tlsClient(), await signedMetadata(testKeys.envoyB1), "mesh/apps/virtualNode/serviceBv1")).typeUrl).toBe(CLUSTER_TYPE);
    expect((await openStream(tlsClient(), await signedMetadata(testKeys.envoyB1), "mesh/apps/virtualNode/serviceBv2")).code).toBe(grpc.status.PERMISSION_DENIED);
    expect((await openStream(tlsClient(), new grpc.Metadata(), "mesh/apps/virtualNode/serviceBv1")).code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it("does not let a client forge the local-relay marker", async () => {
    const forged = new grpc.Metadata();
    forged.set(LOCAL_RELAY_HEADER, "guess");
    expect((await openStream(tlsClient(), forged, "mesh/apps/virtualNode/serviceBv1")).code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await openStream(track(adsClient(`127.0.0.1:${plane.running.xdsPort}`)), forged, "mesh/apps/virtualNode/serviceBv1")).code).toBe(grpc.status.UNAUTHENTICATED);
  });
});
