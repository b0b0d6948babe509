// The `meshplane` program: its commands (each in its own file), failures reported once, and outcomes mapped to
// exit statuses (0 success, 1 failure, 2 usage error, 3 diff found changes or explain found no route).
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { CliFailure, describeFailure, exitCodes } from "./cli-error.js";
import type { CliCommand } from "./command.js";
import { diffCommand } from "./diff.js";
import { explainCommand } from "./explain.js";
import { exportCommand } from "./export.js";
import { importCommand } from "./import.js";
import type { CliIo } from "./io.js";
import { addConnectionOptions } from "./options.js";
import { policyCommand } from "./policy.js";

/** Every command; a new one is a file and a line here. */
const commands: CliCommand[] = [importCommand, diffCommand, exportCommand, explainCommand, policyCommand];

const version = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = exitCodes.success;
  const program = new Command("meshplane")
    .description("Bring App Mesh meshes into meshplane and out again: import CloudFormation/CDK templates and App Mesh controller manifests, export, diff; explain how a proxy routes a request.")
    .version(version)
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError();
  addConnectionOptions(program);
  for (const command of commands) command.register(program, { io, setExitCode: (code) => (exitCode = code) });
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return exitCodes.success;
      return exitCodes.usage;
    }
    io.stderr.write(`meshplane: ${describeFailure(error)}\n`);
    return CliFailure.is(error) ? error.exitCode : exitCodes.failure;
  }
  return exitCode;
}
