// Debian's nginx (nginx-light) as a bench target: a trivial upstream answering "ok" from memory, or a reverse
// proxy with keep-alive upstream connections. Runs in the foreground (`daemon off`, one process) with its own
// prefix under a temp dir, on 127.0.0.1 only. Installed through apt when missing, as issue 16 asks.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const NGINX_BINARY = "/usr/sbin/nginx";

export interface NginxProcess {
  readonly port: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Installs nginx-light through apt when the binary is missing (the bench's one system dependency besides wrk). */
export function ensureNginx(): void {
  if (existsSync(NGINX_BINARY)) return;
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "nginx-light"], { stdio: "inherit" });
}

/** nginx's version line, for the results. */
export function nginxVersion(): string {
  return execFileSync(NGINX_BINARY, ["-v"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim() || "nginx";
}

/** Both roles share one keep-alive policy: what the gateway's listener and upstream pool do too. */
const KEEPALIVE = "keepalive_timeout 60s; keepalive_requests 1000000;";

const upstreamServer = (port: number) => `server { listen 127.0.0.1:${port}; location / { return 200 "ok"; } }`;

const proxyServer = (port: number, upstreamPort: number) =>
  `upstream target { server 127.0.0.1:${upstreamPort}; keepalive 64; keepalive_requests 1000000; keepalive_timeout 60s; }
server { listen 127.0.0.1:${port}; location / { proxy_pass http://target; proxy_http_version 1.1; proxy_set_header Connection ""; } }`;

function config(prefix: string, server: string): string {
  return `daemon off; master_process off; worker_processes 1; pid ${prefix}/nginx.pid; error_log ${prefix}/error.log warn;
events { worker_connections 4096; multi_accept on; }
http {
  access_log off; default_type text/plain; ${KEEPALIVE}
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  ${server}
}
`;
}

function start(port: number, server: string, cpus: string | undefined): Promise<NginxProcess> {
  const prefix = mkdtempSync(path.join(os.tmpdir(), "meshplane-bench-nginx-"));
  mkdirSync(path.join(prefix, "logs"));
  writeFileSync(path.join(prefix, "nginx.conf"), config(prefix, server));
  const command = cpus ? "taskset" : NGINX_BINARY;
  const args = ["-p", prefix, "-c", path.join(prefix, "nginx.conf")];
  const child = spawn(command, cpus ? ["-c", cpus, NGINX_BINARY, ...args] : args, { stdio: ["ignore", "ignore", "pipe"] });
  let errors = "";
  child.stderr!.on("data", (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(prefix, { recursive: true, force: true });
  };
  return waitForPort(port, 10_000).then(
    () => ({ port, child, stop }),
    async (error: Error) => {
      await stop();
      throw new Error(`nginx did not listen on ${port}: ${error.message}\n${errors}`);
    },
  );
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      await response.arrayBuffer();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error as Error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** nginx answering every request 200 "ok" from memory. */
export function startNginxUpstream(port: number, cpus?: string): Promise<NginxProcess> {
  return start(port, upstreamServer(port), cpus);
}

/** nginx as a reverse proxy to 127.0.0.1:`upstreamPort`, keeping up to 64 idle upstream connections. */
export function startNginxProxy(port: number, upstreamPort: number, cpus?: string): Promise<NginxProcess> {
  return start(port, proxyServer(port, upstreamPort), cpus);
}
