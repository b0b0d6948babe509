// Applies a plan through the App Mesh API in dependency waves (see applyWaves), a few calls at a time. Every
// create and update carries a clientToken, so a request retried after a dropped connection is answered
// from the first attempt instead of being made twice. The first refusal stops the run: what was applied
// stays, nothing further starts, and running the same import again continues from there (the plan then shows
// the applied part as unchanged). Values known only after a resource exists (CloudFormation `Fn::GetAtt X.Uid`)
// are resolved again from what was created before the change that needs them is sent.
import { randomUUID } from "node:crypto";
import {
  applyWaves,
  containsPending,
  describeResource,
  lookupIn,
  resourceKey,
  type CurrentState,
  type ExistingLookup,
  type ExistingResource,
  type Plan,
  type PlannedChange,
  type WantedResource,
} from "../migrate/index.js";
import { apiConcurrency, nameMembers, sendResourceCommand, type AppMeshApi } from "./app-mesh-api.js";
import { CliFailure, describeFailure, isNotFound } from "./cli-error.js";

export interface ApplyReporter {
  start(total: number): void;
  applied(change: PlannedChange): void;
  failed(change: PlannedChange, message: string): void;
  finish(): void;
}

export interface ApplyOutcome {
  applied: PlannedChange[];
  failure?: { change: PlannedChange; message: string };
  notApplied: PlannedChange[];
}

export interface ApplyContext {
  api: AppMeshApi;
  state: CurrentState;
  /** The input's resources again, given what exists now (for values known only after apply). */
  resolveAgain(lookup: ExistingLookup): WantedResource[];
}

export async function applyPlan(plan: Plan, context: ApplyContext, reporter: ApplyReporter): Promise<ApplyOutcome> {
  const waves = applyWaves(plan);
  const total = waves.reduce((sum, wave) => sum + wave.length, 0);
  const created = new Map<string, ExistingResource>();
  const existing = lookupIn(context.state);
  const lookup: ExistingLookup = (identity) => created.get(resourceKey(identity)) ?? existing(identity);
  const applied: PlannedChange[] = [];
  const notApplied: PlannedChange[] = [];
  let failure: ApplyOutcome["failure"];

  const settled = (change: PlannedChange): WantedResource | undefined => {
    const wanted = change.wanted;
    if (!wanted || !containsPending(wanted.spec)) return wanted;
    const again = context.resolveAgain(lookup).find((resource) => resourceKey(resource) === resourceKey(wanted));
    if (!again || containsPending(again.spec)) throw new CliFailure(`${describeResource(wanted)} needs values of resources that are created after it`);
    return again;
  };

  const execute = async (change: PlannedChange) => {
    const { api } = context;
    const wanted = settled(change);
    const names = nameMembers(change.resource, wanted?.meshOwner);
    switch (change.action) {
      case "create": {
        const tags = wanted!.tags ?? [];
        const data = await sendResourceCommand(api, "create", change.resource.kind, { ...names, spec: wanted!.spec, ...(tags.length > 0 ? { tags } : {}), clientToken: randomUUID() });
        const { arn, uid, meshOwner, resourceOwner } = data.metadata;
        created.set(resourceKey(change.resource), { arn, uid, meshOwner, resourceOwner });
        return;
      }
      case "update": {
        if (change.specChanges.length > 0 || wanted !== change.wanted) {
          await sendResourceCommand(api, "update", change.resource.kind, { ...names, spec: wanted!.spec, clientToken: randomUUID() });
        }
        const arn = change.current!.arn;
        if (change.tagChanges.set.length > 0) await api.call("TagResource", { resourceArn: arn, tags: change.tagChanges.set });
        if (change.tagChanges.remove.length > 0) await api.call("UntagResource", { resourceArn: arn, tagKeys: change.tagChanges.remove });
        return;
      }
      case "delete":
        try {
          await sendResourceCommand(api, "delete", change.resource.kind, nameMembers(change.resource, change.current?.meshOwner));
        } catch (error) {
          if (!isNotFound(error)) throw error; // already gone (a retried delete, or deleted meanwhile)
        }
        return;
      case "unchanged":
        return;
    }
  };

  reporter.start(total);
  for (const wave of waves) {
    if (failure) {
      notApplied.push(...wave);
      continue;
    }
    let next = 0;
    const worker = async () => {
      while (next < wave.length) {
        const change = wave[next++]!;
        if (failure) {
          notApplied.push(change);
          continue;
        }
        try {
          await execute(change);
          applied.push(change);
          reporter.applied(change);
        } catch (error) {
          const message = describeFailure(error);
          if (failure) notApplied.push(change);
          else {
            failure = { change, message };
            reporter.failed(change, message);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(apiConcurrency, wave.length) }, worker));
  }
  reporter.finish();
  return { applied, ...(failure ? { failure } : {}), notApplied };
}
