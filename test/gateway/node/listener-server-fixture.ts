// A listener server as the gateway starts one, run as a child process by listener-server.test.ts on Node or on
// Deno: PERMISSIVE TLS with the certificate in LISTENER_CERT/LISTENER_KEY, every request answered with
// "<httpVersion> <url>". Prints "listening <port>".
import { readFileSync } from "node:fs";
import tls from "node:tls";
import { startListenerServer } from "../../../functions/gateway/node/listener-server.js";

const secureContext = tls.createSecureContext({ cert: readFileSync(process.env.LISTENER_CERT!), key: readFileSync(process.env.LISTENER_KEY!) });
const server = await startListenerServer(
  "127.0.0.1",
  0,
  (request, response) => {
    request.resume();
    (response as { end(body: string): unknown }).end(`${request.httpVersion} ${request.url}`);
  },
  (_request, socket) => socket.destroy(),
  () => ({ mode: "permissive", secureContext, requireClientCertificate: false }),
);
console.log(`listening ${server.port}`);
