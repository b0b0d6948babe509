// A CLI command is one file exporting one of these; main.ts lists them. Adding a command (explain, policy) is a
// new file and one line in that list.
import type { Command } from "commander";
import type { CliIo } from "./io.js";

export interface CliContext {
  io: CliIo;
  /** The exit status the command ends with (0 unless set). */
  setExitCode(code: number): void;
}

export interface CliCommand {
  /** Adds the command, its options, help and action to the program. The action throws to fail (exit 1). */
  register(program: Command, context: CliContext): void;
}
