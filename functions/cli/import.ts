// `meshplane import FILE...`: plan, print the plan, then (unless --dry-run) apply it through the App Mesh API, and
// put the meshplane policies the inputs carry (meshplane exports, policy documents) once their targets exist.
import { Command } from "commander";
import { describeResource, planSummaryLine } from "../migrate/index.js";
import { applyPlan } from "./apply.js";
import { applyPolicies } from "./policy.js";
import { CliFailure } from "./cli-error.js";
import type { CliCommand } from "./command.js";
import { connect } from "./connection.js";
import { connectionOptions } from "./options.js";
import { addInputOptions, planFromInputs, printPlan, type InputOptions } from "./planning.js";
import { createReporter } from "./progress.js";

export const importCommand: CliCommand = {
  register(program, { io }) {
    const command = program
      .command("import")
      .summary("create or update App Mesh resources from CloudFormation/CDK templates, Kubernetes manifests or an export")
      .description(
        "Reads the inputs (the format is detected per document), plans against what exists in the meshes they touch " +
          "(create / update with the fields that differ / unchanged, and with --prune delete), prints the plan, and applies it " +
          "in dependency order. Running it again changes nothing; after a failure it continues where it stopped.",
      )
      .option("--dry-run", "print the plan and stop");
    addInputOptions(command).action(async (files: string[], options: InputOptions & { dryRun?: boolean }, self: Command) => {
      const { api, region } = connect(connectionOptions(self), io);
      try {
        const planned = await planFromInputs(files, options, api, region, io);
        printPlan(planned, options, io);
        const log = options.output === "json" ? io.stderr : io.stdout;
        const { policies } = planned.inputs;
        const pending = planned.plan.changes.filter((change) => change.action !== "unchanged");
        if (options.dryRun || pending.length === 0) {
          // Policies go in after the resources they attach to; with nothing else to apply, right away.
          if (policies.length > 0) await applyPolicies(api, policies, log, options.dryRun === true);
          return;
        }
        const outcome = await applyPlan(
          planned.plan,
          { api, state: planned.state, resolveAgain: (lookup) => planned.inputs.resolve(lookup).resources },
          createReporter(io, log),
        );
        if (outcome.failure) {
          const { change, message } = outcome.failure;
          const left = outcome.notApplied.length + 1;
          throw new CliFailure(
            `failed to ${change.action} ${describeResource(change.resource)}: ${message}\n` +
              `applied ${outcome.applied.length} of ${pending.length} changes; ${left} not applied. Run the same import again to continue once the cause is fixed.`,
          );
        }
        log.write(`Applied: ${planSummaryLine(planned.plan).replace(/^Plan: /, "")}\n`);
        if (policies.length > 0) await applyPolicies(api, policies, log, false);
      } finally {
        await api.close();
      }
    });
  },
};
