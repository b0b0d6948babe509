// Runs the `meshplane` command as a real child process: `npx meshplane …` in this checkout, or the same
// launcher (bin/meshplane.js) directly where the npx lookup would only add time. The environment is clean:
// credentials from variables only (no shared files, no instance metadata), the endpoint from
// AWS_ENDPOINT_URL_APP_MESH unless the test says otherwise.
import { spawn } from "node:child_process";
import path from "node:path";
import { repoRoot } from "./process.js";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Sets AWS_ENDPOINT_URL_APP_MESH (omit to test other ways of naming the endpoint). */
  endpoint?: string;
  env?: Record<string, string>;
  stdin?: string;
  /** Run through `npx meshplane` (as a user would in a checkout). */
  npx?: boolean;
  /** Run on a pseudo-terminal (util-linux `script`), as in an interactive shell; stdout then carries stderr too. */
  tty?: boolean;
  cwd?: string;
}

const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

export const testCredentials = { AWS_ACCESS_KEY_ID: "AKIDMESHPLANETEST", AWS_SECRET_ACCESS_KEY: "meshplane-test-secret" };

export function runMeshplane(args: readonly string[], options: CliRunOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    AWS_CONFIG_FILE: path.join(repoRoot, ".no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(repoRoot, ".no-aws-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    ...testCredentials,
    ...(options.endpoint ? { AWS_ENDPOINT_URL_APP_MESH: options.endpoint } : {}),
    ...options.env,
  };
  let [command, argv] = options.npx ? ["npx", ["--no-install", "meshplane", ...args]] : [process.execPath, [path.join(repoRoot, "bin/meshplane.js"), ...args]];
  if (options.tty) [command, argv] = ["script", ["-qec", [command, ...argv].map(quote).join(" "), "/dev/null"]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd: options.cwd ?? repoRoot, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}
