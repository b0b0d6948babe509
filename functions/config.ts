// Control-plane configuration from environment variables (Node) or Worker vars; defaults per the house conventions.
import { quotasFromEnv, type Quotas } from "./appmesh/index.js";
// Direct import (not ./auth/index.js): the Worker bundle reaches this file and needs none of the auth runtime.
import { authConfigFromEnv, type AuthConfig } from "./auth/config.js";

export interface ControlPlaneConfig {
  /** Address the REST and ADS listeners bind; loopback unless HOST says otherwise. */
  host: string;
  /** REST API port (PORT, default 8787). */
  port: number;
  /** ADS gRPC port (XDS_PORT, default 18000). */
  xdsPort: number;
  /** Region and account that ARNs carry (MESHPLANE_REGION, MESHPLANE_ACCOUNT_ID). */
  region: string;
  accountId: string;
  quotas: Quotas;
  /** PostgreSQL connection string (DATABASE_URL); when absent the embedded SQLite file is used. */
  databaseUrl?: string;
  /** SQLite file (MESHPLANE_DB, default ./data/meshplane.db). */
  sqliteFile: string;
  /** Authentication, rate limits, ADS proxy quota and TLS (MESHPLANE_AUTH_FILE, … see functions/auth/config.ts). */
  auth: AuthConfig;
}

function parsePort(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return port;
}

export function configFromEnv(env: Record<string, string | undefined>): ControlPlaneConfig {
  const accountId = env.MESHPLANE_ACCOUNT_ID || "111122223333";
  if (!/^\d{12}$/.test(accountId)) throw new Error(`MESHPLANE_ACCOUNT_ID must be 12 digits, got "${accountId}"`);
  const config: ControlPlaneConfig = {
    host: env.HOST || "127.0.0.1",
    port: parsePort("PORT", env.PORT, 8787),
    xdsPort: parsePort("XDS_PORT", env.XDS_PORT, 18000),
    region: env.MESHPLANE_REGION || "us-east-1",
    accountId,
    quotas: quotasFromEnv(env),
    sqliteFile: env.MESHPLANE_DB || "./data/meshplane.db",
    auth: authConfigFromEnv(env),
  };
  if (env.DATABASE_URL) config.databaseUrl = env.DATABASE_URL;
  return config;
}
