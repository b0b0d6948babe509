// The rules between a spec and the resources of its mesh that App Mesh's guide states (checkSpecInMesh in
// functions/appmesh/spec-rules.ts, the guide's words beside each rule), through the AWS SDK against a running
// control plane: each is refused with BadRequestException naming the field, nothing is stored, and the same spec
// with the field given is accepted.
import {
  CreateGatewayRouteCommand,
  CreateMeshCommand,
  CreateRouteCommand,
  CreateVirtualGatewayCommand,
  CreateVirtualNodeCommand,
  CreateVirtualRouterCommand,
  CreateVirtualServiceCommand,
  DescribeRouteCommand,
  ListGatewayRoutesCommand,
  UpdateRouteCommand,
} from "@aws-sdk/client-app-mesh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.js";

const meshName = "rules";
const twoHttpListeners = [{ portMapping: { port: 80, protocol: "http" as const } }, { portMapping: { port: 81, protocol: "http" as const } }];

describe("checkSpecInMesh", () => {
  let controlPlane: TestControlPlane;
  const refusal = async (write: () => Promise<unknown>) => {
    try {
      await write();
    } catch (error) {
      return { name: (error as Error).name, message: (error as Error).message, status: (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode };
    }
    return undefined;
  };
  beforeAll(async () => {
    controlPlane = await startTestControlPlane();
    await controlPlane.client.send(new CreateMeshCommand({ meshName }));
    const dns = (name: string) => ({ dns: { hostname: `${name}.local` } });
    await controlPlane.client.send(new CreateVirtualNodeCommand({ meshName, virtualNodeName: "one-port", spec: { listeners: [twoHttpListeners[0]!], serviceDiscovery: dns("one-port") } }));
    await controlPlane.client.send(new CreateVirtualNodeCommand({ meshName, virtualNodeName: "two-ports", spec: { listeners: twoHttpListeners, serviceDiscovery: dns("two-ports") } }));
    await controlPlane.client.send(new CreateVirtualRouterCommand({ meshName, virtualRouterName: "one-listener", spec: { listeners: [twoHttpListeners[0]!] } }));
    await controlPlane.client.send(new CreateVirtualRouterCommand({ meshName, virtualRouterName: "two-listeners", spec: { listeners: twoHttpListeners } }));
    await controlPlane.client.send(new CreateVirtualServiceCommand({ meshName, virtualServiceName: "two-ports.local", spec: { provider: { virtualNode: { virtualNodeName: "two-ports" } } } }));
    await controlPlane.client.send(new CreateVirtualServiceCommand({ meshName, virtualServiceName: "one-port.local", spec: { provider: { virtualNode: { virtualNodeName: "one-port" } } } }));
    await controlPlane.client.send(new CreateVirtualGatewayCommand({ meshName, virtualGatewayName: "two-listeners", spec: { listeners: twoHttpListeners } }));
    await controlPlane.client.send(new CreateVirtualGatewayCommand({ meshName, virtualGatewayName: "one-listener", spec: { listeners: [twoHttpListeners[0]!] } }));
  });
  afterAll(async () => {
    await controlPlane?.stop();
  });

  const httpRoute = (target: { virtualNode: string; port?: number }, port?: number) => ({
    httpRoute: { match: { prefix: "/", ...(port !== undefined ? { port } : {}) }, action: { weightedTargets: [{ ...target, weight: 100 }] } },
  });

  it("refuses a route without match.port on a router with several listeners (guide: \"Port match is required if this virtual router has multiple listeners\")", async () => {
    const refused = await refusal(() => controlPlane.client.send(new CreateRouteCommand({ meshName, virtualRouterName: "two-listeners", routeName: "no-port", spec: httpRoute({ virtualNode: "one-port" }) })));
    expect(refused).toEqual({ name: "BadRequestException", status: 400, message: expect.stringContaining("'spec.httpRoute.match.port' is required: virtual router two-listeners has 2 listeners") });
    expect(await refusal(() => controlPlane.client.send(new DescribeRouteCommand({ meshName, virtualRouterName: "two-listeners", routeName: "no-port" })))).toMatchObject({ name: "NotFoundException" });
    await controlPlane.client.send(new CreateRouteCommand({ meshName, virtualRouterName: "two-listeners", routeName: "with-port", spec: httpRoute({ virtualNode: "one-port" }, 81) }));
    expect(await refusal(() => controlPlane.client.send(new UpdateRouteCommand({ meshName, virtualRouterName: "two-listeners", routeName: "with-port", spec: httpRoute({ virtualNode: "one-port" }) })))).toMatchObject({
      name: "BadRequestException",
      message: expect.stringContaining("'spec.httpRoute.match.port' is required"),
    });
    await controlPlane.client.send(new CreateRouteCommand({ meshName, virtualRouterName: "one-listener", routeName: "no-port-needed", spec: httpRoute({ virtualNode: "one-port" }) }));
  });

  it("refuses a weighted target without port when its node has several listeners (guide: \"If the selected virtual node has multiple listeners, Target port is required\")", async () => {
    const refused = await refusal(() => controlPlane.client.send(new CreateRouteCommand({ meshName, virtualRouterName: "one-listener", routeName: "no-target-port", spec: httpRoute({ virtualNode: "two-ports" }) })));
    expect(refused).toEqual({ name: "BadRequestException", status: 400, message: expect.stringContaining("'spec.httpRoute.action.weightedTargets[0].port' is required: virtual node two-ports has 2 listeners") });
    await controlPlane.client.send(new CreateRouteCommand({ meshName, virtualRouterName: "one-listener", routeName: "target-port", spec: httpRoute({ virtualNode: "two-ports", port: 81 }) }));
  });

  const gatewayRoute = (service: string, options: { matchPort?: number; targetPort?: number } = {}) => ({
    httpRoute: {
      match: { prefix: "/", ...(options.matchPort !== undefined ? { port: options.matchPort } : {}) },
      action: { target: { virtualService: { virtualServiceName: service }, ...(options.targetPort !== undefined ? { port: options.targetPort } : {}) } },
    },
  });
  const gatewayRouteNames = async (gateway: string) =>
    ((await controlPlane.client.send(new ListGatewayRoutesCommand({ meshName, virtualGatewayName: gateway }))).gatewayRoutes ?? []).map((r) => r.gatewayRouteName!);

  it("refuses a gateway route without match.port on a gateway with several listeners (guide: \"Port match is required if this virtual gateway has multiple listeners\")", async () => {
    const refused = await refusal(() => controlPlane.client.send(new CreateGatewayRouteCommand({ meshName, virtualGatewayName: "two-listeners", gatewayRouteName: "no-port", spec: gatewayRoute("one-port.local") })));
    expect(refused).toEqual({ name: "BadRequestException", status: 400, message: expect.stringContaining("'spec.httpRoute.match.port' is required: virtual gateway two-listeners has 2 listeners") });
    expect(await gatewayRouteNames("two-listeners")).not.toContain("no-port");
    await controlPlane.client.send(new CreateGatewayRouteCommand({ meshName, virtualGatewayName: "two-listeners", gatewayRouteName: "with-port", spec: gatewayRoute("one-port.local", { matchPort: 80 }) }));
  });

  it("refuses a gateway route target without port when the service's provider has several listeners (guide: \"Virtual service provider port is required\")", async () => {
    const refused = await refusal(() => controlPlane.client.send(new CreateGatewayRouteCommand({ meshName, virtualGatewayName: "one-listener", gatewayRouteName: "no-target-port", spec: gatewayRoute("two-ports.local") })));
    expect(refused).toEqual({
      name: "BadRequestException",
      status: 400,
      message: expect.stringContaining("'spec.httpRoute.action.target.port' is required: virtual node two-ports, the provider of virtual service two-ports.local, has 2 listeners"),
    });
    expect(await gatewayRouteNames("one-listener")).not.toContain("no-target-port");
    await controlPlane.client.send(new CreateGatewayRouteCommand({ meshName, virtualGatewayName: "one-listener", gatewayRouteName: "target-port", spec: gatewayRoute("two-ports.local", { targetPort: 81 }) }));
  });
});
