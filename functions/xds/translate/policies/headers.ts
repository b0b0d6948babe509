// headers → the route configuration's own header fields (request_headers_to_add / _to_remove, response_…): at the
// route configuration for a listener-level policy, at the route for a route or gateway route policy.
// Removing `server` also needs the connection manager to stop writing its own (server_header_transformation
// PASS_THROUGH); docs/policies/headers.md says what that means for the other routes of that listener.
import { create } from "@bufbuild/protobuf";
import { HeaderValueOption_HeaderAppendAction, HeaderValueOptionSchema, type HeaderValueOption } from "../../../../proto/gen/envoy/config/core/v3/base_pb.js";
import type { HeaderChangesSpec, HeadersSpec } from "../../../policies/index.js";

/** The four header fields RouteConfiguration, VirtualHost and Route all have. */
export interface HeaderFields {
  requestHeadersToAdd: HeaderValueOption[];
  requestHeadersToRemove: string[];
  responseHeadersToAdd: HeaderValueOption[];
  responseHeadersToRemove: string[];
}

function options(changes: HeaderChangesSpec | undefined): HeaderValueOption[] {
  const option = (name: string, value: string, action: HeaderValueOption_HeaderAppendAction) => create(HeaderValueOptionSchema, { header: { key: name, value }, appendAction: action });
  return [
    ...(changes?.set ?? []).map((h) => option(h.name, h.value, HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)),
    ...(changes?.add ?? []).map((h) => option(h.name, h.value, HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)),
  ];
}

/** Adds the policy's changes to a route configuration, virtual host or route (after what it already has). */
export function applyHeaderPolicy(target: HeaderFields, spec: HeadersSpec): void {
  target.requestHeadersToAdd.push(...options(spec.request));
  target.requestHeadersToRemove.push(...(spec.request?.remove ?? []).map((name) => name.toLowerCase()));
  target.responseHeadersToAdd.push(...options(spec.response));
  target.responseHeadersToRemove.push(...(spec.response?.remove ?? []).map((name) => name.toLowerCase()));
}

export const removesServerHeader = (spec: HeadersSpec | undefined): boolean => (spec?.response?.remove ?? []).some((name) => name.toLowerCase() === "server");
