// Stored rows → the App Mesh output shapes (`*Data` for Create/Describe/Update/Delete, `*Ref` for List).
import type { ResourceRefRow, ResourceRow } from "../../db/store.js";
import type { KindDescriptor, KindNames, ResourceKind } from "./kinds.js";
import type { AppMeshShapeName, AppMeshShapeTypes, MeshStatusCode, ResourceMetadata } from "./model/types.generated.js";

/** The names a resource is known by: its mesh, its parent (routes, gateway routes) and its own, as the kind spells them. */
export type ResourceNames<NameMember extends string, ParentMember extends string = never> = Record<"meshName" | NameMember | ParentMember, string>;

/** The status codes every kind shares (MeshStatusCode, VirtualNodeStatusCode, … are the same three). */
export type ResourceStatusCode = MeshStatusCode;
const statusCodes: readonly string[] = ["ACTIVE", "INACTIVE", "DELETED"] satisfies ResourceStatusCode[];

/** A kind's `*Data` shape (MeshData, RouteData, …) in the kind's own member names. */
export type ResourceData<Spec, NameMember extends string, ParentMember extends string = never> = ResourceNames<NameMember, ParentMember> & {
  metadata: ResourceMetadata;
  spec: Spec;
  status: { status: ResourceStatusCode };
};

/** A kind's `*Ref` shape (MeshRef, RouteRef, …) listed by List operations. */
export type ResourceRefData<NameMember extends string, ParentMember extends string = never> = ResourceNames<NameMember, ParentMember> &
  Pick<ResourceMetadata, "arn" | "createdAt" | "lastUpdatedAt" | "meshOwner" | "resourceOwner" | "version">;

const epochSeconds = (milliseconds: number) => milliseconds / 1000;

function namesOf<NameMember extends string, ParentMember extends string>(
  descriptor: KindNames<ResourceKind, NameMember, ParentMember>,
  row: ResourceRefRow,
): ResourceNames<NameMember, ParentMember> {
  const names: Record<string, string> = { meshName: row.meshName };
  if (descriptor.parent) names[descriptor.parent.nameMember] = row.parentName;
  names[descriptor.nameMember] = row.name;
  // Exactly the members ResourceNames lists: meshName, the parent's name member when there is a parent, and its own.
  return names as ResourceNames<NameMember, ParentMember>;
}

function statusOf(row: ResourceRow): ResourceStatusCode {
  if (!statusCodes.includes(row.status)) throw new Error(`stored resource ${row.arn} has status ${row.status}, which App Mesh does not define`);
  return row.status as ResourceStatusCode;
}

/** The `*Data` shape: names, metadata, spec and status. */
export function toResourceData<SpecShape extends AppMeshShapeName, NameMember extends string, ParentMember extends string = never>(
  descriptor: KindDescriptor<ResourceKind, SpecShape, NameMember, ParentMember>,
  row: ResourceRow,
): ResourceData<AppMeshShapeTypes[SpecShape], NameMember, ParentMember> {
  return {
    ...namesOf(descriptor, row),
    metadata: {
      arn: row.arn,
      createdAt: epochSeconds(row.createdAt),
      lastUpdatedAt: epochSeconds(row.lastUpdatedAt),
      meshOwner: row.meshOwner,
      resourceOwner: row.resourceOwner,
      uid: row.uid,
      version: row.version,
    },
    // Only the service writes rows, and only specs that passed validateShape for this kind's spec shape.
    spec: row.spec as AppMeshShapeTypes[SpecShape],
    status: { status: statusOf(row) },
  };
}

/** The `*Ref` shape listed by List operations. */
export function toResourceRef<NameMember extends string, ParentMember extends string = never>(
  descriptor: KindNames<ResourceKind, NameMember, ParentMember>,
  row: ResourceRefRow,
): ResourceRefData<NameMember, ParentMember> {
  // One object per row, its names set in place (a List page makes a hundred of these).
  const ref: Record<string, string | number> = namesOf(descriptor, row);
  ref.arn = row.arn;
  ref.createdAt = epochSeconds(row.createdAt);
  ref.lastUpdatedAt = epochSeconds(row.lastUpdatedAt);
  ref.meshOwner = row.meshOwner;
  ref.resourceOwner = row.resourceOwner;
  ref.version = row.version;
  return ref as ResourceRefData<NameMember, ParentMember>;
}
