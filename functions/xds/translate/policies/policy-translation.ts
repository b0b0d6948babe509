// The policies of one mesh snapshot in Envoy's terms, built once per (mesh, revision) beside the shared resources:
// what a listener's connection manager and route configuration get from the policies in force there, and what a
// router route or gateway route gets from its own. Precedence is functions/policies' (createPolicyIndex).
import type { Any } from "@bufbuild/protobuf/wkt";
import type { GatewayRouteData, RouteData } from "../../../appmesh/model/types.generated.js";
import type { MeshSnapshot } from "../../../appmesh/snapshot.js";
import type { CorsPolicy, Route, RouteAction_RequestMirrorPolicy } from "../../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import { ExtAuthzPerRouteSchema } from "../../../../proto/gen/envoy/extensions/filters/http/ext_authz/v3/ext_authz_pb.js";
import { ExtAuthzSchema } from "../../../../proto/gen/envoy/extensions/filters/http/ext_authz/v3/ext_authz_pb.js";
import { HTTPFaultSchema } from "../../../../proto/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js";
import { LocalRateLimitSchema } from "../../../../proto/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js";
import { createPolicyIndex, type AttachedPolicy, type HeadersSpec, type LoadBalancingSpec, type PolicyIndex } from "../../../policies/index.js";
import type { MeshIndex } from "../mesh-index.js";
import type { ClusterRef } from "../service-routes.js";
import { translateCorsPolicy } from "./cors.js";
import { extAuthzDisabled, translateExtAuthz } from "./ext-authz.js";
import { translateFault } from "./fault.js";
import { applyHeaderPolicy } from "./headers.js";
import { EXT_AUTHZ_FILTER, FAULT_FILTER, LOCAL_RATE_LIMIT_FILTER, pack, type PolicyFilterName } from "./http-filters.js";
import { translateHashPolicy } from "./load-balancing.js";
import { translateMirror } from "./mirror.js";
import { DEFAULT_RATE_LIMIT_STATUS, translateLocalRateLimit } from "./rate-limit.js";

/** The body a rate-limit policy answers with, for the connection manager's local reply mapper. */
export interface RateLimitReply {
  status: number;
  body: string;
}

/** What the policies in force at a listener (a node's own or a gateway's, else the mesh's) give it. */
export interface ListenerPolicies {
  /** Connection-manager-level filter configurations (jwt is built with the listener's routes: see jwt.ts). */
  readonly filters: ReadonlyMap<PolicyFilterName, Any>;
  readonly jwt: AttachedPolicy<"jwt"> | undefined;
  /** Every route of the listener gets these unless a policy of its own replaces them. */
  readonly headers: HeadersSpec | undefined;
  readonly cors: CorsPolicy | undefined;
  readonly mirror: RouteAction_RequestMirrorPolicy | undefined;
  readonly rateLimitReply: RateLimitReply | undefined;
  /** Clusters the listener's policies call or copy to (authorization service, mirror shadow). */
  readonly clusters: readonly ClusterRef[];
}

export interface PolicyTranslation {
  readonly index: PolicyIndex;
  /** Rate-limit replies of per-route LocalRateLimit configs this translation made, by their packed config. */
  readonly rateLimitReplies: WeakMap<Any, RateLimitReply>;
  listener(owner: { kind: "virtualNode" | "virtualGateway"; name: string }): ListenerPolicies;
  /** Applies a router route's policies (and the load balancing of its targets) to its Envoy route; the clusters it now also needs. */
  decorateRouterRoute(route: Route, data: RouteData, targets: readonly ClusterRef[]): ClusterRef[];
  /** Applies the load balancing of a node-provided service's node to its catch-all route. */
  decorateProviderRoute(route: Route, target: ClusterRef): void;
  /** Applies a gateway route's policies, else the listener's, to one of its hop-1 routes; the clusters it now also needs. */
  decorateGatewayRoute(route: Route, data: GatewayRouteData, listener: ListenerPolicies): ClusterRef[];
  /** Applies the listener's policies to a route of a listener without route policies (a node's ingress route). */
  decorateListenerRoute(route: Route, listener: ListenerPolicies): void;
  /** The load balancing of the clusters that reach a virtual node. */
  loadBalancing(nodeName: string): LoadBalancingSpec | undefined;
}

const noListenerPolicies: ListenerPolicies = { filters: new Map(), jwt: undefined, headers: undefined, cors: undefined, mirror: undefined, rateLimitReply: undefined, clusters: [] };

const replyOf = (spec: AttachedPolicy<"rateLimit">["spec"]): RateLimitReply | undefined =>
  spec.response?.body !== undefined ? { status: spec.response.statusCode ?? DEFAULT_RATE_LIMIT_STATUS, body: spec.response.body } : undefined;

export function createPolicyTranslation(snapshot: MeshSnapshot, index: MeshIndex): PolicyTranslation {
  const policies = createPolicyIndex(snapshot);
  const rateLimitReplies = new WeakMap<Any, RateLimitReply>();
  const listeners = new Map<string, ListenerPolicies>();

  function buildListener(owner: { kind: "virtualNode" | "virtualGateway"; name: string }): ListenerPolicies {
    const at = <T extends Parameters<PolicyIndex["atListener"]>[1]>(type: T) => policies.atListener(owner, type);
    const filters = new Map<PolicyFilterName, Any>();
    const clusters: ClusterRef[] = [];
    const fault = at("faultInjection");
    if (fault) filters.set(FAULT_FILTER, pack(HTTPFaultSchema, translateFault(fault.spec)));
    const rateLimit = at("rateLimit");
    if (rateLimit) filters.set(LOCAL_RATE_LIMIT_FILTER, pack(LocalRateLimitSchema, translateLocalRateLimit(rateLimit.spec)));
    const authz = at("externalAuthorization");
    const authzFilter = authz ? translateExtAuthz(index, authz.spec, authz.name) : undefined;
    if (authzFilter) {
      filters.set(EXT_AUTHZ_FILTER, pack(ExtAuthzSchema, authzFilter.config));
      if (authzFilter.cluster) clusters.push(authzFilter.cluster);
    }
    const mirrorPolicy = at("mirror");
    const mirror = mirrorPolicy ? translateMirror(index, mirrorPolicy.spec) : undefined;
    if (mirror) clusters.push(mirror.cluster);
    const cors = at("cors");
    const jwt = at("jwt");
    if (filters.size === 0 && !jwt && !cors && !mirror && !at("headers")) return noListenerPolicies;
    return {
      filters,
      jwt,
      headers: at("headers")?.spec,
      cors: cors ? translateCorsPolicy(cors.spec) : undefined,
      mirror: mirror?.policy,
      rateLimitReply: rateLimit ? replyOf(rateLimit.spec) : undefined,
      clusters,
    };
  }

  function hashPolicyFor(route: Route, targets: readonly ClusterRef[]): void {
    if (route.action.case !== "route") return;
    for (const target of targets) {
      const spec = policies.forTargetNode(target.node.virtualNodeName)?.spec;
      const hash = spec ? translateHashPolicy(spec) : [];
      if (hash.length > 0) {
        route.action.value.hashPolicy = hash;
        return;
      }
    }
  }

  /** The route-level policy types router routes and gateway routes share. */
  function applyRoutePolicies(
    route: Route,
    own: { [T in "faultInjection" | "rateLimit" | "headers" | "cors" | "mirror"]: AttachedPolicy<T> | undefined },
    fallback: ListenerPolicies | undefined,
  ): ClusterRef[] {
    const clusters: ClusterRef[] = [];
    if (own.faultInjection) route.typedPerFilterConfig[FAULT_FILTER] = pack(HTTPFaultSchema, translateFault(own.faultInjection.spec));
    if (own.rateLimit) {
      const packed = pack(LocalRateLimitSchema, translateLocalRateLimit(own.rateLimit.spec));
      const reply = replyOf(own.rateLimit.spec);
      if (reply) rateLimitReplies.set(packed, reply);
      route.typedPerFilterConfig[LOCAL_RATE_LIMIT_FILTER] = packed;
    }
    const headers = own.headers?.spec ?? fallback?.headers;
    if (headers) applyHeaderPolicy(route, headers);
    const action = route.action.case === "route" ? route.action.value : undefined;
    if (action) {
      const cors = own.cors ? translateCorsPolicy(own.cors.spec) : fallback?.cors;
      if (cors) action.cors = cors;
      const mirror = own.mirror ? translateMirror(index, own.mirror.spec) : undefined;
      if (mirror) {
        action.requestMirrorPolicies = [mirror.policy];
        clusters.push(mirror.cluster);
      } else if (!own.mirror && fallback?.mirror) action.requestMirrorPolicies = [fallback.mirror];
    }
    return clusters;
  }

  return {
    index: policies,
    rateLimitReplies,
    listener(owner) {
      const key = `${owner.kind}/${owner.name}`;
      let found = listeners.get(key);
      if (!found) listeners.set(key, (found = policies.policies.length === 0 ? noListenerPolicies : buildListener(owner)));
      return found;
    },
    decorateRouterRoute(route, data, targets) {
      const at = <T extends "faultInjection" | "rateLimit" | "headers" | "cors" | "mirror">(type: T) => policies.atRoute(data.virtualRouterName, data.routeName, type);
      hashPolicyFor(route, targets);
      return applyRoutePolicies(route, { faultInjection: at("faultInjection"), rateLimit: at("rateLimit"), headers: at("headers"), cors: at("cors"), mirror: at("mirror") }, undefined);
    },
    decorateProviderRoute(route, target) {
      hashPolicyFor(route, [target]);
    },
    decorateGatewayRoute(route, data, listener) {
      const at = <T extends "faultInjection" | "rateLimit" | "headers" | "cors" | "mirror" | "externalAuthorization">(type: T) =>
        policies.atGatewayRoute(data.virtualGatewayName, data.gatewayRouteName, type);
      const authz = at("externalAuthorization");
      if (authz?.spec.disabled) route.typedPerFilterConfig[EXT_AUTHZ_FILTER] = pack(ExtAuthzPerRouteSchema, extAuthzDisabled());
      return applyRoutePolicies(route, { faultInjection: at("faultInjection"), rateLimit: at("rateLimit"), headers: at("headers"), cors: at("cors"), mirror: at("mirror") }, listener);
    },
    decorateListenerRoute(route, listener) {
      applyRoutePolicies(route, { faultInjection: undefined, rateLimit: undefined, headers: undefined, cors: undefined, mirror: undefined }, listener);
    },
    loadBalancing: (nodeName) => policies.forTargetNode(nodeName)?.spec,
  };
}
