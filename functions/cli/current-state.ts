// Reads what exists in the meshes an input touches, through the App Mesh API only: each mesh, every resource
// of every kind in it (routes under each router, gateway routes under each gateway), their specs and tags.
import type { CurrentResource, CurrentState, ResourceIdentity, ResourceKind, Tag } from "../migrate/index.js";
import { apiConcurrency, listNames, nameMembers, sendResourceCommand, type AppMeshApi } from "./app-mesh-api.js";
import { isNotFound } from "./cli-error.js";
import { mapLimited } from "./concurrency.js";

export async function listMeshNames(api: AppMeshApi): Promise<string[]> {
  return listNames(api, "mesh", {});
}

/** meshplane's account, from any mesh it lists (undefined when it has none). */
export async function discoverAccountId(api: AppMeshApi): Promise<string | undefined> {
  const output = await api.call("ListMeshes", { limit: 1 });
  return output.meshes?.[0]?.resourceOwner;
}

async function listTags(api: AppMeshApi, arn: string): Promise<Tag[]> {
  const tags: Tag[] = [];
  let nextToken: string | undefined;
  do {
    const output = await api.call("ListTagsForResource", { resourceArn: arn, limit: 50, ...(nextToken ? { nextToken } : {}) });
    tags.push(...(output.tags ?? []).map((tag) => ({ key: tag.key, value: tag.value ?? "" })));
    nextToken = output.nextToken;
  } while (nextToken);
  return tags;
}

async function describe(api: AppMeshApi, identity: ResourceIdentity): Promise<CurrentResource | undefined> {
  try {
    const data = await sendResourceCommand(api, "describe", identity.kind, nameMembers(identity));
    const tags = await listTags(api, data.metadata.arn);
    const { arn, uid, version, meshOwner, resourceOwner } = data.metadata;
    return { ...identity, spec: data.spec ?? {}, tags, arn, uid, version, meshOwner, resourceOwner };
  } catch (error) {
    // Deleted between the listing and now: it does not exist.
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function readCurrentState(api: AppMeshApi, meshNames: readonly string[]): Promise<CurrentState> {
  const meshes = new Map<string, boolean>();
  const resources: CurrentResource[] = [];
  for (const meshName of meshNames) {
    const mesh = await describe(api, { kind: "mesh", meshName, parentName: "", name: meshName });
    meshes.set(meshName, mesh !== undefined);
    if (!mesh) continue;
    resources.push(mesh);
    const top: ResourceKind[] = ["virtualNode", "virtualService", "virtualRouter", "virtualGateway"];
    const listed = await Promise.all(top.map(async (kind) => (await listNames(api, kind, { meshName })).map((name): ResourceIdentity => ({ kind, meshName, parentName: "", name }))));
    const identities = listed.flat();
    const children = await mapLimited(
      identities.filter((identity) => identity.kind === "virtualRouter" || identity.kind === "virtualGateway"),
      apiConcurrency,
      async (parent) => {
        const kind: ResourceKind = parent.kind === "virtualRouter" ? "route" : "gatewayRoute";
        const names = await listNames(api, kind, nameMembers(parent));
        return names.map((name): ResourceIdentity => ({ kind, meshName, parentName: parent.name, name }));
      },
    );
    identities.push(...children.flat());
    const described = await mapLimited(identities, apiConcurrency, (identity) => describe(api, identity));
    for (const resource of described) if (resource) resources.push(resource);
  }
  return { meshes, resources };
}
