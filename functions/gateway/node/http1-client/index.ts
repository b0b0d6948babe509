// The gateway's HTTP/1.1 upstream client: a pool of keep-alive connections per host (pool.ts), each carrying one
// request at a time (connection.ts), requests serialized once (request-head.ts), responses parsed strictly
// (response-parser.ts).
export { Http1Pool, type PoolOptions } from "./pool.js";
export { Http1Connection, type ConnectionRequest } from "./connection.js";
export { serializeRequestHead, type BodyFraming } from "./request-head.js";
export { ResponseParser, MAX_HEAD_BYTES, type ResponseEvents } from "./response-parser.js";
