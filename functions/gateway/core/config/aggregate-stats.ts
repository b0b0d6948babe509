// The dimensions of App Mesh's metrics extension as the xDS resources carry them: App Mesh (and meshplane's
// translation, docs/envoy-translation.md §18) tag listeners, clusters and routes with
// `filter_metadata["aws.appmesh.aggregate_stats"].config`, a JSON string `{"tags":[{"key":…,"value":…}]}`.
// Clusters carry TargetVirtualNode, routes TargetVirtualService, listeners an empty list: a tagged listener is one
// whose traffic the extension counts. The gateway reads them here, so its envoy_appmesh_* series need nothing but
// what it receives over xDS.
import type { Metadata } from "../../../../proto/gen/envoy/config/core/v3/base_pb.js";

export const AGGREGATE_STATS_FILTER = "aws.appmesh.aggregate_stats";

/** Tag key → value, as the resource listed them. */
export type AggregateStatsTags = Readonly<Record<string, string>>;

/**
 * The tags of a resource's aggregate_stats metadata; undefined when it has none. Envoy does not validate filter
 * metadata and neither does this: a config string that is not the extension's JSON counts as no tags.
 */
export function aggregateStatsTags(metadata: Metadata | undefined): AggregateStatsTags | undefined {
  const entry = metadata?.filterMetadata[AGGREGATE_STATS_FILTER];
  if (entry === undefined) return undefined;
  const tags: Record<string, string> = {};
  const config = entry.config;
  if (typeof config !== "string") return tags;
  let parsed: unknown;
  try {
    parsed = JSON.parse(config);
  } catch {
    return tags;
  }
  const list = (parsed as { tags?: unknown } | null)?.tags;
  if (!Array.isArray(list)) return tags;
  for (const tag of list as unknown[]) {
    const { key, value } = (tag ?? {}) as { key?: unknown; value?: unknown };
    if (typeof key === "string" && typeof value === "string") tags[key] = value;
  }
  return tags;
}

/** Where one weighted target of a route sends its traffic, in the extension's outbound dimensions. */
export interface StatsTarget {
  readonly targetVirtualService: string;
  readonly targetVirtualNode: string;
}

/**
 * The outbound dimensions of a route's target: TargetVirtualService from the route's tags, TargetVirtualNode from
 * the cluster's; undefined when neither carries the metadata (local and passthrough clusters, hop-1 gateway routes).
 */
export function statsTargetOf(routeTags: AggregateStatsTags | undefined, clusterTags: AggregateStatsTags | undefined): StatsTarget | undefined {
  if (routeTags === undefined && clusterTags === undefined) return undefined;
  return { targetVirtualService: routeTags?.TargetVirtualService ?? "", targetVirtualNode: clusterTags?.TargetVirtualNode ?? "" };
}
