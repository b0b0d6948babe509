// `meshplane diff FILE...`: the plan only, the inputs' policies included. Exit 0 when nothing differs, 3 when
// something does (as `terraform plan -detailed-exitcode`), for CI jobs that guard against drift.
import { Command } from "commander";
import { exitCodes } from "./cli-error.js";
import type { CliCommand } from "./command.js";
import { connect } from "./connection.js";
import { connectionOptions } from "./options.js";
import { addInputOptions, planFromInputs, printPlan, type InputOptions } from "./planning.js";
import { planPolicies } from "./policy.js";

export const diffCommand: CliCommand = {
  register(program, { io, setExitCode }) {
    const command = program
      .command("diff")
      .summary("show what import would change; exit 3 when anything differs")
      .description("Plans exactly as import does and prints the plan without applying it. Exit status: 0 nothing differs, 3 something differs, 1 failure, 2 usage error.");
    addInputOptions(command).action(async (files: string[], options: InputOptions, self: Command) => {
      const { api, region } = connect(connectionOptions(self), io);
      try {
        const planned = await planFromInputs(files, options, api, region, io);
        const policies = planned.inputs.policies.length > 0 ? await planPolicies(api, planned.inputs.policies) : undefined;
        printPlan(planned, options, io, policies);
        const differs = planned.plan.changes.some((change) => change.action !== "unchanged") || (policies ?? []).some(({ change }) => change !== "unchanged");
        if (differs) setExitCode(exitCodes.differences);
      } finally {
        await api.close();
      }
    });
  },
};
