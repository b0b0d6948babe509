// Where a process's CPU went, from a `node --cpu-prof` profile: self time by layer (syscalls, GC, Node's HTTP
// and stream internals, the upstream HTTP/1.1 client, the gateway's own code, core-wasm), leaving out idle time and module loading.
// Frames of a bundle (the gateway's functions/gateway/dist/main.mjs) are put back in their source files through the
// bundle's source map.
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

/** A bundle's source map, read once per profile (null: the file has none). */
function sourceMapOf(url: string, maps: Map<string, SourceMap | null>): SourceMap | null {
  if (!maps.has(url)) {
    const file = `${fileURLToPath(url)}.map`;
    maps.set(url, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, "utf8"))) : null);
  }
  return maps.get(url)!;
}

/** The frame with its bundle URL replaced by the source file the bundle took the function from. */
function unbundled(frame: ProfileNode["callFrame"], maps: Map<string, SourceMap | null>): ProfileNode["callFrame"] {
  if (!frame.url.startsWith("file://") || !frame.url.endsWith(".mjs")) return frame;
  const map = sourceMapOf(frame.url, maps);
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string } | undefined;
  return entry?.originalSource ? { ...frame, url: new URL(entry.originalSource, frame.url).href } : frame;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export type Layer = "syscalls and other native code" | "garbage collection" | "V8 runtime" | "Node HTTP, streams and sockets" | "upstream HTTP/1.1 client" | "gateway (routing, exchange, metrics)" | "core-wasm (route matching)" | "other JavaScript";

function layerOf(frame: ProfileNode["callFrame"]): Layer {
  const { functionName, url } = frame;
  if (functionName === "(garbage collector)") return "garbage collection";
  if (functionName === "(program)") return "V8 runtime";
  // The gateway's own client (functions/gateway/node/http1-client/), or undici where a build still uses it.
  if (url.includes("/gateway/node/http1-client/") || url.includes("/undici/")) return "upstream HTTP/1.1 client";
  if (url.includes("core-wasm") || url.startsWith("wasm")) return "core-wasm (route matching)";
  if (url.includes("/functions/gateway/")) return "gateway (routing, exchange, metrics)";
  if (url.startsWith("node:")) return "Node HTTP, streams and sockets";
  if (url === "") return "syscalls and other native code";
  return "other JavaScript";
}

/** Shares of busy (non-idle) time by layer, plus the heaviest native functions (the syscalls). */
export function summarizeProfile(file: string): { busyMs: number; layers: [Layer, number][]; native: [string, number][] } {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const maps = new Map<string, SourceMap | null>();
  for (const node of profile.nodes) node.callFrame = unbundled(node.callFrame, maps);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const loading = new Map<number, boolean>();
  const isLoading = (id: number): boolean => {
    const known = loading.get(id);
    if (known !== undefined) return known;
    const url = byId.get(id)!.callFrame.url;
    const result = url.includes("internal/modules") || url.includes("/tsx/") || (parent.has(id) && isLoading(parent.get(id)!));
    loading.set(id, result);
    return result;
  };
  const layers = new Map<Layer, number>();
  const native = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    const delta = profile.timeDeltas[i] ?? 0;
    if (["(idle)", "(root)"].includes(node.callFrame.functionName) || isLoading(id)) return;
    busy += delta;
    const layer = layerOf(node.callFrame);
    layers.set(layer, (layers.get(layer) ?? 0) + delta);
    if (layer === "syscalls and other native code") native.set(node.callFrame.functionName, (native.get(node.callFrame.functionName) ?? 0) + delta);
  });
  const share = (entries: Map<string, number>) => [...entries].sort((a, b) => b[1] - a[1]).map(([name, time]) => [name, time / busy] as [string, number]);
  return { busyMs: busy / 1000, layers: share(layers) as [Layer, number][], native: share(native).slice(0, 4) };
}
