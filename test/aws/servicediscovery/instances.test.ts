// Cloud Map instances feeding the mesh, as App Mesh used Cloud Map: instances registered with the unmodified AWS CLI
// reach a grpc-js ADS client's ClusterLoadAssignment when their attributes match the virtual node's filters, leave it
// when a custom health check calls them UNHEALTHY or when they are deregistered; meshplane's gateway (a real process)
// routes real HTTP traffic to them. Envoys dial the virtual node's listener port at each instance's AWS_INSTANCE_IPV4,
// so the backends share one port on different loopback addresses. Each case uses its own Cloud Map service.
import { CreateGatewayRouteCommand, CreateMeshCommand, CreateVirtualGatewayCommand, CreateVirtualNodeCommand, CreateVirtualServiceCommand } from "@aws-sdk/client-app-mesh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster_DiscoveryType } from "../../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import { ClusterLoadAssignmentSchema, ClusterSchema, TypeUrl } from "../../../functions/envoy/index.js";
import { awsCli, awsEnvironment } from "../../support/aws-cli.js";
import { startTestControlPlane, type TestControlPlane } from "../../support/control-plane.js";
import { MakeGatewayRouteSpec } from "../../support/fixtures.js";
import { countBy, freePort, load, startBackend, startGatewayProcess, waitFor, type Backend, type GatewayProcess } from "../../gateway/support.js";
import { adsClient, decode, SotwClient } from "../../xds/server/support.js";

const mesh = "cloud-map";
const namespace = "apps.local";

// Each AWS CLI call starts a Python interpreter (about a second, more on a loaded machine): cases get three minutes.
describe("Cloud Map instances in the mesh", { timeout: 180_000 }, () => {
  let plane: TestControlPlane;
  let gateway: GatewayProcess;
  let gatewayPort: number;
  let namespaceId: string;
  const backends: Backend[] = [];
  const env = awsEnvironment();

  const sd = async (...args: string[]) => {
    const result = await awsCli(plane.url, env, "servicediscovery", ...args);
    expect(result.code, result.stderr).toBe(0);
    return result.json;
  };

  /** A Cloud Map service with a custom health check, and virtual node `node` discovering its `version=v2` instances on `port`. */
  async function discoveredNode(service: string, node: string, port: number): Promise<string> {
    const { Service } = await sd("create-service", "--name", service, "--namespace-id", namespaceId, "--health-check-custom-config", "FailureThreshold=1");
    await plane.client.send(
      new CreateVirtualNodeCommand({
        meshName: mesh,
        virtualNodeName: node,
        spec: {
          listeners: [{ portMapping: { port, protocol: "http" } }],
          serviceDiscovery: { awsCloudMap: { namespaceName: namespace, serviceName: service, attributes: [{ key: "version", value: "v2" }] } },
        },
      }),
    );
    await plane.client.send(new CreateVirtualServiceCommand({ meshName: mesh, virtualServiceName: `${service}.${namespace}`, spec: { provider: { virtualNode: { virtualNodeName: node } } } }));
    return Service.Id as string;
  }

  const register = (serviceId: string, instanceId: string, ip: string, version: string) =>
    sd("register-instance", "--service-id", serviceId, "--instance-id", instanceId, "--attributes", `AWS_INSTANCE_IPV4=${ip},AWS_INSTANCE_PORT=1,version=${version}`);
  const health = (serviceId: string, instanceId: string, status: "HEALTHY" | "UNHEALTHY") =>
    sd("update-instance-custom-health-status", "--service-id", serviceId, "--instance-id", instanceId, "--status", status);

  beforeAll(async () => {
    plane = await startTestControlPlane();
    gatewayPort = await freePort();
    const created = await sd("create-http-namespace", "--name", namespace);
    namespaceId = (await sd("get-operation", "--operation-id", created.OperationId)).Operation.Targets.NAMESPACE;
    await plane.client.send(new CreateMeshCommand({ meshName: mesh }));
    await plane.client.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: "gw", spec: { listeners: [{ portMapping: { port: gatewayPort, protocol: "http" } }] } }));
    gateway = await startGatewayProcess(["--node", `mesh/${mesh}/virtualGateway/gw`, "--xds", `127.0.0.1:${plane.running.xdsPort}`]);
  });
  afterAll(async () => {
    await gateway?.stop();
    await Promise.all(backends.map((backend) => backend.close()));
    await plane?.stop();
  });

  it("serves the matching, healthy, registered instances in a grpc-js ADS client's ClusterLoadAssignment", async () => {
    const serviceId = await discoveredNode("serviceb", "serviceB", 8080);
    await plane.client.send(new CreateVirtualNodeCommand({ meshName: mesh, virtualNodeName: "front", spec: { backends: [{ virtualService: { virtualServiceName: `serviceb.${namespace}` } }] } }));
    const client = adsClient(`127.0.0.1:${plane.running.xdsPort}`);
    const stream = new SotwClient(client, { id: `mesh/${mesh}/virtualNode/front` });
    try {
      stream.send({ typeUrl: TypeUrl.cluster });
      const cds = await stream.next();
      stream.ack(cds);
      const edsNames = cds.resources
        .map((any) => decode(ClusterSchema, any))
        .filter((cluster) => cluster.clusterDiscoveryType.case === "type" && cluster.clusterDiscoveryType.value === Cluster_DiscoveryType.EDS)
        .map((cluster) => cluster.edsClusterConfig?.serviceName || cluster.name)
        .filter((name) => name.includes("serviceB"));
      expect(edsNames).toHaveLength(1);
      stream.send({ typeUrl: TypeUrl.endpoint, resourceNames: edsNames });

      /** Reads EDS pushes (acking each) until serviceB's assignment lists `expected`, at most 20 responses. */
      const assignmentBecomes = async (expected: string[]) => {
        let seen: string[] = [];
        for (let i = 0; i < 20; i++) {
          const response = await stream.next();
          stream.ack(response, edsNames);
          if (response.typeUrl !== TypeUrl.endpoint) continue;
          const assignment = decode(ClusterLoadAssignmentSchema, response.resources[0]!);
          seen = assignment.endpoints.flatMap((locality) =>
            locality.lbEndpoints.map((lb) => {
              const address = lb.hostIdentifier.case === "endpoint" ? lb.hostIdentifier.value.address?.address : undefined;
              return address?.case === "socketAddress" ? `${address.value.address}:${address.value.portSpecifier.case === "portValue" ? address.value.portSpecifier.value : ""}` : "";
            }),
          );
          if (JSON.stringify([...seen].sort()) === JSON.stringify(expected)) return seen;
        }
        throw new Error(`serviceB's assignment stayed ${JSON.stringify(seen)}, not ${JSON.stringify(expected)}`);
      };

      await assignmentBecomes([]);
      await register(serviceId, "b-1", "10.1.0.1", "v2");
      await register(serviceId, "b-2", "10.1.0.2", "v2");
      await register(serviceId, "b-old", "10.1.0.9", "v1");
      // The listener port (8080), not AWS_INSTANCE_PORT; the v1 instance is filtered out by the node's attributes.
      await assignmentBecomes(["10.1.0.1:8080", "10.1.0.2:8080"]);
      await health(serviceId, "b-1", "UNHEALTHY");
      await assignmentBecomes(["10.1.0.2:8080"]);
      await health(serviceId, "b-1", "HEALTHY");
      await assignmentBecomes(["10.1.0.1:8080", "10.1.0.2:8080"]);
      await sd("deregister-instance", "--service-id", serviceId, "--instance-id", "b-2");
      await assignmentBecomes(["10.1.0.1:8080"]);
    } finally {
      stream.end();
      client.close();
    }
  });

  it("has meshplane's gateway route real traffic to the healthy instances only", async () => {
    const port = await freePort("127.0.0.2");
    const started = await Promise.all([
      startBackend("c-1", { host: "127.0.0.2", port }),
      startBackend("c-2", { host: "127.0.0.3", port }),
      startBackend("c-old", { host: "127.0.0.4", port }),
    ]);
    backends.push(...started);
    const serviceId = await discoveredNode("servicec", "serviceC", port);
    await plane.client.send(new CreateGatewayRouteCommand({ meshName: mesh, virtualGatewayName: "gw", gatewayRouteName: "servicec", spec: MakeGatewayRouteSpec(`servicec.${namespace}`, "/c") }));
    await register(serviceId, "c-1", "127.0.0.2", "v2");
    await register(serviceId, "c-2", "127.0.0.3", "v2");
    await register(serviceId, "c-old", "127.0.0.4", "v1");

    const servedBy = async () => Object.keys(countBy(await load(gatewayPort, 40, 4, "/c"), (reply) => reply.backend ?? `status ${reply.status}`)).sort();
    expect(await waitFor(async () => JSON.stringify(await servedBy()) === JSON.stringify(["c-1", "c-2"]), 30_000), gateway.output()).toBe(true);
    await health(serviceId, "c-1", "UNHEALTHY");
    expect(await waitFor(async () => JSON.stringify(await servedBy()) === JSON.stringify(["c-2"]), 30_000), gateway.output()).toBe(true);
    expect(started[2]!.paths).toEqual([]);
  });
});
