// The gateway's HTTP filters: what meshplane's policies put into Envoy's connection managers and routes (fault, local
// rate limit, CORS, JWT authentication, external authorization, mirrors, hash policies), run by the gateway on the
// request path of every runtime. @private: for functions/gateway/core and its runtimes.
export { mapLocalReply, needsFilterChain, runRequestFilters, type FilterOutcome, type FilterRuntime } from "./filter-chain.js";
export { FilterState } from "./filter-state.js";
export { mirrorRequest } from "./mirror-request.js";
export { filterReplyHeaders, type FilterReply } from "./filter-reply.js";
export type { ServerHeader } from "./filter-config.js";
export type { RequestMirror } from "./route-policies.js";
export { createSideCallTransport, tlsSideCallRefusal, type SideCallTransport, type SideRequest, type SideResponse } from "./side-call.js";
