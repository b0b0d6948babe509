// A gRPC unary echo (service bench.Echo, method Echo) for the gateway bench, with @grpc/grpc-js on both sides:
// `… grpc-echo.ts serve <port>` is the upstream; `… grpc-echo.ts load <host:port> <in flight> <seconds>` is the load
// generator, printing one JSON line of results. Both run as processes of their own (`node --import tsx`), so they
// can be pinned to a core.
import * as grpc from "@grpc/grpc-js";
import { pathToFileURL } from "node:url";

const METHOD = "/bench.Echo/Echo";
const identity = (value: Buffer): Buffer => value;
const PAYLOAD = Buffer.from("ok");

export interface GrpcLoadResult {
  callsPerSecond: number;
  /** Microseconds. */
  p50: number;
  p99: number;
  calls: number;
  errors: number;
}

export function startGrpcEcho(port: number): Promise<grpc.Server> {
  const server = new grpc.Server();
  server.addService(
    { Echo: { path: METHOD, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    { Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, call.request) },
  );
  return new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve(server))),
  );
}

/** `inFlight` calls kept in flight on one channel for `seconds` (after a 1 s warm-up). */
export async function runGrpcLoad(target: string, inFlight: number, seconds: number): Promise<GrpcLoadResult> {
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  const call = () =>
    new Promise<boolean>((resolve) => client.makeUnaryRequest(METHOD, identity, identity, PAYLOAD, (error) => resolve(!error)));
  const run = async (ms: number, record: boolean) => {
    const latencies: number[] = [];
    let errors = 0;
    const until = performance.now() + ms;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < until) {
          const started = performance.now();
          const ok = await call();
          if (!record) continue;
          if (ok) latencies.push((performance.now() - started) * 1000);
          else errors++;
        }
      }),
    );
    return { latencies, errors };
  };
  await run(1000, false);
  const { latencies, errors } = await run(seconds * 1000, true);
  client.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { callsPerSecond: latencies.length / seconds, p50: at(0.5), p99: at(0.99), calls: latencies.length, errors };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  if (process.argv[2] === "load") {
    const [target, inFlight, seconds] = process.argv.slice(3);
    console.log(JSON.stringify(await runGrpcLoad(target!, Number(inFlight), Number(seconds))));
  } else if (process.argv[2] === "serve") {
    await startGrpcEcho(Number(process.argv[3]));
    console.log("grpc echo ready");
  }
}
