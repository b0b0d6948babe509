// Envoy's fault filter (envoy.filters.http.fault): for requests matching its headers, a fixed delay for its share of
// them, then an abort for its share (an HTTP status, or for gRPC a trailers-only response with grpc-status), each
// drawn independently; at most max_active_faults at once.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/fault_filter
import type { FaultConfig } from "./filter-config.js";
import type { FilterState } from "./filter-state.js";
import { textReply, type FilterContext, type FilterReply } from "./filter-reply.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runFault(config: FaultConfig, context: FilterContext, state: FilterState): Promise<FilterReply | undefined> {
  if (!config.headers.every((matches) => matches(context.request.headers))) return undefined;
  if (config.maxActiveFaults !== undefined && state.activeFaults(config) >= config.maxActiveFaults) return undefined;
  const delay = config.delay && context.random() < config.delay.fraction ? config.delay.ms : 0;
  const abort = config.abort && context.random() < config.abort.fraction ? config.abort : undefined;
  if (delay === 0 && !abort) return undefined;
  return state.withFault(config, async () => {
    if (delay > 0) await sleep(delay);
    if (!abort) return undefined;
    if (abort.grpcStatus !== undefined) {
      // A trailers-only gRPC response: HTTP 200 whose headers carry the gRPC status.
      return { status: 200, headers: { "content-type": "application/grpc", "grpc-status": String(abort.grpcStatus), "grpc-message": "fault filter abort" }, body: "", flag: "FI" };
    }
    return textReply(abort.httpStatus ?? 503, "fault filter abort", "FI");
  });
}
