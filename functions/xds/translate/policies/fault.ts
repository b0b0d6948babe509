// faultInjection → Envoy's HTTP fault filter (envoy.extensions.filters.http.fault.v3.HTTPFault): a fixed delay and an
// abort (HTTP status, or gRPC status for gRPC requests), each for its percentage of the requests, optionally only for
// requests matching headers. docs/policies/faultInjection.md.
import { create } from "@bufbuild/protobuf";
import { HTTPFaultSchema, type HTTPFault } from "../../../../proto/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js";
import { FaultDelaySchema } from "../../../../proto/gen/envoy/extensions/filters/common/fault/v3/fault_pb.js";
import type { FaultInjectionSpec } from "../../../policies/index.js";
import { translateHeaderMatcher } from "../route-match.js";
import { fractionalPercent, toDuration } from "./percent.js";

export function translateFault(spec: FaultInjectionSpec): HTTPFault {
  const { delay, abort } = spec;
  return create(HTTPFaultSchema, {
    delay: delay ? create(FaultDelaySchema, { faultDelaySecifier: { case: "fixedDelay", value: toDuration(delay.fixed) }, percentage: fractionalPercent(delay.percentage) }) : undefined,
    abort: abort
      ? {
          errorType: abort.grpcStatus !== undefined ? { case: "grpcStatus", value: abort.grpcStatus } : { case: "httpStatus", value: abort.httpStatus! },
          percentage: fractionalPercent(abort.percentage),
        }
      : undefined,
    headers: (spec.headers ?? []).map((header) => translateHeaderMatcher(header.name, header.match, header.invert)),
    maxActiveFaults: spec.maxActiveFaults,
  });
}
