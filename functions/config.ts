// Control-plane configuration from environment variables (Node) or Worker vars; defaults per the house conventions.
import type { RetentionPolicy } from "../db/retention.js";
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
  /** How long the change log and the audit log keep entries (MESHPLANE_CHANGE_LOG_RETENTION, MESHPLANE_AUDIT_RETENTION). */
  retention: RetentionPolicy;
  /** How long one PostgreSQL call may take before it fails as unavailable (MESHPLANE_DB_TIMEOUT, default 10 s). */
  databaseTimeoutMs: number;
  /** A listener serving only `GET /metrics` without authentication (METRICS_PORT, on METRICS_HOST, loopback by default). */
  metrics?: { host: string; port: number };
}

const DAY_MS = 24 * 60 * 60 * 1000;
const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };

/** "500ms", "30s", "15m", "24h", "90d" → milliseconds. */
export function parseDuration(name: string, raw: string): number {
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(raw.trim());
  if (!match) throw new Error(`${name} must be a duration such as 30s, 15m, 24h or 90d, got "${raw}"`);
  return Number(match[1]) * units[match[2]!]!;
}

/**
 * MESHPLANE_AUDIT_RETENTION: an age ("90d"), a number of entries ("1000000"), or both separated by a comma; the
 * audit log keeps what satisfies every limit given.
 */
export function parseAuditRetention(raw: string): Pick<RetentionPolicy, "auditMaxAgeMs" | "auditMaxEntries"> {
  const policy: Pick<RetentionPolicy, "auditMaxAgeMs" | "auditMaxEntries"> = {};
  for (const part of raw.split(",").map((p) => p.trim())) {
    if (/^\d{1,12}$/.test(part)) {
      if (Number(part) < 1 || policy.auditMaxEntries !== undefined) throw new Error(`MESHPLANE_AUDIT_RETENTION takes one entry count of at least 1, got "${raw}"`);
      policy.auditMaxEntries = Number(part);
    } else {
      if (policy.auditMaxAgeMs !== undefined) throw new Error(`MESHPLANE_AUDIT_RETENTION takes one age, got "${raw}"`);
      policy.auditMaxAgeMs = parseDuration("MESHPLANE_AUDIT_RETENTION", part);
    }
  }
  return policy;
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
    retention: {
      changeLogMaxAgeMs: env.MESHPLANE_CHANGE_LOG_RETENTION ? parseDuration("MESHPLANE_CHANGE_LOG_RETENTION", env.MESHPLANE_CHANGE_LOG_RETENTION) : DAY_MS,
      // 90 days, as long as CloudTrail's event history keeps management events.
      ...(env.MESHPLANE_AUDIT_RETENTION ? parseAuditRetention(env.MESHPLANE_AUDIT_RETENTION) : { auditMaxAgeMs: 90 * DAY_MS }),
    },
    databaseTimeoutMs: env.MESHPLANE_DB_TIMEOUT ? parseDuration("MESHPLANE_DB_TIMEOUT", env.MESHPLANE_DB_TIMEOUT) : 10_000,
  };
  if (config.databaseTimeoutMs < 100) throw new Error(`MESHPLANE_DB_TIMEOUT must be at least 100ms, got "${env.MESHPLANE_DB_TIMEOUT}"`);
  if (env.DATABASE_URL) config.databaseUrl = env.DATABASE_URL;
  if (env.METRICS_PORT) config.metrics = { host: env.METRICS_HOST || "127.0.0.1", port: parsePort("METRICS_PORT", env.METRICS_PORT, 0) };
  else if (env.METRICS_HOST) throw new Error("METRICS_HOST needs METRICS_PORT");
  return config;
}
