// rateLimit → Envoy's local rate limit filter (envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit): a
// token bucket of `burst` tokens refilled with `requests` tokens every `interval`, enabled and enforced for every
// request it sees, answering `response.statusCode` (429) with `response.headers`; the body comes from the connection
// manager's local reply mapper, which rewrites the filter's rate-limited replies (response flag RL).
// docs/policies/rateLimit.md.
import { create } from "@bufbuild/protobuf";
import { LocalRateLimitSchema, type LocalRateLimit } from "../../../../proto/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js";
import { HeaderValueOption_HeaderAppendAction, HeaderValueOptionSchema } from "../../../../proto/gen/envoy/config/core/v3/base_pb.js";
import {
  ResponseMapperSchema,
  type ResponseMapper,
} from "../../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { ComparisonFilter_Op } from "../../../../proto/gen/envoy/config/accesslog/v3/accesslog_pb.js";
import type { RateLimitSpec } from "../../../policies/index.js";
import { LOCAL_RATE_LIMIT_STAT_PREFIX } from "./http-filters.js";
import { runtimePercent, toDuration } from "./percent.js";

export const DEFAULT_RATE_LIMIT_STATUS = 429;

export function translateLocalRateLimit(spec: RateLimitSpec): LocalRateLimit {
  const status = spec.response?.statusCode ?? DEFAULT_RATE_LIMIT_STATUS;
  return create(LocalRateLimitSchema, {
    statPrefix: LOCAL_RATE_LIMIT_STAT_PREFIX,
    status: status === DEFAULT_RATE_LIMIT_STATUS ? undefined : { code: status },
    tokenBucket: { maxTokens: spec.burst ?? spec.requests, tokensPerFill: spec.requests, fillInterval: toDuration(spec.interval) },
    filterEnabled: runtimePercent("meshplane.rate_limit.enabled"),
    filterEnforced: runtimePercent("meshplane.rate_limit.enforced"),
    responseHeadersToAdd: (spec.response?.headers ?? []).map((header) =>
      create(HeaderValueOptionSchema, { header: { key: header.name, value: header.value }, appendAction: HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD }),
    ),
  });
}

/**
 * The local reply mapper that gives the rate-limited replies of one status code their body. One connection manager
 * holds one mapper per status code: the first policy (in precedence order) with a body for that code decides it.
 */
export function rateLimitBodyMapper(status: number, body: string): ResponseMapper {
  return create(ResponseMapperSchema, {
    filter: {
      filterSpecifier: {
        case: "andFilter",
        value: {
          filters: [
            { filterSpecifier: { case: "responseFlagFilter", value: { flags: ["RL"] } } },
            {
              filterSpecifier: {
                case: "statusCodeFilter",
                value: { comparison: { op: ComparisonFilter_Op.EQ, value: { defaultValue: status, runtimeKey: "meshplane.rate_limit.status" } } },
              },
            },
          ],
        },
      },
    },
    body: { specifier: { case: "inlineString", value: body } },
  });
}
