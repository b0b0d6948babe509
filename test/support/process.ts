// Runs meshplane as a real child process (what `npm start` runs, or `deno task start` under Deno) and reads the
// addresses it announces. Suites run under Deno too (vitest.config.ts, project "deno"): MESHPLANE_TEST_RUNTIME picks
// the runtime of the processes they start.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export type Runtime = "node" | "deno";

/** The runtime this test run starts meshplane's processes on (`MESHPLANE_TEST_RUNTIME`, or `variable`; default node). */
export function testRuntime(variable = "MESHPLANE_TEST_RUNTIME"): Runtime {
  const runtime = process.env[variable] ?? "node";
  if (runtime !== "node" && runtime !== "deno") throw new Error(`${variable}=${runtime}: expected node or deno`);
  return runtime;
}

/** The pinned Deno (the `deno` npm package). */
export const denoBinary = path.join(repoRoot, "node_modules/.bin/deno");

export interface MeshplaneProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** SIGTERM, then the exit code (under `deno task`, the task's, which reports its child's). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ProcessCommand {
  command: string;
  args: string[];
  /** Whether the command is a launcher whose child does the work (`deno task`): signals go to the process group. */
  group: boolean;
}

/** `node --import tsx <entry>` (as npm runs it), or `deno task <task>`; env for Deno keeps it offline and quiet. */
export function runtimeCommand(runtime: Runtime, node: { entry: string; denoTask: string }): ProcessCommand {
  // deno task runs in deno.json's folder (the repository), wherever it was started from.
  if (runtime === "deno") return { command: denoBinary, args: ["task", "--quiet", "--config", path.join(repoRoot, "deno.json"), node.denoTask], group: true };
  // `node --import tsx` (as `npm start` runs it), not the tsx CLI: the CLI relays signals to a child process and
  // SIGKILLs it when the child does not acknowledge within 30 ms, which a loaded machine cannot promise.
  const tsxLoader = pathToFileURL(path.join(repoRoot, "node_modules/tsx/dist/loader.mjs")).href;
  return { command: process.execPath, args: ["--import", tsxLoader, path.join(repoRoot, node.entry)], group: false };
}

/** What a child process of either runtime needs from this one's environment. */
export function childEnvironment(env: Record<string, string>): Record<string, string> {
  const inherited: Record<string, string> = { PATH: process.env.PATH ?? "" };
  // Deno keeps its caches under HOME (or DENO_DIR); it must not look for a newer release.
  for (const name of ["HOME", "DENO_DIR"]) if (process.env[name]) inherited[name] = process.env[name]!;
  return { ...inherited, DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", ...env };
}

/** Starts `command` and sends signals to it, or to its process group when it is a launcher. */
export function spawnRuntime(command: ProcessCommand, env: Record<string, string>, cwd: string): { child: ChildProcess; kill(signal: NodeJS.Signals): void } {
  const child = spawn(command.command, command.args, { cwd, env: childEnvironment(env), stdio: ["ignore", "pipe", "pipe"], detached: command.group });
  return {
    child,
    kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (command.group && child.pid !== undefined) {
        try {
          process.kill(-child.pid, signal);
        } catch {
          // The group is gone already.
        }
      } else child.kill(signal);
    },
  };
}

/** meshplane as `npm start` or `deno task start` runs it (or as `command`), once it announces its API's URL. */
export function startMeshplaneProcess(env: Record<string, string>, options: { cwd?: string; runtime?: Runtime; command?: ProcessCommand } = {}): Promise<MeshplaneProcess> {
  const command = options.command ?? runtimeCommand(options.runtime ?? testRuntime(), { entry: "functions/node.ts", denoTask: "start" });
  const { child, kill } = spawnRuntime(command, { PORT: "0", XDS_PORT: "0", ...env }, options.cwd ?? repoRoot);
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /App Mesh API on (http:\/\/\S+)/.exec(output);
      if (match) {
        child.stdout!.off("data", onData);
        child.stdout!.on("data", (more: Buffer) => (output += more.toString()));
        resolve({
          child,
          url: match[1]!,
          output: () => output,
          async stop(signal = "SIGTERM") {
            kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`meshplane exited (${code}) before listening:\n${output}`)));
  });
}

/** The ADS port a meshplane process announced (the line just after the API's). */
export async function announcedXdsPort(meshplane: MeshplaneProcess): Promise<number> {
  const pattern = /ADS \(gRPC, h2c\) on \S+:(\d+)/;
  for (let attempt = 0; attempt < 200 && !pattern.test(meshplane.output()); attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
  const match = pattern.exec(meshplane.output());
  if (!match) throw new Error(`meshplane did not announce its ADS port:\n${meshplane.output()}`);
  return Number(match[1]);
}
