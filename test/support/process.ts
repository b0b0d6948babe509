// Runs meshplane as a real child process (what `npm start` runs) and reads the addresses it announces.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface MeshplaneProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startMeshplaneProcess(env: Record<string, string>, options: { cwd?: string } = {}): Promise<MeshplaneProcess> {
  // `node --import tsx` (as `npm start` runs it), not the tsx CLI: the CLI relays signals to a child process and
  // SIGKILLs it when the child does not acknowledge within 30 ms, which a loaded machine cannot promise.
  const tsxLoader = pathToFileURL(path.join(repoRoot, "node_modules/tsx/dist/loader.mjs")).href;
  const child = spawn(process.execPath, ["--import", tsxLoader, path.join(repoRoot, "functions/node.ts")], {
    cwd: options.cwd ?? repoRoot,
    env: { PATH: process.env.PATH, PORT: "0", XDS_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
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
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
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
