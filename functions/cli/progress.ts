// How applying shows progress: a bar on a terminal (cli-progress, on stderr), one plain line per change
// otherwise (logs and CI), so that a log says exactly what was done.
import { Presets, SingleBar } from "cli-progress";
import { describeResource, type PlannedChange } from "../migrate/index.js";
import type { ApplyReporter } from "./apply.js";
import type { CliIo } from "./io.js";

const pastTense = { create: "created", update: "updated", delete: "deleted", unchanged: "kept" } as const;

export function describeApplied(change: PlannedChange): string {
  return `${pastTense[change.action]} ${describeResource(change.resource)}`;
}

export function createReporter(io: CliIo, lines: NodeJS.WritableStream): ApplyReporter {
  if (io.stderr.isTTY) {
    const bar = new SingleBar({ format: "applying [{bar}] {value}/{total} {resource}", stream: io.stderr, hideCursor: true, clearOnComplete: false }, Presets.shades_classic);
    return {
      start: (total) => bar.start(total, 0, { resource: "" }),
      applied: (change) => bar.increment(1, { resource: describeApplied(change) }),
      failed: (change) => bar.update({ resource: `failed: ${describeResource(change.resource)}` }),
      finish: () => bar.stop(),
    };
  }
  return {
    start: () => {},
    applied: (change) => lines.write(`${describeApplied(change)}\n`),
    failed: () => {},
    finish: () => {},
  };
}
