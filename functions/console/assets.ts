// The console's built files (functions/console/build.mjs writes them, gzip-compressed, into dist/assets.js) and how
// they are served: the compressed bytes as they are to browsers that accept gzip, decompressed for the rest. One
// module, imported by the Node server and bundled into the Worker alike, so both serve the same bytes.

/** One built file. */
export interface ConsoleAssetFile {
  /** URL path, e.g. `/console/assets/console-3FJ2KQ.js` or `/console/index.html`. */
  path: string;
  contentType: string;
  /** Content-hashed name: cache it forever. */
  immutable: boolean;
  /** Strong validator, the content hash. */
  etag: string;
  /** The gzip-compressed bytes, base64. */
  gzipBase64: string;
  /** Uncompressed size in bytes. */
  size: number;
}

export interface ConsoleAsset {
  file: ConsoleAssetFile;
  gzip: Uint8Array;
  /** The bytes uncompressed, once a response needed them. */
  identity?: Promise<Uint8Array>;
}

/**
 * How responses are encoded: `gzip` sends the stored gzip to clients that accept it (Node); `identity` always
 * sends plain bytes and leaves compression to the platform (Cloudflare compresses at its edge, and wrangler's
 * local runtime rewrites Accept-Encoding, so a Worker cannot tell what the browser accepts).
 */
export type AssetEncoding = "gzip" | "identity";

export type ConsoleAssets = ReadonlyMap<string, ConsoleAsset>;

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function loadConsoleAssets(files: readonly ConsoleAssetFile[]): ConsoleAssets {
  return new Map(files.map((file) => [file.path, { file, gzip: fromBase64(file.gzipBase64) }]));
}

/** Whether an Accept-Encoding header allows gzip (and does not refuse it with q=0). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  for (const part of (acceptEncoding ?? "").toLowerCase().split(",")) {
    const [coding, ...parameters] = part.trim().split(";");
    if (coding !== "gzip" && coding !== "*") continue;
    const quality = parameters.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return quality === undefined || Number(quality.slice(2)) > 0;
  }
  return false;
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Response headers every console response carries. */
export const consoleSecurityHeaders: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  // No inline script or style, no other origin; 'wasm-unsafe-eval' lets explain compile core-wasm.
  "content-security-policy":
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

/** The response for one asset: 304 when the browser has it, gzip when accepted and allowed. */
export async function assetResponse(asset: ConsoleAsset, request: Request, encoding: AssetEncoding): Promise<Response> {
  const headers = new Headers(consoleSecurityHeaders);
  headers.set("content-type", asset.file.contentType);
  headers.set("etag", asset.file.etag);
  headers.set("vary", "accept-encoding");
  headers.set("cache-control", asset.file.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (request.headers.get("if-none-match") === asset.file.etag) return new Response(null, { status: 304, headers });
  const head = request.method === "HEAD";
  if (encoding === "gzip" && acceptsGzip(request.headers.get("accept-encoding") ?? undefined)) {
    headers.set("content-encoding", "gzip");
    return new Response(head ? null : (asset.gzip as Uint8Array<ArrayBuffer>), { headers });
  }
  asset.identity ??= gunzip(asset.gzip);
  return new Response(head ? null : ((await asset.identity) as Uint8Array<ArrayBuffer>), { headers });
}
