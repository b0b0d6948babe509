// Revision scopes: the units the store versions and guards (see db/store.ts). Meshes are counted in the account
// scope; everything inside a mesh, the mesh's own row included, is guarded by the mesh's scope.
import type { ChangeEntry, ResourceKey } from "../../db/store.js";

export const accountScope = "account";
export const meshScope = (meshName: string) => `mesh/${meshName}`;

/** The change-log entry of one write to `key` in `scope`. */
export function toChangeEntry(scope: string, action: ChangeEntry["action"], key: ResourceKey, at: number): ChangeEntry {
  return { scope, action, kind: key.kind, meshName: key.meshName, parentName: key.parentName, name: key.name, at };
}
