// The planner: what exists (read through the API) against what the input wants → create / update (with the
// fields that differ) / unchanged, and with `prune` delete, for the meshes the input touches; in the order App
// Mesh allows applying them. It checks what App Mesh would refuse for lack of something (a mesh, a parent, a
// referenced node, router or service that neither exists nor is wanted) so that such an input applies nothing.
import { kindDescriptors } from "../../appmesh/index.js";
import { MigrateError } from "../migrate-error.js";
import { applyTier, compareForApply, describeResource, referencesOf, resourceKey, type ExistingLookup, type ResourceIdentity, type Tag, type WantedResource } from "../resource.js";
import { diffSpecs, type FieldChange } from "./spec-diff.js";

/** A resource as the API describes it. */
export interface CurrentResource extends ResourceIdentity {
  spec: Record<string, unknown>;
  tags: Tag[];
  arn: string;
  uid: string;
  version: number;
  meshOwner: string;
  resourceOwner: string;
}

/** What exists in the meshes an input touches (every resource of each, or none when the mesh does not exist). */
export interface CurrentState {
  /** The meshes that were read; true when the mesh exists. */
  meshes: ReadonlyMap<string, boolean>;
  resources: readonly CurrentResource[];
}

export type ChangeAction = "create" | "update" | "unchanged" | "delete";

export interface TagChanges {
  /** Tags to add or whose value changes. */
  set: Tag[];
  /** Keys to remove. */
  remove: string[];
}

export interface PlannedChange {
  action: ChangeAction;
  resource: ResourceIdentity;
  wanted?: WantedResource;
  current?: CurrentResource;
  /** For updates: the spec fields that differ (empty when only tags change). */
  specChanges: FieldChange[];
  tagChanges: TagChanges;
}

export interface Plan {
  /** The meshes the input touches, sorted. */
  meshes: string[];
  /** In apply order: creates and updates by tier (mesh first), then deletes in reverse tier order. */
  changes: PlannedChange[];
}

export interface PlanOptions {
  /** Delete resources of the touched meshes that the input does not define. */
  prune?: boolean;
}

/** The meshes a set of wanted resources touches. */
export function touchedMeshes(wanted: readonly WantedResource[]): string[] {
  return [...new Set(wanted.map((resource) => resource.meshName))].sort();
}

export function lookupIn(state: CurrentState): ExistingLookup {
  const byKey = new Map(state.resources.map((resource) => [resourceKey(resource), resource]));
  return (identity) => byKey.get(resourceKey(identity));
}

function tagChanges(wanted: Tag[] | undefined, current: Tag[]): TagChanges {
  if (wanted === undefined) return { set: [], remove: [] };
  const currentValues = new Map(current.map((tag) => [tag.key, tag.value]));
  const wantedKeys = new Set(wanted.map((tag) => tag.key));
  return {
    set: wanted.filter((tag) => currentValues.get(tag.key) !== tag.value),
    remove: current.filter((tag) => !wantedKeys.has(tag.key)).map((tag) => tag.key),
  };
}

const noTagChanges: TagChanges = { set: [], remove: [] };

export function planChanges(wanted: readonly WantedResource[], state: CurrentState, options: PlanOptions = {}): Plan {
  const meshes = touchedMeshes(wanted);
  const wantedByKey = new Map<string, WantedResource>();
  for (const resource of wanted) {
    const key = resourceKey(resource);
    const earlier = wantedByKey.get(key);
    if (earlier) {
      const where = earlier.source ? ` (first at ${earlier.source.file}, document ${earlier.source.document}${earlier.source.line ? `, line ${earlier.source.line}` : ""})` : "";
      throw new MigrateError(`${describeResource(resource)} is defined twice${where}`, resource.source);
    }
    wantedByKey.set(key, resource);
  }
  const currentByKey = new Map(state.resources.filter((resource) => meshes.includes(resource.meshName)).map((resource) => [resourceKey(resource), resource]));
  // The meshes themselves stay: the input touches them (and may not define them, as Kubernetes manifests with --mesh).
  const pruned = new Set(options.prune ? [...currentByKey].filter(([key, resource]) => resource.kind !== "mesh" && !wantedByKey.has(key)).map(([key]) => key) : []);
  const willExist = (identity: ResourceIdentity) => {
    const key = resourceKey(identity);
    return wantedByKey.has(key) || (currentByKey.has(key) && !pruned.has(key));
  };

  for (const resource of wanted) {
    const mesh: ResourceIdentity = { kind: "mesh", meshName: resource.meshName, parentName: "", name: resource.meshName };
    if (resource.kind !== "mesh" && !willExist(mesh)) {
      throw new MigrateError(`${describeResource(resource)} is in mesh ${resource.meshName}, which does not exist and is not in the input`, resource.source);
    }
    const parent = kindDescriptors[resource.kind].parent;
    if (parent && !willExist({ kind: parent.kind, meshName: resource.meshName, parentName: "", name: resource.parentName })) {
      throw new MigrateError(`${describeResource(resource)} belongs to ${kindDescriptors[parent.kind].title.toLowerCase()} ${resource.parentName}, which does not exist and is not in the input`, resource.source);
    }
    for (const target of referencesOf(resource)) {
      if (!willExist(target)) {
        throw new MigrateError(`${describeResource(resource)} refers to ${describeResource(target)}, which does not exist and is not in the input`, resource.source);
      }
    }
  }

  const changes: PlannedChange[] = [];
  for (const resource of [...wanted].sort(compareForApply)) {
    const current = currentByKey.get(resourceKey(resource));
    if (!current) {
      changes.push({ action: "create", resource: identityOf(resource), wanted: resource, specChanges: [], tagChanges: { set: resource.tags ?? [], remove: [] } });
      continue;
    }
    const specChanges = diffSpecs(current.spec, resource.spec);
    const tags = tagChanges(resource.tags, current.tags);
    const changed = specChanges.length > 0 || tags.set.length > 0 || tags.remove.length > 0;
    changes.push({ action: changed ? "update" : "unchanged", resource: identityOf(resource), wanted: resource, current, specChanges, tagChanges: tags });
  }
  const deletes = [...pruned]
    .map((key) => currentByKey.get(key)!)
    .sort((a, b) => applyTier[b.kind] - applyTier[a.kind] || compareForApply(a, b));
  for (const current of deletes) changes.push({ action: "delete", resource: identityOf(current), current, specChanges: [], tagChanges: noTagChanges });
  return { meshes, changes };
}

const identityOf = (resource: ResourceIdentity): ResourceIdentity => ({ kind: resource.kind, meshName: resource.meshName, parentName: resource.parentName, name: resource.name });

/** How many changes of each action a plan has. */
export function summarizePlan(plan: Plan): Record<ChangeAction, number> {
  const counts: Record<ChangeAction, number> = { create: 0, update: 0, unchanged: 0, delete: 0 };
  for (const change of plan.changes) counts[change.action]++;
  return counts;
}

/**
 * The changes to apply, in waves: every change of a wave may run at the same time, and a wave starts when the
 * one before it is done. Creates and updates go tier by tier (mesh; nodes, routers, gateways; services; routes
 * and gateway routes), a tier split further where the input orders resources of the same tier (DependsOn);
 * deletes follow, from the last tier to the first.
 */
export function applyWaves(plan: Plan): PlannedChange[][] {
  const waves: PlannedChange[][] = [];
  const writes = plan.changes.filter((change) => change.action === "create" || change.action === "update");
  for (const tier of [...new Set(Object.values(applyTier))].sort((a, b) => a - b)) {
    const inTier = writes.filter((change) => applyTier[change.resource.kind] === tier);
    const byKey = new Map(inTier.map((change) => [resourceKey(change.resource), change]));
    const depth = new Map<string, number>();
    const depthOf = (change: PlannedChange, trail: Set<string>): number => {
      const key = resourceKey(change.resource);
      const known = depth.get(key);
      if (known !== undefined) return known;
      trail.add(key);
      let level = 0;
      for (const dependency of change.wanted?.dependsOn ?? []) {
        const before = byKey.get(dependency);
        if (before && !trail.has(dependency)) level = Math.max(level, depthOf(before, trail) + 1);
      }
      trail.delete(key);
      depth.set(key, level);
      return level;
    };
    const levels: PlannedChange[][] = [];
    for (const change of inTier) (levels[depthOf(change, new Set())] ??= []).push(change);
    waves.push(...levels.filter((level) => level.length > 0));
  }
  const deletes = plan.changes.filter((change) => change.action === "delete");
  for (const tier of [...new Set(deletes.map((change) => applyTier[change.resource.kind]))].sort((a, b) => b - a)) {
    waves.push(deletes.filter((change) => applyTier[change.resource.kind] === tier));
  }
  return waves;
}
