// Writes whole meshes (MeshSnapshot-shaped, e.g. from the property generators) into a real store the way the App Mesh
// service commits: one guarded batch per changed resource, with its change-log entry; an update keeps the uid and
// bumps the version, a removal deletes the row, a resource that comes back is a new row (new uid, new seq).
import type { ChangeEntry, NewResourceRow, Store } from "../../db/store.js";
import type { MeshSnapshot } from "../../functions/appmesh/snapshot.js";

interface Stored {
  uid: string;
  version: number;
  spec: string;
}

type Listed = { spec: unknown } & Record<string, unknown>;

/** Each kind a snapshot lists, with its list, its name member and its parent's name member. */
const kinds = [
  ["virtualService", "virtualServices", "virtualServiceName", undefined],
  ["virtualNode", "virtualNodes", "virtualNodeName", undefined],
  ["virtualRouter", "virtualRouters", "virtualRouterName", undefined],
  ["route", "routes", "routeName", "virtualRouterName"],
  ["virtualGateway", "virtualGateways", "virtualGatewayName", undefined],
  ["gatewayRoute", "gatewayRoutes", "gatewayRouteName", "virtualGatewayName"],
] as const;

export interface MeshWriter {
  /** Commits what differs between the store's mesh and `target` (names and specs; metadata is the writer's). Returns the commits made. */
  write(target: MeshSnapshot): Promise<number>;
}

export function createMeshWriter(store: Store, meshName: string): MeshWriter {
  const stored = new Map<string, Stored>();
  let counter = 0;
  let clock = 1_700_000_000_000;
  const scope = `mesh/${meshName}`;

  async function commit(change: Omit<ChangeEntry, "scope" | "meshName" | "at">, batch: { insert?: NewResourceRow[]; update?: Array<{ uid: string; spec: unknown; version: number }>; delete?: string[] }, extra: { accountScope?: boolean } = {}) {
    const scopes = extra.accountScope ? ["account"] : [scope];
    const revisions = await store.getRevisions(scopes);
    const at = ++clock;
    const result = await store.commit({
      expect: scopes.map((s) => ({ scope: s, revision: revisions[s]! })),
      ...(extra.accountScope ? { bump: [scope] } : {}),
      ...(batch.insert ? { insert: batch.insert } : {}),
      ...(batch.update ? { update: batch.update.map((u) => ({ ...u, status: "ACTIVE", lastUpdatedAt: at })) } : {}),
      ...(batch.delete ? { delete: batch.delete } : {}),
      changes: scopes.map((s) => ({ ...change, scope: s, meshName, at })),
    });
    if (!result.ok) throw new Error("mesh writer: a commit went stale (nothing else writes this store)");
  }

  function row(kind: string, parentName: string, name: string, spec: unknown): NewResourceRow {
    const uid = `uid-${meshName}-${++counter}`;
    const path = kind === "mesh" ? meshName : `${meshName}/${kind}/${parentName ? `${parentName}/` : ""}${name}`;
    return {
      kind,
      meshName,
      parentName,
      name,
      uid,
      arn: `arn:aws:appmesh:us-east-1:111122223333:mesh/${path}#${uid}`,
      spec,
      status: "ACTIVE",
      version: 1,
      createdAt: clock,
      lastUpdatedAt: clock,
      meshOwner: "111122223333",
      resourceOwner: "111122223333",
    };
  }

  /** Creates, updates or deletes one resource so that it matches `spec` (undefined: absent). */
  async function put(kind: string, parentName: string, name: string, spec: unknown): Promise<number> {
    const key = `${kind}\u0000${parentName}\u0000${name}`;
    const current = stored.get(key);
    const change = { kind, parentName, name };
    if (spec === undefined) {
      if (!current) return 0;
      stored.delete(key);
      await commit({ ...change, action: "delete" }, { delete: [current.uid] });
      return 1;
    }
    const json = JSON.stringify(spec);
    if (current?.spec === json) return 0;
    if (current) {
      current.version++;
      current.spec = json;
      await commit({ ...change, action: "update" }, { update: [{ uid: current.uid, spec, version: current.version }] });
      return 1;
    }
    const inserted = row(kind, parentName, name, spec);
    stored.set(key, { uid: inserted.uid, version: 1, spec: json });
    await commit({ ...change, action: "create" }, { insert: [inserted] }, kind === "mesh" ? { accountScope: true } : {});
    return 1;
  }

  return {
    async write(target) {
      let commits = await put("mesh", "", meshName, target.mesh.spec);
      for (const [kind, list, nameMember, parentMember] of kinds) {
        const wanted = new Map<string, { parentName: string; name: string; spec: unknown }>();
        for (const item of target[list] as unknown as Listed[]) {
          const parentName = parentMember ? String(item[parentMember]) : "";
          const name = String(item[nameMember]);
          wanted.set(`${kind}\u0000${parentName}\u0000${name}`, { parentName, name, spec: item.spec });
        }
        for (const key of [...stored.keys()].filter((k) => k.startsWith(`${kind}\u0000`) && !wanted.has(k))) {
          const [, parentName, name] = key.split("\u0000") as [string, string, string];
          commits += await put(kind, parentName, name, undefined);
        }
        for (const { parentName, name, spec } of wanted.values()) commits += await put(kind, parentName, name, spec);
      }
      return commits;
    },
  };
}
