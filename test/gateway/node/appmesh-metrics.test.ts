// App Mesh's metrics extension series as the gateway records and exports them, on listeners and targets parsed from
// what meshplane translates; the end-to-end test with real traffic is in gateway.e2e.test.ts.
import net from "node:net";
import { describe, expect, it } from "vitest";
import { parseListenerConfig } from "../../../functions/gateway/core/config/listener-config.js";
import { mergeMetricStates, renderMetricStates } from "../../../functions/gateway/node/metric-families.js";
import { GatewayMetrics } from "../../../functions/gateway/node/metrics.js";
import { createMeshTranslator } from "../../../functions/xds/translate/index.js";
import { MakeDnsNode, MakeSnapshot, MESH } from "../../xds/translate/fixtures.js";

const resources = createMeshTranslator(MakeSnapshot({ virtualNodes: [MakeDnsNode("client", 8080, "http")] })).translateNode({ meshName: MESH, kind: "virtualNode", name: "client" });
const tagged = parseListenerConfig(resources.listeners[0]!);
const untagged = { ...tagged, aggregateStats: undefined };
const target = { targetVirtualService: "svc.app.local", targetVirtualNode: "blue" };

describe("AppMeshMetrics", () => {
  it("counts requests on tagged listeners by Mesh and VirtualNode, gRPC apart, and target responses by code class", () => {
    const metrics = new GatewayMetrics(`mesh/${MESH}/virtualNode/client`);
    const appMesh = metrics.appMesh!;
    appMesh.requestCompleted(tagged, target, 200, true, false, 3);
    appMesh.requestCompleted(tagged, target, 503, true, true, 40);
    appMesh.requestCompleted(tagged, target, 503, false, false, 1); // the gateway's own 503 UF: sent to the target, not its answer
    appMesh.requestCompleted(tagged, undefined, 404, false, false, 0);
    appMesh.requestCompleted(untagged, target, 200, true, false, 3);
    const text = metrics.render();
    expect(text).toContain(`envoy_appmesh_RequestCount{Mesh="app",VirtualNode="client"} 4\n`);
    expect(text).toContain(`envoy_appmesh_GrpcRequestCount{Mesh="app",VirtualNode="client"} 1\n`);
    const labels = `Mesh="app",VirtualNode="client",TargetVirtualService="svc.app.local",TargetVirtualNode="blue"`;
    expect(text).toContain(`envoy_appmesh_RequestCountPerTarget{${labels}} 3\n`);
    expect(text).toContain(`envoy_appmesh_HTTPCode_Target_2XX_Count{${labels}} 1\n`);
    expect(text).toContain(`envoy_appmesh_HTTPCode_Target_5XX_Count{${labels}} 1\n`);
    expect(text).not.toContain("envoy_appmesh_HTTPCode_Target_4XX_Count{");
    expect(text).toContain(`envoy_appmesh_TargetResponseTime_bucket{${labels},le="5"} 1\n`);
    expect(text).toContain(`envoy_appmesh_TargetResponseTime_count{${labels}} 2\n`);
    expect(text).toContain(`envoy_appmesh_TargetResponseTime_sum{${labels}} 43\n`);
  });

  it("names the VirtualGateway dimension for a gateway's node id and exports nothing of App Mesh for other ids", () => {
    const gateway = new GatewayMetrics(`mesh/${MESH}/virtualGateway/gw`);
    gateway.appMesh!.requestCompleted(tagged, undefined, 200, false, false, 0);
    expect(gateway.render()).toContain(`envoy_appmesh_RequestCount{Mesh="app",VirtualGateway="gw"} 1\n`);
    expect(new GatewayMetrics("some-envoy").appMesh).toBeUndefined();
    expect(new GatewayMetrics().render()).not.toContain("envoy_appmesh_");
  });

  it("counts accepted, active and closed downstream connections and their bytes, summed across workers", async () => {
    const workers = [new GatewayMetrics(`mesh/${MESH}/virtualGateway/gw`), new GatewayMetrics(`mesh/${MESH}/virtualGateway/gw`)];
    const server = net.createServer();
    const accepted: net.Socket[] = [];
    server.on("connection", (socket) => {
      workers[accepted.length % 2]!.appMesh!.connectionAccepted(tagged, socket);
      accepted.push(socket);
      socket.once("data", () => socket.write("pong"));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    const exchange = () =>
      new Promise<net.Socket>((resolve) => {
        const client = net.connect(port, "127.0.0.1", () => client.write("ping"));
        client.once("data", () => resolve(client));
      });
    const clients = await Promise.all([exchange(), exchange(), exchange()]);
    clients[0]!.destroy();
    await new Promise<void>((resolve) => accepted[0]!.once("close", () => resolve()));
    const text = renderMetricStates(mergeMetricStates(workers.map((worker) => worker.state())));
    expect(text).toContain(`envoy_appmesh_NewConnectionCount{Mesh="app",VirtualGateway="gw"} 3\n`);
    expect(text).toContain(`envoy_appmesh_ActiveConnectionCount{Mesh="app",VirtualGateway="gw"} 2\n`);
    // Each connection read "ping" and wrote "pong".
    expect(text).toContain(`envoy_appmesh_ProcessedBytes{Mesh="app",VirtualGateway="gw"} 24\n`);
    clients.forEach((client) => client.destroy());
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
