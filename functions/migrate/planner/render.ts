// A plan for people (grouped by mesh, one line per change, the differing fields of updates) and for machines
// (`--output json`).
import type { Notice } from "../notice.js";
import { describeResource, type Tag } from "../resource.js";
import { summarizePlan, type Plan, type PlannedChange } from "./plan.js";

const marks = { create: "+", update: "~", delete: "-", unchanged: "=" } as const;

const showValue = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
};

const showTags = (tags: Tag[]) => tags.map((tag) => `${tag.key}=${tag.value}`).join(", ");

function changeLines(change: PlannedChange): string[] {
  const lines = [`  ${marks[change.action]} ${change.action} ${describeResource(change.resource)}`];
  if (change.action === "create" && change.tagChanges.set.length > 0) lines.push(`      tags: ${showTags(change.tagChanges.set)}`);
  if (change.action !== "update") return lines;
  for (const field of change.specChanges) {
    if (field.before === undefined) lines.push(`      + ${field.path}: ${showValue(field.after)}`);
    else if (field.after === undefined) lines.push(`      - ${field.path}: ${showValue(field.before)}`);
    else lines.push(`      ~ ${field.path}: ${showValue(field.before)} → ${showValue(field.after)}`);
  }
  const { set, remove } = change.tagChanges;
  if (set.length > 0) lines.push(`      + tags: ${showTags(set)}`);
  if (remove.length > 0) lines.push(`      - tags: ${remove.join(", ")}`);
  return lines;
}

/** The one-line summary: "Plan: 3 to create, 1 to update, 0 to delete, 8 unchanged." */
export function planSummaryLine(plan: Plan): string {
  const counts = summarizePlan(plan);
  return `Plan: ${counts.create} to create, ${counts.update} to update, ${counts.delete} to delete, ${counts.unchanged} unchanged.`;
}

export function renderPlanText(plan: Plan): string {
  const lines: string[] = [];
  for (const mesh of plan.meshes) {
    const changes = plan.changes.filter((change) => change.resource.meshName === mesh);
    const pending = changes.filter((change) => change.action !== "unchanged");
    const unchanged = changes.length - pending.length;
    lines.push(`mesh ${mesh}: ${pending.length === 0 ? "up to date" : `${pending.length} change${pending.length === 1 ? "" : "s"}`}${unchanged > 0 ? ` (${unchanged} unchanged)` : ""}`);
    for (const change of pending) lines.push(...changeLines(change));
  }
  if (plan.meshes.length === 0) lines.push("The input defines no App Mesh resources.");
  lines.push(planSummaryLine(plan));
  return `${lines.join("\n")}\n`;
}

/** The plan as JSON: every change (unchanged ones too) with its resource, spec, tags and differences. */
export function planToJson(plan: Plan, notices: readonly Notice[]): Record<string, unknown> {
  return {
    meshes: plan.meshes,
    summary: summarizePlan(plan),
    changes: plan.changes.map((change) => ({
      action: change.action,
      kind: change.resource.kind,
      meshName: change.resource.meshName,
      ...(change.resource.parentName ? { parentName: change.resource.parentName } : {}),
      name: change.resource.name,
      ...(change.action === "create" ? { spec: change.wanted!.spec, tags: change.wanted!.tags ?? [] } : {}),
      ...(change.action === "update" ? { specChanges: change.specChanges, tagChanges: change.tagChanges } : {}),
      ...(change.current ? { arn: change.current.arn, version: change.current.version } : {}),
      ...(change.wanted?.source ? { source: change.wanted.source } : {}),
    })),
    notices,
  };
}
