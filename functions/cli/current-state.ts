// Reads what exists in the meshes an input touches, through the App Mesh API only: each mesh, every resource
// of every kind in it (routes under each router, gateway routes under each gateway), their specs and tags.
import { ListMeshesCommand, ListTagsForResourceCommand, type AppMeshClient, type TagRef } from "@aws-sdk/client-app-mesh";
import type { CurrentResource, CurrentState, ResourceIdentity, ResourceKind } from "../migrate/index.js";
import { listNames, nameMembers, sendResourceCommand } from "./app-mesh-api.js";
import { mapLimited } from "./concurrency.js";

/** Calls in flight at once while reading. */
const readConcurrency = 8;

const isNotFound = (error: unknown) => error instanceof Error && error.name === "NotFoundException";

export async function listMeshNames(client: AppMeshClient): Promise<string[]> {
  return listNames(client, "mesh", {});
}

/** meshplane's account, from any mesh it lists (undefined when it has none). */
export async function discoverAccountId(client: AppMeshClient): Promise<string | undefined> {
  const output = await client.send(new ListMeshesCommand({ limit: 1 }));
  return output.meshes?.[0]?.resourceOwner;
}

async function listTags(client: AppMeshClient, arn: string): Promise<Array<{ key: string; value: string }>> {
  const tags: TagRef[] = [];
  let nextToken: string | undefined;
  do {
    const output = await client.send(new ListTagsForResourceCommand({ resourceArn: arn, limit: 50, ...(nextToken ? { nextToken } : {}) }));
    tags.push(...(output.tags ?? []));
    nextToken = output.nextToken;
  } while (nextToken);
  return tags.map((tag) => ({ key: tag.key!, value: tag.value ?? "" }));
}

async function describe(client: AppMeshClient, identity: ResourceIdentity): Promise<CurrentResource | undefined> {
  try {
    const data = await sendResourceCommand(client, "describe", identity.kind, nameMembers(identity));
    const tags = await listTags(client, data.metadata.arn);
    const { arn, uid, version, meshOwner, resourceOwner } = data.metadata;
    return { ...identity, spec: data.spec ?? {}, tags, arn, uid, version, meshOwner, resourceOwner };
  } catch (error) {
    // Deleted between the listing and now: it does not exist.
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function readCurrentState(client: AppMeshClient, meshNames: readonly string[]): Promise<CurrentState> {
  const meshes = new Map<string, boolean>();
  const resources: CurrentResource[] = [];
  for (const meshName of meshNames) {
    const mesh = await describe(client, { kind: "mesh", meshName, parentName: "", name: meshName });
    meshes.set(meshName, mesh !== undefined);
    if (!mesh) continue;
    resources.push(mesh);
    const top: ResourceKind[] = ["virtualNode", "virtualService", "virtualRouter", "virtualGateway"];
    const listed = await Promise.all(top.map(async (kind) => (await listNames(client, kind, { meshName })).map((name): ResourceIdentity => ({ kind, meshName, parentName: "", name }))));
    const identities = listed.flat();
    const children = await mapLimited(
      identities.filter((identity) => identity.kind === "virtualRouter" || identity.kind === "virtualGateway"),
      readConcurrency,
      async (parent) => {
        const kind: ResourceKind = parent.kind === "virtualRouter" ? "route" : "gatewayRoute";
        const names = await listNames(client, kind, nameMembers(parent));
        return names.map((name): ResourceIdentity => ({ kind, meshName, parentName: parent.name, name }));
      },
    );
    identities.push(...children.flat());
    const described = await mapLimited(identities, readConcurrency, (identity) => describe(client, identity));
    for (const resource of described) if (resource) resources.push(resource);
  }
  return { meshes, resources };
}
