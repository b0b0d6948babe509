// Starts a real meshplane control plane on ephemeral loopback ports, over a fresh SQLite file (or the given
// PostgreSQL database), and an AWS SDK client pointed at it: in this process, or, when the suite runs under Deno
// (MESHPLANE_TEST_RUNTIME=deno, vitest's "deno" project), as a `deno task start` process.
import { AppMeshClient } from "@aws-sdk/client-app-mesh";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { configFromEnv } from "../../functions/config.js";
import { startControlPlane, type RunningControlPlane } from "../../functions/node.js";
import { announcedXdsPort, startMeshplaneProcess, testRuntime } from "./process.js";

export interface TestControlPlane {
  /** The in-process control plane (Node runs only; a Deno control plane is another process and this throws). */
  readonly running: RunningControlPlane;
  url: string;
  /** The ADS (gRPC, h2c) port. */
  xdsPort: number;
  client: AppMeshClient;
  /** Raw HTTP against the REST API (for what the SDK cannot send). */
  request(method: string, pathAndQuery: string, init?: { body?: string; headers?: Record<string, string> }): Promise<Response>;
  stop(): Promise<void>;
}

export const testAccountId = "111122223333";

export function createAppMeshClient(url: string): AppMeshClient {
  return new AppMeshClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDMESHPLANETEST", secretAccessKey: "meshplane-test-secret" },
    maxAttempts: 1,
  });
}

export async function startTestControlPlane(options: { databaseUrl?: string; env?: Record<string, string> } = {}): Promise<TestControlPlane> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-test-"));
  const env: Record<string, string> = {
    PORT: "0",
    XDS_PORT: "0",
    MESHPLANE_DB: path.join(dir, "meshplane.db"),
    MESHPLANE_ACCOUNT_ID: testAccountId,
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  };
  if (testRuntime() === "deno") {
    const meshplane = await startMeshplaneProcess(env);
    const xdsPort = await announcedXdsPort(meshplane);
    const client = createAppMeshClient(meshplane.url);
    return {
      get running(): RunningControlPlane {
        throw new Error("this suite reaches into the in-process control plane; under Deno meshplane runs as a separate process");
      },
      url: meshplane.url,
      xdsPort,
      client,
      request: (method, pathAndQuery, init = {}) => fetch(`${meshplane.url}${pathAndQuery}`, { method, ...init }),
      async stop() {
        client.destroy();
        await meshplane.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const running = await startControlPlane(configFromEnv(env));
  const client = createAppMeshClient(running.url);
  return {
    running,
    url: running.url,
    xdsPort: running.xdsPort,
    client,
    request: (method, pathAndQuery, init = {}) => fetch(`${running.url}${pathAndQuery}`, { method, ...init }),
    async stop() {
      client.destroy();
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
