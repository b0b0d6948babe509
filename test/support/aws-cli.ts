// The unmodified AWS CLI (Debian's awscli, v1) and boto3, run as child processes against a meshplane URL: exit code,
// output and parsed JSON. Each run gets its own empty HOME and config, so nothing of the machine's setup leaks in.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

function run(command: string, args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(command, args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      let json: unknown;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

/** An isolated environment for the CLI and boto3: fake credentials, region us-east-1, no pager, one attempt. */
export function awsEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const home = mkdtempSync(path.join(os.tmpdir(), "meshplane-awscli-"));
  writeFileSync(path.join(home, "config"), "[default]\nregion = us-east-1\n");
  return {
    PATH: process.env.PATH ?? "",
    HOME: home,
    AWS_ACCESS_KEY_ID: "AKIDMESHPLANECLI",
    AWS_SECRET_ACCESS_KEY: "meshplane-cli-secret",
    AWS_CONFIG_FILE: path.join(home, "config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, "credentials"),
    AWS_PAGER: "",
    AWS_MAX_ATTEMPTS: "1",
    AWS_RETRY_MODE: "standard",
    ...extra,
  };
}

/** `aws <service> <args> --output json` with `--endpoint-url url` (unless `url` is undefined: env then names it). */
export function awsCli(url: string | undefined, env: Record<string, string>, service: string, ...args: string[]): Promise<CliResult> {
  return run("aws", [service, ...args, ...(url ? ["--endpoint-url", url] : []), "--output", "json"], env);
}

/** Runs a Python 3 program (with boto3) with `env`; the program prints JSON on stdout. */
export function python(program: string, env: Record<string, string>): Promise<CliResult> {
  return run("python3", ["-c", program], env);
}
