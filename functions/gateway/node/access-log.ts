// Access logs as the HCM's file access loggers ask (App Mesh `logging.accessLog.file`, docs/envoy-translation.md §11):
// Envoy's default text format, or the configured text / JSON format with Envoy's command operators
// (https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#command-operators).
// Operators this gateway does not know render as "-", as Envoy renders unavailable values.
import { createWriteStream, type WriteStream } from "node:fs";
import type { AccessLogConfig } from "../core/index.js";

/** What one finished request contributes to its log line. */
export interface AccessLogEntry {
  startTime: Date;
  durationMs: number;
  method: string;
  path: string;
  protocol: string;
  authority: string;
  requestHeaders: Readonly<Record<string, string | string[] | undefined>>;
  responseHeaders: Readonly<Record<string, string | string[] | number | undefined>>;
  status: number;
  flags: string;
  bytesReceived: number;
  bytesSent: number;
  upstreamHost: string;
  upstreamCluster: string;
  routeName: string;
  downstreamRemoteAddress: string;
}

/** Envoy's default format (used when the logger configures none). */
export const DEFAULT_ACCESS_LOG_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

const OPERATOR = /%([A-Z_]+)(?:\(([^)]*)\))?(?::(\d+))?%/g;

function header(headers: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(",") : String(value);
}

function requestHeader(entry: AccessLogEntry, name: string): string | undefined {
  switch (name.toLowerCase()) {
    case ":method":
      return entry.method;
    case ":path":
      return entry.path;
    case ":authority":
      return entry.authority;
    case ":scheme":
      return "http";
  }
  return header(entry.requestHeaders, name);
}

/** One operator's value, or undefined when unavailable. */
function operatorValue(entry: AccessLogEntry, operator: string, argument: string | undefined): string | undefined {
  switch (operator) {
    case "START_TIME":
      return entry.startTime.toISOString();
    case "DURATION":
      return String(Math.round(entry.durationMs));
    case "PROTOCOL":
      return entry.protocol;
    case "RESPONSE_CODE":
      return String(entry.status);
    case "RESPONSE_FLAGS":
      return entry.flags || "-";
    case "BYTES_RECEIVED":
      return String(entry.bytesReceived);
    case "BYTES_SENT":
      return String(entry.bytesSent);
    case "UPSTREAM_HOST":
      return entry.upstreamHost || undefined;
    case "UPSTREAM_CLUSTER":
      return entry.upstreamCluster || undefined;
    case "ROUTE_NAME":
      return entry.routeName || undefined;
    case "DOWNSTREAM_REMOTE_ADDRESS":
      return entry.downstreamRemoteAddress || undefined;
    case "REQ":
    case "RESP": {
      // REQ(X?Y): X, else Y.
      for (const name of (argument ?? "").split("?")) {
        const value = operator === "REQ" ? requestHeader(entry, name) : header(entry.responseHeaders, name);
        if (value !== undefined) return value;
      }
      return undefined;
    }
  }
  return undefined;
}

function substitute(entry: AccessLogEntry, template: string): string {
  return template.replace(OPERATOR, (_all, operator: string, argument: string | undefined, length: string | undefined) => {
    const value = operatorValue(entry, operator, argument) ?? "-";
    return length ? value.slice(0, Number(length)) : value;
  });
}

export function formatAccessLog(config: AccessLogConfig, entry: AccessLogEntry): string {
  if (config.json) {
    const fields: Record<string, string> = {};
    for (const [key, template] of Object.entries(config.json)) fields[key] = substitute(entry, template);
    return `${JSON.stringify(fields)}\n`;
  }
  return substitute(entry, config.text ?? DEFAULT_ACCESS_LOG_FORMAT);
}

/** Appends lines to access log paths; /dev/stdout and /dev/stderr go to the process's own streams. */
export class AccessLogWriter {
  readonly #files = new Map<string, WriteStream>();

  write(path: string, line: string): void {
    if (path === "/dev/stdout") process.stdout.write(line);
    else if (path === "/dev/stderr") process.stderr.write(line);
    else {
      let file = this.#files.get(path);
      if (!file) {
        file = createWriteStream(path, { flags: "a" });
        file.on("error", () => this.#files.delete(path));
        this.#files.set(path, file);
      }
      file.write(line);
    }
  }

  close(): void {
    for (const file of this.#files.values()) file.end();
    this.#files.clear();
  }
}
