// A throwaway PostgreSQL server for tests: Debian's server binaries (scripts/install-system-deps.sh installs them),
// a fresh data dir under the OS temp dir, 127.0.0.1 on a free port, trust auth. Runs the server as the `postgres`
// user when we are root (initdb refuses root; CI runs as root), as ourselves otherwise.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";

export interface TestPostgres {
  /** `postgres://app@127.0.0.1:<port>/meshplane`: an empty database, created for this server. */
  url: string;
  /** Creates another empty database on the same server and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /**
   * Stops the server (clients are disconnected, as in a failover), keeps it down for `downMs`, and starts it again
   * on the same port and data. Resolves once it accepts queries. `whileDown` runs once the server is gone, before
   * the wait (e.g. to let a paused client see the outage).
   */
  restart(downMs?: number, whileDown?: () => unknown): Promise<void>;
  /** Stops the server and removes its data directory. Safe to call twice. */
  stop(): Promise<void>;
}

const USER = "app";

/** The newest installed server's bin dir (`/usr/lib/postgresql/<major>/bin`), or PG_BIN when set. */
function findServerBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) throw new Error("no PostgreSQL server under /usr/lib/postgresql/*/bin: run scripts/install-system-deps.sh");
  return path.join(root, majors[0]!, "bin");
}

/** uid/gid to run the server as: `postgres` when root, nobody to switch to otherwise. */
function serverIdentity(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function run(bin: string, args: string[], identity: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { ...identity, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LC_ALL: "C" } });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(bin)} exited ${code}: ${stderr}`))));
  });
}

/** Waits until the server accepts queries, or fails fast when the process died (e.g. the port was taken). */
async function waitReady(child: ChildProcess, port: number, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`postgres exited during startup: ${log()}`);
    const sql = postgres({ host: "127.0.0.1", port, user: USER, database: "postgres", max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`select 1`;
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`postgres not ready after 30 s: ${log()}`, { cause: error });
    } finally {
      await sql.end({ timeout: 0 });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts a PostgreSQL server for one test file.
 * @example
 *   const pg = await startPostgres();
 *   const store = await openPostgresStore(pg.url);
 *   …
 *   await pg.stop();
 */
export interface TestPostgresOptions {
  /**
   * Addresses to listen on besides 127.0.0.1, each trusted for its /24 (a veth of a test's network namespace: on
   * this machine only). The `url` stays on 127.0.0.1.
   */
  extraAddresses?: string[];
}

export async function startPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const bin = findServerBin();
  const identity = serverIdentity();
  // The server user must reach the data dir: a root-only TMPDIR (e.g. /root/tmp) would not do.
  const tmp = identity && (statSync(os.tmpdir()).mode & 0o001) === 0 ? "/tmp" : os.tmpdir();
  const dir = mkdtempSync(path.join(tmp, "meshplane-pg-"));
  chmodSync(dir, 0o700);
  if (identity) chownSync(dir, identity.uid, identity.gid);
  const data = path.join(dir, "data");
  await run(path.join(bin, "initdb"), ["-D", data, "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C", "-N"], identity);
  const extra = options.extraAddresses ?? [];
  if (extra.length > 0) {
    const networks = extra.map((address) => `host all all ${address.split(".").slice(0, 3).join(".")}.0/24 trust\n`).join("");
    appendFileSync(path.join(data, "pg_hba.conf"), networks);
  }
  const listen = ["127.0.0.1", ...extra].join(",");

  let log = "";
  /** Starts the server on `port`; rejects if it exits first (e.g. the port was taken meanwhile). */
  async function launch(port: number): Promise<ChildProcess> {
    log = "";
    // Durability settings are off: the data dir is thrown away, and tests kill replicas, never this server
    // (restart() stops it cleanly).
    const started = spawn(
      path.join(bin, "postgres"),
      ["-D", data, "-h", listen, "-p", String(port), "-k", dir, "-c", "fsync=off", "-c", "synchronous_commit=off",
        "-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "shared_buffers=32MB"],
      { ...identity, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LC_ALL: "C" } },
    );
    started.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
    try {
      await waitReady(started, port, () => log);
      return started;
    } catch (error) {
      started.kill("SIGKILL");
      throw error;
    }
  }
  /** Fast shutdown (clients are disconnected); resolves once the process is gone. */
  async function halt(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }

  let server: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 1; !server; attempt++) {
    port = await freePort();
    try {
      server = await launch(port);
    } catch (error) {
      if (attempt >= 5) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  // If the test process exits without calling stop(), do not leave the server running.
  const onExit = () => {
    server?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);

  const admin = postgres({ host: "127.0.0.1", port, user: USER, database: "postgres", max: 1, onnotice: () => {} });
  async function createDatabase(name: string): Promise<string> {
    await admin.unsafe(`create database "${name.replace(/"/g, '""')}"`);
    return `postgres://${USER}@127.0.0.1:${port}/${encodeURIComponent(name)}`;
  }
  const url = await createDatabase("meshplane");

  let stopped: Promise<void> | undefined;
  return {
    url,
    createDatabase,
    async restart(downMs = 0, whileDown) {
      await halt(server!);
      await whileDown?.();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      server = await launch(port);
    },
    stop() {
      stopped ??= (async () => {
        await admin.end({ timeout: 1 });
        process.removeListener("exit", onExit);
        await halt(server!);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
