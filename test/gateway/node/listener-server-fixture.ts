// Listener servers as the gateway starts them, run as a child process by listener-server.test.ts on Node or on
// Deno, every request answered with "<httpVersion> <url>": one PERMISSIVE TLS listener with the certificate in
// LISTENER_CERT/LISTENER_KEY, and one that also requires a client certificate issued by LISTENER_CLIENT_CA carrying
// the SAN LISTENER_CLIENT_SAN. Prints "listening <port> <mutual TLS port>".
import { readFileSync } from "node:fs";
import { startListenerServer, type RequestHandler } from "../../../functions/gateway/node/listener-server.js";

const credentials = { cert: readFileSync(process.env.LISTENER_CERT!), key: readFileSync(process.env.LISTENER_KEY!) };
const mutualCredentials = { ...credentials, ca: readFileSync(process.env.LISTENER_CLIENT_CA!) };
const answer: RequestHandler = (request, response) => {
  request.resume();
  (response as { end(body: string): unknown }).end(`${request.httpVersion} ${request.url}`);
};
const server = await startListenerServer("127.0.0.1", 0, answer, (_request, socket) => socket.destroy(), () => ({
  mode: "permissive",
  credentials,
  requireClientCertificate: false,
  clientSubjectAltNames: [],
}));
const mutual = await startListenerServer("127.0.0.1", 0, answer, (_request, socket) => socket.destroy(), () => ({
  mode: "strict",
  credentials: mutualCredentials,
  requireClientCertificate: true,
  clientSubjectAltNames: [process.env.LISTENER_CLIENT_SAN!],
}));
console.log(`listening ${server.port} ${mutual.port}`);
