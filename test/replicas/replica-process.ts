// A meshplane replica as its own OS process (`node --import tsx functions/node.ts`), on ephemeral loopback
// ports, over a shared PostgreSQL database: what several control-plane replicas behind a load balancer are.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AppMeshClient } from "@aws-sdk/client-app-mesh";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface ReplicaProcess {
  /** Base URL of its REST API. */
  url: string;
  /** host:port of its ADS server (gRPC, h2c). */
  xdsAddress: string;
  client: AppMeshClient;
  child: ChildProcess;
  /** Everything it printed, for failure messages. */
  output(): string;
  /** SIGKILL: no shutdown code runs, in-flight requests and transactions are cut off. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
}

export function createReplicaClient(url: string): AppMeshClient {
  return new AppMeshClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDREPLICATEST", secretAccessKey: "replica-test-secret" },
    maxAttempts: 1,
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Starts a replica on `databaseUrl` and resolves once its API listens (it prints its URL). With `netns`, it runs in
 * that network namespace (`ip netns exec`); give it a HOST of that namespace the test can reach.
 */
export async function startReplica(databaseUrl: string, env: Record<string, string> = {}, options: { netns?: string } = {}): Promise<ReplicaProcess> {
  const node = [process.execPath, "--import", "tsx", "functions/node.ts"];
  const [command, ...args] = options.netns ? ["ip", "netns", "exec", options.netns, ...node] : node;
  const child = spawn(command!, args, {
    cwd: repoRoot,
    env: { ...process.env, PORT: "0", XDS_PORT: "0", HOST: "127.0.0.1", DATABASE_URL: databaseUrl, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  // It prints the API URL, then the ADS address.
  const [url, xdsAddress] = await new Promise<[string, string]>((resolve, reject) => {
    const onData = () => {
      const api = /App Mesh API on (http:\/\/\S+)/.exec(log);
      const ads = /ADS \(gRPC, h2c\) on (\S+)/.exec(log);
      if (api && ads) {
        child.stdout!.off("data", onData);
        resolve([api[1]!, ads[1]!]);
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code, signal) => reject(new Error(`replica exited (${code ?? signal}) before listening:\n${log}`)));
  });
  const client = createReplicaClient(url);
  let stopped: Promise<void> | undefined;
  return {
    url,
    xdsAddress,
    client,
    child,
    output: () => log,
    kill9() {
      child.kill("SIGKILL");
      client.destroy();
      return exited(child);
    },
    stop() {
      stopped ??= (async () => {
        client.destroy();
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
          await exited(child);
          clearTimeout(timer);
        }
      })();
      return stopped;
    },
  };
}
