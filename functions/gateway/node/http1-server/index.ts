// The gateway's own HTTP/1.1 server (downstream side): parser, connection, response writer.
export { createHttp1Server, type Http1Server } from "./server.js";
export { DEFAULT_HTTP1_SERVER_OPTIONS, type Http1Handlers, type Http1ServerOptions } from "./server-options.js";
export { Http1Request, type PeerAddress } from "./request.js";
export { Http1Response } from "./response.js";
