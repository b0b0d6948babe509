// One listening socket per Envoy Listener, speaking HTTP/1.1 and HTTP/2 cleartext on the same port: the first
// bytes of a connection decide (the HTTP/2 connection preface starts "PRI * HTTP/2.0", RFC 9113 §3.4; a TLS
// record starts with 0x16, then ALPN picks h2 or http/1.1). HTTP/1.1 is served by the gateway's own server
// (http1-server/), or by node:http when asked (GATEWAY_HTTP1_SERVER=node). TCP proxy listeners get a plain relaying
// socket.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import tls from "node:tls";
import type { Duplex } from "node:stream";
import { createHttp1Server, type Http1Request, type Http1Response, type Http1ServerOptions } from "./http1-server/index.js";
import { directReadsSupported, takeOverAccepted } from "./direct-read-socket.js";
import { markTlsSession } from "./downstream-tls.js";
import { hasSubjectAltName } from "./peer-certificate.js";
import { tlsAlpnProtocols } from "./runtime.js";

export type RequestHandler = (
  request: http.IncomingMessage | http2.Http2ServerRequest | Http1Request,
  response: http.ServerResponse | http2.Http2ServerResponse | Http1Response,
) => void;
export type UpgradeHandler = (request: http.IncomingMessage | Http1Request, socket: Duplex, head: Buffer) => void;

/** Which server speaks HTTP/1.1: the gateway's own (the default) or node:http (GATEWAY_HTTP1_SERVER=node). */
export type Http1ServerKind = "gateway" | "node";

export interface ListenerServerOptions {
  http1Server?: Http1ServerKind;
  /** Timeouts and limits of the gateway's HTTP/1.1 server. */
  http1?: Partial<Http1ServerOptions>;
}

/** The HTTP/1.1 server GATEWAY_HTTP1_SERVER names (`node` or `gateway`), else the gateway's own. */
export function http1ServerFromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): Http1ServerKind {
  return env.GATEWAY_HTTP1_SERVER === "node" ? "node" : "gateway";
}

/** A listener's certificate and key, and the CA its clients' certificates are verified against (if any). */
export interface ListenerCredentials {
  cert: string | Buffer;
  key: string | Buffer;
  ca?: string | Buffer;
}

/** A listener's TLS termination at the moment a connection arrives (config can change between connections). */
export interface ListenerTlsSettings {
  mode: "strict" | "permissive";
  /**
   * undefined when the configured material cannot be served: TLS connections are refused. Kept by the caller while
   * its material is the same: connections with the same credentials object share one handshake server.
   */
  credentials: ListenerCredentials | undefined;
  requireClientCertificate: boolean;
  /** Exact SANs, one of which a verified client certificate must carry; empty = any. */
  clientSubjectAltNames: readonly string[];
}

export interface ListenerServer {
  readonly port: number;
  close(): Promise<void>;
}

const PREFACE = Buffer.from("PRI * HTTP/2.0");

export async function startListenerServer(
  host: string,
  port: number,
  onRequest: RequestHandler,
  onUpgrade: UpgradeHandler,
  tlsSettings: () => ListenerTlsSettings | undefined = () => undefined,
  onSocket: (socket: net.Socket) => void = () => {},
  options: ListenerServerOptions = {},
): Promise<ListenerServer> {
  const own = (options.http1Server ?? http1ServerFromEnvironment()) === "gateway" ? createHttp1Server({ request: onRequest, upgrade: onUpgrade }, options.http1) : undefined;
  const h1 = http.createServer({ keepAliveTimeout: 60_000 }, onRequest);
  // h1 never listens: `server` below accepts its connections and hands them over with emit("connection"). Deno's
  // node:http (2.9, `resOnFinish`) destroys a kept-alive socket after each response when the http.Server that
  // served it is not `listening`, so clients reusing the connection got "socket hang up"; Node does not look.
  // h1 reports the accepting server's state, which is what it means here on both runtimes.
  Object.defineProperty(h1, "listening", { get: () => server.listening });
  h1.on("upgrade", onUpgrade);
  h1.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });
  const h2 = http2.createServer({ settings: { maxConcurrentStreams: 1000 } }, onRequest);
  h2.on("sessionError", () => {});
  const sessions = new Set<http2.ServerHttp2Session>();
  let tlsConnectionArriving = false;
  h2.on("session", (session: http2.ServerHttp2Session) => {
    if (tlsConnectionArriving) markTlsSession(session);
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const dispatchSecure = (secure: tls.TLSSocket) => {
    if (secure.alpnProtocol === "h2") {
      // The session is created synchronously by emit: the next one is this TLS connection's.
      tlsConnectionArriving = true;
      try {
        h2.emit("connection", secure);
      } finally {
        tlsConnectionArriving = false;
      }
    } else if (own) own.accept(secure, secure);
    else h1.emit("connection", secure);
  };
  const handshakes = new TlsHandshakeServers(dispatchSecure);
  const sockets = new Set<net.Socket>();
  // With the gateway's own HTTP/1.1 server, accepted sockets move to one that reads into a shared buffer
  // (direct-read-socket.ts): they are accepted paused, so that no byte is read before the move.
  const directReads = own !== undefined && directReadsSupported;
  // The sockets are accepted here, not by the http servers: Nagle is turned off here (as Envoy and node:http do).
  const server = net.createServer({ noDelay: true, pauseOnConnect: directReads }, (accepted) => {
    const socket = directReads ? takeOverAccepted(accepted, server) : accepted;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    onSocket(socket);
    socket.once("data", (chunk: Buffer) => {
      socket.pause();
      const settings = tlsSettings();
      // A TLS record starts with content type 22 (handshake): Envoy's tls_inspector tells the chains apart the same way.
      if (settings && chunk[0] === 0x16) {
        if (!settings.credentials) return socket.destroy();
        // What decides the protocol is read again by whoever takes the socket: node:tls and node:http2 read the
        // bytes given back here before the native handle's.
        socket.unshift(chunk);
        handshakes.serverFor(settings).emit("connection", socket);
        return;
      }
      if (settings?.mode === "strict") return socket.destroy();
      const isHttp2 = chunk.subarray(0, Math.min(chunk.length, PREFACE.length)).equals(PREFACE.subarray(0, Math.min(chunk.length, PREFACE.length)));
      if (isHttp2) {
        socket.unshift(chunk);
        h2.emit("connection", socket);
        return;
      }
      if (own) {
        // Flowing before the connection reads (it may pause the socket again while it handles `chunk`).
        socket.resume();
        own.accept(socket, socket, chunk);
        return;
      }
      socket.unshift(chunk);
      h1.emit("connection", socket);
      socket.resume();
    });
    socket.on("error", () => socket.destroy());
  });
  const bound = await listenOn(server, host, port);
  const drainIdle = () => {
    h1.closeIdleConnections();
    own?.drain();
    // GOAWAY: streams in flight finish, no new ones start.
    for (const session of sessions) session.close();
  };
  return { port: bound, close: () => closeServer(server, sockets, drainIdle) };
}

/**
 * The TLS handshakes of one listener, run by tls.Server (never listening: sockets are handed to it), which is what
 * verifies a client's certificate against the trusted CA; a TLSSocket made by hand asks for the certificate but does
 * not check it. One server per credentials and client-certificate rule, the latest few kept (material rotates).
 */
class TlsHandshakeServers {
  readonly #servers = new Map<ListenerCredentials, Map<string, tls.Server>>();

  constructor(readonly dispatch: (secure: tls.TLSSocket) => void) {}

  serverFor(settings: ListenerTlsSettings): tls.Server {
    const credentials = settings.credentials!;
    let byRule = this.#servers.get(credentials);
    if (!byRule) {
      if (this.#servers.size >= 4) this.#servers.delete(this.#servers.keys().next().value!);
      this.#servers.set(credentials, (byRule = new Map()));
    }
    const rule = `${settings.requireClientCertificate}\u0000${settings.clientSubjectAltNames.join("\u0000")}`;
    let server = byRule.get(rule);
    if (!server) byRule.set(rule, (server = this.#create(credentials, settings.requireClientCertificate, settings.clientSubjectAltNames)));
    return server;
  }

  #create(credentials: ListenerCredentials, requireClientCertificate: boolean, subjectAltNames: readonly string[]): tls.Server {
    const verifies = credentials.ca !== undefined;
    const server = tls.createServer({
      ...credentials,
      ALPNProtocols: tlsAlpnProtocols,
      // Envoy asks for a client certificate when it has a CA to verify one against, and refuses a connection
      // without one only when the listener requires it; one that is presented must verify (and carry a wanted SAN).
      requestCert: verifies || requireClientCertificate,
      rejectUnauthorized: requireClientCertificate,
    });
    server.on("tlsClientError", (_error, socket) => socket.destroy());
    server.on("secureConnection", (secure: tls.TLSSocket) => {
      secure.on("error", () => secure.destroy());
      if (verifies && !clientCertificateAccepted(secure, subjectAltNames)) return secure.destroy();
      this.dispatch(secure);
    });
    return server;
  }
}

/** A connection without a client certificate, or with one that verified and carries one of `subjectAltNames`. */
function clientCertificateAccepted(secure: tls.TLSSocket, subjectAltNames: readonly string[]): boolean {
  const certificate = secure.getPeerCertificate();
  if (!certificate || Object.keys(certificate).length === 0) return true;
  return secure.authorized && hasSubjectAltName(certificate, subjectAltNames);
}

/** A plain TCP listener (tcp_proxy chains). */
export async function startTcpListenerServer(host: string, port: number, onConnection: (socket: net.Socket) => void): Promise<ListenerServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    onConnection(socket);
  });
  const bound = await listenOn(server, host, port);
  return { port: bound, close: () => closeServer(server, sockets) };
}

/** How long in-flight requests get to finish once a listener closes (drain on shutdown, listener removed). */
const DRAIN_MS = 5_000;
/** While draining, keep-alive connections are closed as soon as their request is answered. */
const DRAIN_POLL_MS = 20;

/** Stops accepting; in-flight requests get DRAIN_MS to finish (connections close as they go idle), then the rest go. */
function closeServer(server: net.Server, sockets: ReadonlySet<net.Socket>, closeIdle: () => void = () => {}): Promise<void> {
  return new Promise<void>((resolve) => {
    const poll = setInterval(closeIdle, DRAIN_POLL_MS);
    const force = setTimeout(() => sockets.forEach((socket) => socket.destroy()), DRAIN_MS);
    server.close(() => {
      clearInterval(poll);
      clearTimeout(force);
      resolve();
    });
    closeIdle();
  });
}

/** Listens on host:port and resolves with the bound port (the actual one when `port` is 0). */
function listenOn(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}
