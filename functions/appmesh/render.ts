// Stored rows → the App Mesh output shapes (`*Data` for Create/Describe/Update/Delete, `*Ref` for List).
import type { ResourceRow } from "../../db/store.js";
import type { KindDescriptor } from "./kinds.js";

const epochSeconds = (milliseconds: number) => milliseconds / 1000;

function names(descriptor: KindDescriptor, row: ResourceRow): Record<string, string> {
  const result: Record<string, string> = { meshName: row.meshName };
  if (descriptor.parent) result[descriptor.parent.nameMember] = row.parentName;
  result[descriptor.nameMember] = row.name;
  return result;
}

/** The `*Data` shape: names, metadata, spec and status. */
export function toResourceData(descriptor: KindDescriptor, row: ResourceRow): Record<string, unknown> {
  return {
    ...names(descriptor, row),
    metadata: {
      arn: row.arn,
      createdAt: epochSeconds(row.createdAt),
      lastUpdatedAt: epochSeconds(row.lastUpdatedAt),
      meshOwner: row.meshOwner,
      resourceOwner: row.resourceOwner,
      uid: row.uid,
      version: row.version,
    },
    spec: row.spec,
    status: { status: row.status },
  };
}

/** The `*Ref` shape listed by List operations. */
export function toResourceRef(descriptor: KindDescriptor, row: ResourceRow): Record<string, unknown> {
  return {
    ...names(descriptor, row),
    arn: row.arn,
    createdAt: epochSeconds(row.createdAt),
    lastUpdatedAt: epochSeconds(row.lastUpdatedAt),
    meshOwner: row.meshOwner,
    resourceOwner: row.resourceOwner,
    version: row.version,
  };
}
