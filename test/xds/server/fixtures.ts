// A small mesh built through the AWS SDK, as a user would: a front node calling `svc.local` (a router splitting
// traffic between blue and green) and `other.local` (a node directly), every backend discovered through
// meshplane's endpoint registry (awsCloudMap).
import {
  CreateMeshCommand,
  CreateRouteCommand,
  CreateVirtualNodeCommand,
  CreateVirtualRouterCommand,
  CreateVirtualServiceCommand,
  UpdateRouteCommand,
  type AppMeshClient,
  type PortProtocol,
} from "@aws-sdk/client-app-mesh";
import { registerEndpoint } from "./support.js";

export interface DemoMeshOptions {
  meshName: string;
  protocol?: PortProtocol;
  /**
   * Ports of the blue, green and other backends (registered at 127.0.0.1). Envoy connects to a Cloud Map instance on
   * its virtual node's listener port, so each node listens on its backend's port.
   */
  ports?: { blue: number; green: number; other: number };
  weights?: { blue: number; green: number };
}

export function weightedRoute(meshName: string, protocol: PortProtocol, weights: { blue: number; green: number }) {
  const action = {
    weightedTargets: [
      { virtualNode: "blue", weight: weights.blue },
      { virtualNode: "green", weight: weights.green },
    ],
  };
  const match = { prefix: "/" };
  return protocol === "http2" ? { http2Route: { match, action } } : protocol === "grpc" ? { grpcRoute: { match: {}, action } } : { httpRoute: { match, action } };
}

export async function createDemoMesh(appMesh: AppMeshClient, url: string, options: DemoMeshOptions): Promise<void> {
  const { meshName } = options;
  const protocol = options.protocol ?? "http";
  const ports = options.ports ?? { blue: 9001, green: 9002, other: 9003 };
  await appMesh.send(new CreateMeshCommand({ meshName }));
  for (const name of ["blue", "green", "other"] as const) {
    await appMesh.send(
      new CreateVirtualNodeCommand({
        meshName,
        virtualNodeName: name,
        spec: {
          listeners: [{ portMapping: { port: ports[name], protocol } }],
          serviceDiscovery: { awsCloudMap: { namespaceName: meshName, serviceName: name } },
        },
      }),
    );
    await registerEndpoint(url, meshName, name, `${name}-1`, "127.0.0.1", ports[name]);
  }
  await appMesh.send(new CreateVirtualRouterCommand({ meshName, virtualRouterName: "router", spec: { listeners: [{ portMapping: { port: 8080, protocol } }] } }));
  await appMesh.send(new CreateRouteCommand({ meshName, virtualRouterName: "router", routeName: "split", spec: weightedRoute(meshName, protocol, options.weights ?? { blue: 50, green: 50 }) }));
  await appMesh.send(new CreateVirtualServiceCommand({ meshName, virtualServiceName: "svc.local", spec: { provider: { virtualRouter: { virtualRouterName: "router" } } } }));
  await appMesh.send(new CreateVirtualServiceCommand({ meshName, virtualServiceName: "other.local", spec: { provider: { virtualNode: { virtualNodeName: "other" } } } }));
  await appMesh.send(
    new CreateVirtualNodeCommand({
      meshName,
      virtualNodeName: "front",
      spec: {
        backends: [{ virtualService: { virtualServiceName: "svc.local" } }, { virtualService: { virtualServiceName: "other.local" } }],
        serviceDiscovery: { awsCloudMap: { namespaceName: meshName, serviceName: "front" } },
      },
    }),
  );
}

export async function setWeights(appMesh: AppMeshClient, meshName: string, weights: { blue: number; green: number }, protocol: PortProtocol = "http"): Promise<void> {
  await appMesh.send(new UpdateRouteCommand({ meshName, virtualRouterName: "router", routeName: "split", spec: weightedRoute(meshName, protocol, weights) }));
}
