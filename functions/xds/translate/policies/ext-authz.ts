// externalAuthorization → Envoy's ext_authz filter: each request is first sent to the authorization service (HTTP:
// the request's headers on the same path under pathPrefix; gRPC: an envoy.service.auth.v3 CheckRequest), which
// allows (2xx / OK) or denies (its status and body go back to the client); a failed call denies with 403 unless
// failureMode is ALLOW. A gateway route (or a node overriding the mesh) can switch it off. docs/policies/externalAuthorization.md.
import { create } from "@bufbuild/protobuf";
import { ApiVersion } from "../../../../proto/gen/envoy/config/core/v3/config_source_pb.js";
import { ExtAuthzPerRouteSchema, ExtAuthzSchema, type ExtAuthz, type ExtAuthzPerRoute } from "../../../../proto/gen/envoy/extensions/filters/http/ext_authz/v3/ext_authz_pb.js";
import { StringMatcherSchema } from "../../../../proto/gen/envoy/type/matcher/v3/string_pb.js";
import type { ExternalAuthorizationSpec } from "../../../policies/index.js";
import type { MeshIndex } from "../mesh-index.js";
import type { ClusterRef } from "../service-routes.js";
import { backendAuthority, securityBackend } from "./backends.js";
import { durationMsOf } from "./percent.js";
import { ms } from "../common.js";

/** Envoy's own default is 200 ms; a little more leaves room for an authorization service that checks a database. */
export const DEFAULT_AUTHORIZATION_TIMEOUT_MS = 1000;

const exactNames = (names: readonly string[] | undefined) =>
  names && names.length > 0 ? { patterns: names.map((name) => create(StringMatcherSchema, { matchPattern: { case: "exact", value: name.toLowerCase() } })) } : undefined;

/** The filter configuration, and the cluster it calls (undefined when it no longer resolves: see securityBackend); undefined when disabled. */
export function translateExtAuthz(index: MeshIndex, spec: ExternalAuthorizationSpec, policyName: string): { config: ExtAuthz; cluster: ClusterRef | undefined } | undefined {
  if (spec.disabled || !spec.backendRef) return undefined;
  const { name, cluster } = securityBackend(index, spec.backendRef, policyName);
  const timeout = ms(spec.timeout ? durationMsOf(spec.timeout) : DEFAULT_AUTHORIZATION_TIMEOUT_MS);
  const config = create(ExtAuthzSchema, {
    transportApiVersion: ApiVersion.V3,
    failureModeAllow: spec.failureMode === "ALLOW",
    services:
      spec.protocol === "GRPC"
        ? { case: "grpcService", value: { targetSpecifier: { case: "envoyGrpc", value: { clusterName: name } }, timeout } }
        : {
            case: "httpService",
            value: {
              serverUri: { uri: `http://${backendAuthority(spec.backendRef, cluster)}`, httpUpstreamType: { case: "cluster", value: name }, timeout },
              pathPrefix: spec.pathPrefix ?? "",
              authorizationRequest: { allowedHeaders: exactNames(spec.forwardRequestHeaders) },
              authorizationResponse: { allowedUpstreamHeaders: exactNames(spec.forwardUpstreamHeaders) },
            },
          },
  });
  return { config, cluster };
}

export const extAuthzDisabled = (): ExtAuthzPerRoute => create(ExtAuthzPerRouteSchema, { override: { case: "disabled", value: true } });
