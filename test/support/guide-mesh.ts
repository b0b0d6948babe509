// The App Mesh user guide's getting-started mesh (serviceA → serviceb.apps.local → router serviceB → 75 serviceB /
// 25 serviceBv2), created through the AWS SDK, and the two routes the explain tests add to it.
import {
  CreateMeshCommand,
  CreateRouteCommand,
  CreateVirtualNodeCommand,
  CreateVirtualRouterCommand,
  CreateVirtualServiceCommand,
  type AppMeshClient,
} from "@aws-sdk/client-app-mesh";

export async function createGuideMesh(client: AppMeshClient, meshName: string, protocol: "http" | "http2" = "http2"): Promise<void> {
  const listeners = [{ portMapping: { port: 80, protocol } }];
  await client.send(new CreateMeshCommand({ meshName }));
  for (const [name, hostname] of [["serviceB", "serviceb.apps.local"], ["serviceBv2", "servicebv2.apps.local"]] as const) {
    await client.send(new CreateVirtualNodeCommand({ meshName, virtualNodeName: name, spec: { listeners, serviceDiscovery: { dns: { hostname } } } }));
  }
  await client.send(new CreateVirtualRouterCommand({ meshName, virtualRouterName: "serviceB", spec: { listeners } }));
  const route = { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "serviceB", weight: 75 }, { virtualNode: "serviceBv2", weight: 25 }] } };
  await client.send(new CreateRouteCommand({ meshName, virtualRouterName: "serviceB", routeName: "serviceB", spec: protocol === "http2" ? { http2Route: route } : { httpRoute: route } }));
  await client.send(new CreateVirtualServiceCommand({ meshName, virtualServiceName: "serviceb.apps.local", spec: { provider: { virtualRouter: { virtualRouterName: "serviceB" } } } }));
  await client.send(
    new CreateVirtualNodeCommand({ meshName, virtualNodeName: "serviceA", spec: { listeners, serviceDiscovery: { dns: { hostname: "servicea.apps.local" } }, backends: [{ virtualService: { virtualServiceName: "serviceb.apps.local" } }] } }),
  );
  await client.send(new CreateVirtualServiceCommand({ meshName, virtualServiceName: "servicea.apps.local", spec: { provider: { virtualNode: { virtualNodeName: "serviceA" } } } }));
}

/** On an http guide mesh: `api` (priority 0, prefix /api/ → serviceB) and `canary` (priority 1, header x-canary: 1 → serviceBv2). */
export async function addExplainRoutes(client: AppMeshClient, meshName: string): Promise<void> {
  await client.send(
    new CreateRouteCommand({
      meshName,
      virtualRouterName: "serviceB",
      routeName: "canary",
      spec: { priority: 1, httpRoute: { match: { prefix: "/", headers: [{ name: "x-canary", match: { exact: "1" } }] }, action: { weightedTargets: [{ virtualNode: "serviceBv2", weight: 100 }] } } },
    }),
  );
  await client.send(
    new CreateRouteCommand({ meshName, virtualRouterName: "serviceB", routeName: "api", spec: { priority: 0, httpRoute: { match: { prefix: "/api/" }, action: { weightedTargets: [{ virtualNode: "serviceB", weight: 1 }] } } } }),
  );
}
