// Starts a real meshplane control plane in this process on ephemeral loopback ports, over a fresh SQLite file
// (or the given PostgreSQL database), and an AWS SDK client pointed at it.
import { AppMeshClient } from "@aws-sdk/client-app-mesh";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { configFromEnv } from "../../functions/config.js";
import { startControlPlane, type RunningControlPlane } from "../../functions/node.js";

export interface TestControlPlane {
  running: RunningControlPlane;
  url: string;
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
  const running = await startControlPlane(configFromEnv(env));
  const client = createAppMeshClient(running.url);
  return {
    running,
    url: running.url,
    client,
    request: (method, pathAndQuery, init = {}) => fetch(`${running.url}${pathAndQuery}`, { method, ...init }),
    async stop() {
      client.destroy();
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
