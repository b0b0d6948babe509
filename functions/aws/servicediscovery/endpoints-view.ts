// `/v1/endpoints`: meshplane's earlier endpoint registry, kept as a thin view over Cloud Map. Listing reads the
// instances of Cloud Map services; a PUT registers an instance with the service of that namespace and name, its
// address and port becoming AWS_INSTANCE_IPV4/IPV6 and AWS_INSTANCE_PORT. As the earlier registry took any names, a
// PUT creates a missing HTTP namespace and a missing service (with a custom health check, so `health` can be set);
// a DELETE deregisters. Errors are Cloud Map's.
import { Hono, type Context } from "hono";
import type { EndpointRow } from "../../../db/store.js";
import { AwsServiceError, renderAwsError, type JsonService, type StandInContext } from "../shared/index.js";
import { cloudMapError, invalidInput } from "./errors.js";
import { isIpv4, isIpv6 } from "./instance-attributes.js";
import { SERVICE, type NamespaceRow, type ServiceRow } from "./records.js";

/** An instance as the view shows it. */
export interface EndpointView {
  namespaceName: string;
  serviceName: string;
  instanceId: string;
  address: string;
  port: number;
  attributes: Record<string, string>;
  health: string;
}

const toView = (row: EndpointRow): EndpointView => ({
  namespaceName: row.namespaceName,
  serviceName: row.serviceName,
  instanceId: row.instanceId,
  address: row.address,
  port: row.port,
  attributes: row.attributes,
  health: row.health,
});

async function readBody(c: Context): Promise<Record<string, unknown>> {
  try {
    const body: unknown = JSON.parse(await c.req.text());
    if (typeof body === "object" && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // Refused below.
  }
  throw invalidInput("The request body must be a JSON object.");
}

export function createEndpointsView(context: StandInContext, cloudMap: JsonService): Hono {
  const app = new Hono();
  // Guarded by appmesh:*Endpoint actions (functions/auth/admin-routes.ts), which are authorised but not audited.
  const call = (operation: string, input: Record<string, unknown>) => cloudMap.handlers[operation]!(cloudMap.validator.validateOperationInput(operation, input), {});

  /** The service, creating its HTTP namespace and itself when missing (a concurrent PUT may create them first). */
  async function ensureService(namespaceName: string, serviceName: string): Promise<ServiceRow> {
    const exists = (name: string) => (error: unknown) => {
      if (!(AwsServiceError.is(error) && error.code === name)) throw error;
    };
    const find = (kind: string, parentId: string, name: string) => context.store.findAwsResourceByName({ service: SERVICE, kind, parentId, name });
    if (!(await find("namespace", "", namespaceName))) await call("CreateHttpNamespace", { Name: namespaceName }).catch(exists("NamespaceAlreadyExists"));
    const namespace = (await find("namespace", "", namespaceName)) as NamespaceRow | null;
    if (namespace && !(await find("service", namespace.id, serviceName))) {
      await call("CreateService", { Name: serviceName, NamespaceId: namespace.id, HealthCheckCustomConfig: { FailureThreshold: 1 } }).catch(exists("ServiceAlreadyExists"));
    }
    return serviceOf(namespaceName, serviceName);
  }

  async function serviceOf(namespaceName: string, serviceName: string): Promise<ServiceRow> {
    const namespace = (await context.store.findAwsResourceByName({ service: SERVICE, kind: "namespace", parentId: "", name: namespaceName })) as NamespaceRow | null;
    if (!namespace) throw cloudMapError("NamespaceNotFound", `No Cloud Map namespace named ${namespaceName} exists; create it with aws servicediscovery create-http-namespace.`);
    const service = await context.store.findAwsResourceByName({ service: SERVICE, kind: "service", parentId: namespace.id, name: serviceName });
    if (!service) throw cloudMapError("ServiceNotFound", `No service named ${serviceName} exists in ${namespaceName}; create it with aws servicediscovery create-service.`);
    return service as ServiceRow;
  }

  const list = async (c: Context, filter: { namespaceName?: string; serviceName?: string }) => c.json({ instances: (await context.store.listEndpoints(filter)).map(toView) });

  app.get("/v1/endpoints", (c) => {
    const namespaceName = c.req.query("namespace");
    const serviceName = c.req.query("service");
    return list(c, { ...(namespaceName !== undefined ? { namespaceName } : {}), ...(serviceName !== undefined ? { serviceName } : {}) });
  });
  app.get("/v1/endpoints/:namespace/:service", (c) => list(c, { namespaceName: c.req.param("namespace"), serviceName: c.req.param("service") }));

  app.put("/v1/endpoints/:namespace/:service/:instanceId", async (c) => {
    const body = await readBody(c);
    const { address, port } = body;
    if (typeof address !== "string" || !(isIpv4(address) || isIpv6(address))) throw invalidInput("'address' must be an IPv4 or IPv6 address.");
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) throw invalidInput("'port' must be an integer from 1 to 65535.");
    const service = await ensureService(c.req.param("namespace"), c.req.param("service"));
    const attributes: Record<string, unknown> = { ...(typeof body.attributes === "object" && body.attributes !== null ? body.attributes : {}) };
    attributes[isIpv4(address) ? "AWS_INSTANCE_IPV4" : "AWS_INSTANCE_IPV6"] = address;
    attributes.AWS_INSTANCE_PORT = String(port);
    if (body.health !== undefined) {
      if (!service.data.HealthCheckCustomConfig) throw invalidInput(`'health' needs a service with a custom health check; ${service.name} has none.`);
      attributes.AWS_INIT_HEALTH_STATUS = body.health;
    }
    await call("RegisterInstance", { ServiceId: service.id, InstanceId: c.req.param("instanceId"), Attributes: attributes });
    const key = { namespaceName: service.data.NamespaceName, serviceName: service.name, instanceId: c.req.param("instanceId") };
    return c.json(toView((await context.store.getEndpoint(key))!));
  });

  app.delete("/v1/endpoints/:namespace/:service/:instanceId", async (c) => {
    const service = await serviceOf(c.req.param("namespace"), c.req.param("service"));
    const row = await context.store.getEndpoint({ namespaceName: service.data.NamespaceName, serviceName: service.name, instanceId: c.req.param("instanceId") });
    if (!row) throw cloudMapError("InstanceNotFound", `Instance ${c.req.param("instanceId")} is not registered with ${service.name}.`);
    await call("DeregisterInstance", { ServiceId: service.id, InstanceId: row.instanceId });
    return c.json(toView(row));
  });

  app.onError((error, c) => renderAwsError(c, error));
  return app;
}
