// Route explain over a node's config dump. Free of protobuf and of the server: the console runs this same folder in
// the browser against `/v1/xds/config_dump`, and `POST /v1/xds/explain` runs it on the server.
export { explainRequest, explainOutcomes } from "./explain.js";
export type { Explanation, ExplainInput, ExplainedRequest, ExplainedRoute, ExplainOutcome } from "./explain.js";
export { parseExplainBody } from "./parse-input.js";
export type { ExplainBody } from "./parse-input.js";
export { readConfigDump } from "./config-dump-reader.js";
export type { ConfigDumpView, ListenerView, FilterChainView, ChainAction } from "./config-dump-reader.js";
