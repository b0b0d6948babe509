// Extra ADS listeners in front of the ADS server: a Unix domain socket (plaintext, unsigned: what the App Mesh Envoy
// image speaks when APPMESH_XDS_ENDPOINT=unix://…, docs/authentication.md §6) and a TLS port (what the image speaks remotely).
// Each is an HTTP/2 relay: every gRPC stream is forwarded, headers, messages and trailers, to the h2c ADS on
// loopback, keeping :authority so SigV4 signatures still verify. Streams from the Unix socket carry a per-process
// token the ADS authorizer recognises as "local" (the socket's file permissions are the access control).
import http2 from "node:http2";
import { chmodSync, existsSync, unlinkSync } from "node:fs";
import type { TlsFiles } from "./tls.js";
import { readTlsMaterial, watchTlsMaterial } from "./tls.js";

import { LOCAL_RELAY_HEADER } from "./ads-relay-header.js";

export { LOCAL_RELAY_HEADER };

export type RelayListen = { socketPath: string } | { host: string; port: number; tls: TlsFiles };

export interface AdsRelayOptions {
  listen: RelayListen;
  /** The h2c ADS server, e.g. `http://127.0.0.1:18000`. */
  upstream: string;
  /** Sent as LOCAL_RELAY_HEADER on Unix-socket streams. */
  localToken: string;
}

export interface RunningAdsRelay {
  /** The TLS port actually bound (0 for a socket). */
  port: number;
  close(): Promise<void>;
}

const hopByHop = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", LOCAL_RELAY_HEADER]);

function forwardable(headers: http2.IncomingHttpHeaders): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!name.startsWith(":") && !hopByHop.has(name) && value !== undefined) out[name] = value;
  return out;
}

export async function startAdsRelay(options: AdsRelayOptions): Promise<RunningAdsRelay> {
  const local = "socketPath" in options.listen;
  let upstream: http2.ClientHttp2Session | null = null;
  const session = () => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = http2.connect(options.upstream);
      upstream.on("error", () => upstream?.destroy());
    }
    return upstream;
  };

  const onStream = (down: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    const request: http2.OutgoingHttpHeaders = {
      ...forwardable(headers),
      ":method": headers[":method"] ?? "POST",
      ":path": headers[":path"] ?? "/",
      ":authority": headers[":authority"] ?? "localhost",
      ...(local ? { [LOCAL_RELAY_HEADER]: options.localToken } : {}),
    };
    let up: http2.ClientHttp2Stream;
    try {
      up = session().request(request);
    } catch {
      down.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "14", "grpc-message": "ADS upstream unavailable" }, { endStream: true });
      return;
    }
    let trailers: http2.IncomingHttpHeaders | null = null;
    let responded = false;
    down.pipe(up);
    up.on("response", (responseHeaders, flags) => {
      responded = true;
      const out: http2.OutgoingHttpHeaders = { ...forwardable(responseHeaders), ":status": responseHeaders[":status"] ?? 200 };
      // A trailers-only response (how gRPC errors usually arrive) ends the stream with its headers.
      if ((flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0) down.respond(out, { endStream: true });
      else {
        down.respond(out, { waitForTrailers: true });
        up.pipe(down);
      }
    });
    up.on("trailers", (received) => (trailers = received));
    down.on("wantTrailers", () => down.sendTrailers(trailers ? forwardable(trailers) : { "grpc-status": "0" }));
    up.on("error", () => {
      if (!responded && !down.closed) {
        responded = true;
        down.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "14", "grpc-message": "ADS upstream unavailable" }, { endStream: true });
      } else if (!down.closed) down.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
    down.on("error", () => undefined);
    down.on("close", () => {
      if (!up.closed) up.close(http2.constants.NGHTTP2_CANCEL);
    });
  };

  const sessions = new Set<http2.ServerHttp2Session>();
  let stopTlsWatch: (() => void) | undefined;
  let server: http2.Http2Server | http2.Http2SecureServer;
  if ("socketPath" in options.listen) {
    server = http2.createServer();
  } else {
    const files = options.listen.tls;
    const secure = http2.createSecureServer({ ...(await readTlsMaterial(files)), allowHTTP1: false });
    stopTlsWatch = watchTlsMaterial(files, (material) => secure.setSecureContext(material));
    server = secure;
  }
  server.on("stream", onStream);
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
    s.on("error", () => s.destroy());
  });

  const listen = options.listen;
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    if ("socketPath" in listen) {
      if (existsSync(listen.socketPath)) unlinkSync(listen.socketPath);
      server.listen(listen.socketPath, () => {
        // Owner and group only: the socket's permissions are its access control.
        chmodSync(listen.socketPath, 0o660);
        resolve(0);
      });
    } else {
      server.listen(listen.port, listen.host, () => {
        const address = server.address();
        resolve(typeof address === "object" && address ? address.port : listen.port);
      });
    }
  });

  return {
    port,
    async close() {
      stopTlsWatch?.();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      sessions.forEach((s) => s.destroy());
      (upstream as http2.ClientHttp2Session | null)?.destroy();
      await closed;
    },
  };
}
