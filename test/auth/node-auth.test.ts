// `npm start` with authentication on, end to end: the real ADS server (with functions/auth's admission in front)
// serves a grpc-js Envoy signing its metadata with the AWS SDK's signer for serviceBv1, ends serviceBv2 with 7 and
// an unsigned stream with 16, and audits the connect; REST xDS and the proxies page need the same permissions.
import { CreateMeshCommand, CreateVirtualNodeCommand } from "@aws-sdk/client-app-mesh";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMPTY_PAYLOAD_SHA256 } from "../../functions/auth/sigv4.js";
import { testAccountId, type TestControlPlane } from "../support/control-plane.js";
import { MakeVirtualNodeSpec } from "../support/fixtures.js";
import { adsClient } from "../xds/server/support.js";
import { createSigner, signedFetch, startAuthPlane, testKeys, type TestKey } from "./support.js";

const CLUSTER_TYPE = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

describe("control plane with authentication on: ADS and REST xDS", () => {
  let plane: TestControlPlane;
  let target: string;

  beforeAll(async () => {
    plane = await startAuthPlane();
    target = `127.0.0.1:${plane.running.xdsPort}`;
    await plane.client.send(new CreateMeshCommand({ meshName: "apps" }));
    for (const name of ["serviceBv1", "serviceBv2"]) {
      await plane.client.send(new CreateVirtualNodeCommand({ meshName: "apps", virtualNodeName: name, spec: MakeVirtualNodeSpec(`${name.toLowerCase()}.apps.local`, [], 80) as never }));
    }
  });
  afterAll(async () => plane?.stop());

  async function signedMetadata(key: TestKey): Promise<grpc.Metadata> {
    const signed = await createSigner(key).sign({
      method: "POST",
      protocol: "http:",
      hostname: "127.0.0.1",
      port: plane.running.xdsPort,
      path: "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources",
      query: {},
      headers: { host: target, "x-amz-content-sha256": EMPTY_PAYLOAD_SHA256 },
    });
    const metadata = new grpc.Metadata();
    for (const [name, value] of Object.entries(signed.headers)) if (name !== "host") metadata.set(name, value);
    return metadata;
  }

  function openStream(metadata: grpc.Metadata, nodeId: string): Promise<{ typeUrl?: string; code?: number; details?: string; close(): void }> {
    const client = adsClient(target);
    const call = (client as unknown as { StreamAggregatedResources(metadata: grpc.Metadata): grpc.ClientDuplexStream<unknown, { typeUrl: string }> }).StreamAggregatedResources(metadata);
    const close = () => {
      call.cancel();
      client.close();
    };
    return new Promise((resolve) => {
      call.on("data", (response: { typeUrl: string }) => resolve({ typeUrl: response.typeUrl, close }));
      call.on("error", () => undefined);
      call.on("status", (status: grpc.StatusObject) => resolve({ code: status.code, details: status.details, close }));
      call.write({ node: { id: nodeId, cluster: "apps" }, typeUrl: CLUSTER_TYPE, resourceNames: [] });
    });
  }

  it("serves serviceBv1 to an Envoy signing with its key, and audits the connect", async () => {
    const served = await openStream(await signedMetadata(testKeys.envoyB1), "mesh/apps/virtualNode/serviceBv1");
    expect(served.typeUrl).toBe(CLUSTER_TYPE);
    served.close();
    const entries = await plane.running.store.listAudit({ afterSeq: 0, limit: 100, action: "appmesh:StreamAggregatedResources" });
    expect(entries.map((e) => [e.principal, e.resource, e.outcome])).toContainEqual(["envoyB1", `arn:aws:appmesh:us-east-1:${testAccountId}:mesh/apps/virtualNode/serviceBv1`, "allowed"]);
  });

  it("ends the same key's stream for serviceBv2 with status 7", async () => {
    const refused = await openStream(await signedMetadata(testKeys.envoyB1), "mesh/apps/virtualNode/serviceBv2");
    expect(refused.code).toBe(grpc.status.PERMISSION_DENIED);
    refused.close();
  });

  it("ends a stream without a signature with status 16", async () => {
    const refused = await openStream(new grpc.Metadata(), "mesh/apps/virtualNode/serviceBv1");
    expect(refused).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: "Missing Authentication Token" });
    refused.close();
  });

  it("applies the same rule to REST xDS and the config dump, and guards the proxies page", async () => {
    const discovery = (node: string) => JSON.stringify({ node: { id: node, cluster: "apps" }, typeUrl: CLUSTER_TYPE });
    const post = (key: TestKey | null, node: string) =>
      key
        ? signedFetch(plane.url, key, "POST", "/v3/discovery:clusters", { body: discovery(node), headers: { "content-type": "application/json" } })
        : plane.request("POST", "/v3/discovery:clusters", { body: discovery(node), headers: { "content-type": "application/json" } });
    expect((await post(testKeys.envoyB1, "mesh/apps/virtualNode/serviceBv1")).status).toBe(200);
    expect((await post(testKeys.envoyB1, "mesh/apps/virtualNode/serviceBv2")).status).toBe(403);
    expect((await post(null, "mesh/apps/virtualNode/serviceBv1")).status).toBe(403);
    expect((await plane.request("GET", "/v1/xds/proxies")).status).toBe(403);
    const dump = (node: string) => `/v1/xds/config_dump?node=${encodeURIComponent(node)}`;
    expect((await plane.request("GET", dump("mesh/apps/virtualNode/serviceBv1"))).status).toBe(403);
    expect((await signedFetch(plane.url, testKeys.envoyB1, "GET", dump("mesh/apps/virtualNode/serviceBv2"))).status).toBe(403);
    expect((await signedFetch(plane.url, testKeys.envoyB1, "GET", dump("mesh/apps/virtualNode/serviceBv1"))).status).toBe(200);
    expect((await signedFetch(plane.url, testKeys.reader, "GET", "/v1/xds/proxies")).status).toBe(200);
  });
});
