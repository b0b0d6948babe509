// The node's subscription in one place: translation writes every RDS, EDS and SDS reference as an ADS config
// source; for a node that polls REST xDS (functions/envoy/xds-subscription.ts) each one becomes the REST config
// source of its bootstrap's static cluster. Like the version adaptation (version-compat.ts) it runs on the finished
// resources, so shared pieces are rewritten once per subscription and stay shared between nodes of that
// subscription; ADS nodes get the resources untouched. User-managed SDS (the bootstrap's unix-socket cluster) is
// gRPC whatever the subscription and is left alone.
import { clone, type DescMessage, type Message } from "@bufbuild/protobuf";
import type { ConfigSource } from "../../../proto/gen/envoy/config/core/v3/config_source_pb.js";
import { xdsSubscriptionKey, type XdsSubscription } from "../../envoy/index.js";
import { restConfigSource } from "./common.js";
import { walkMessage } from "./message-walk.js";
import { rewriteResources, type ResourceCopies } from "./resource-copies.js";
import type { NodeResources } from "./translator.js";

const CONFIG_SOURCE = "envoy.config.core.v3.ConfigSource";

/** Rewritten copies by subscription key, so nodes of one subscription keep sharing what they share. */
export type SubscriptionMemo = ResourceCopies;

function rewrite<T extends Message>(schema: DescMessage, message: T, subscription: Extract<XdsSubscription, { apiType: "REST" }>): T {
  let changed = false;
  const copy = clone(schema, message) as T;
  walkMessage(
    schema,
    copy,
    (visited) => {
      if (visited.desc.typeName !== CONFIG_SOURCE) return;
      const source = visited.message as ConfigSource;
      if (source.configSourceSpecifier.case !== "ads") return;
      source.configSourceSpecifier = restConfigSource(subscription).configSourceSpecifier;
      changed = true;
    },
    { repack: true },
  );
  return changed ? copy : message;
}

/**
 * One node's resources with their config sources pointing where the node subscribes.
 * @example adaptToSubscription(resources, { apiType: "REST", cluster: "cp.example.com", refreshDelayMs: 1000, requestTimeoutMs: 1000 })
 */
export function adaptToSubscription(resources: NodeResources, subscription: XdsSubscription | undefined, memo: SubscriptionMemo = new Map()): NodeResources {
  if (subscription === undefined || subscription.apiType === "ADS") return resources;
  return rewriteResources(resources, xdsSubscriptionKey(subscription), memo, (schema, message) => rewrite(schema, message, subscription));
}
