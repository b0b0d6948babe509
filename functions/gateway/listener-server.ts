// One listening socket per Envoy Listener, speaking HTTP/1.1 and HTTP/2 cleartext on the same port: the first
// bytes of a connection decide (the HTTP/2 connection preface starts "PRI * HTTP/2.0", RFC 9113 §3.4).
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { Duplex } from "node:stream";

export type RequestHandler = (request: http.IncomingMessage | http2.Http2ServerRequest, response: http.ServerResponse | http2.Http2ServerResponse) => void;
export type UpgradeHandler = (request: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface ListenerServer {
  readonly port: number;
  close(): Promise<void>;
}

const PREFACE = Buffer.from("PRI * HTTP/2.0");

export async function startListenerServer(host: string, port: number, onRequest: RequestHandler, onUpgrade: UpgradeHandler): Promise<ListenerServer> {
  const h1 = http.createServer({ keepAliveTimeout: 60_000 }, onRequest);
  h1.on("upgrade", onUpgrade);
  h1.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });
  const h2 = http2.createServer({ settings: { maxConcurrentStreams: 1000 } }, onRequest);
  h2.on("sessionError", () => {});
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.once("data", (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      const isHttp2 = chunk.subarray(0, Math.min(chunk.length, PREFACE.length)).equals(PREFACE.subarray(0, Math.min(chunk.length, PREFACE.length)));
      (isHttp2 ? h2 : h1).emit("connection", socket);
      socket.resume();
    });
    socket.on("error", () => socket.destroy());
  });
  const bound = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        h1.closeIdleConnections();
        // In-flight requests get a moment to finish, then the sockets go.
        setTimeout(() => sockets.forEach((socket) => socket.destroy()), 5_000).unref();
      }),
  };
}
