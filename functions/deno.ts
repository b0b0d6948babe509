// meshplane on Deno: `deno task start` (deno.json), with the Deno of the pinned `deno` npm package. The same control
// plane as `npm start` (functions/node.ts: embedded SQLite by default, PostgreSQL with DATABASE_URL, ADS over
// node:http2), except that the REST API is served by `Deno.serve`, Deno's native HTTP server, which serves it
// faster than Node compatibility's http module does (bench/deno.bench.ts measures both side by side). With
// MESHPLANE_TLS_CERT/KEY the REST API stays on Node compatibility's https server, whose certificate is re-read when
// its files change (Deno.serve cannot swap a certificate without a restart). Docs: docs/serverless.md §6.
import process from "node:process";
import type { Hono } from "hono";
import { main, serveWithNode, type ServeRest } from "./node.js";

/** The part of Deno's runtime API this file uses (the project compiles against Node's types). */
interface DenoServer {
  readonly addr: { port: number };
  shutdown(): Promise<void>;
}
interface DenoRuntime {
  serve(
    options: { hostname: string; port: number; onListen?: (address: { port: number }) => void },
    handler: (request: Request, info: { remoteAddr: { hostname: string; port: number } }) => Response | Promise<Response>,
  ): DenoServer;
}

const deno = (globalThis as { Deno?: DenoRuntime }).Deno;

/** `Deno.serve` for the REST API; the handler's second argument (the peer) becomes Hono's `c.env`. */
export const serveWithDeno: ServeRest = async (app: Hono, options) => {
  if (!deno) throw new Error("serveWithDeno needs the Deno runtime");
  if (options.tls) return serveWithNode(app, options);
  let listened: (port: number) => void = () => {};
  const ready = new Promise<number>((resolve) => (listened = resolve));
  const server = deno.serve({ hostname: options.host, port: options.port, onListen: ({ port }) => listened(port) }, (request, info) => app.fetch(request, info));
  return { port: await ready, scheme: "http", close: () => server.shutdown() };
};

// Deno sets import.meta.main on the entry module (Node's types do not know it).
if ((import.meta as ImportMeta & { main?: boolean }).main) {
  main({ serveRest: serveWithDeno }).catch((error: unknown) => {
    console.error("meshplane: failed to start:", error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
