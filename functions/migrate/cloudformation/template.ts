// A CloudFormation template's sections, checked for shape, and its resources' dependency graph (Ref, Fn::GetAtt,
// Fn::Sub references and DependsOn), in which a cycle is an error as it is for CloudFormation.
import { MigrateError } from "../migrate-error.js";
import { locationOf, type Origins, type SourceDocument } from "../source.js";
import { checkIntrinsicName, intrinsicName, subReferences } from "./intrinsics.js";

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
}

export interface Template {
  document: SourceDocument;
  /** The template object itself (its origin locates every section). */
  body: Record<string, unknown>;
  parameters: Record<string, Record<string, unknown>>;
  mappings: Record<string, Record<string, Record<string, unknown>>>;
  conditions: Record<string, unknown>;
  resources: Record<string, TemplateResource>;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** True for a document that is a CloudFormation template (or a CDK-synthesized one). */
export function isCloudFormationTemplate(value: unknown): boolean {
  return isObject(value) && (isObject(value.Resources) || "AWSTemplateFormatVersion" in value);
}

function section<T>(body: Record<string, unknown>, name: string, origins: Origins): Record<string, T> {
  const value = body[name];
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw origins.error(`${name} must be a mapping`, body, name);
  return value as Record<string, T>;
}

export function readTemplate(document: SourceDocument, origins: Origins): Template {
  const body = document.value as Record<string, unknown>;
  const resources = section<TemplateResource>(body, "Resources", origins);
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isObject(resource) || typeof resource.Type !== "string") throw origins.error(`resource ${logicalId} must have a Type`, resources, logicalId);
    if (resource.Properties !== undefined && !isObject(resource.Properties)) throw origins.error("Properties must be a mapping", resource, "Properties");
    if (resource.Condition !== undefined && typeof resource.Condition !== "string") throw origins.error("Condition must name a condition", resource, "Condition");
  }
  const parameters = section<Record<string, unknown>>(body, "Parameters", origins);
  for (const [name, parameter] of Object.entries(parameters)) {
    if (!isObject(parameter) || typeof parameter.Type !== "string") throw origins.error(`parameter ${name} must have a Type`, parameters, name);
  }
  return {
    document,
    body,
    parameters,
    mappings: section(body, "Mappings", origins),
    conditions: section(body, "Conditions", origins),
    resources,
  };
}

/**
 * The names a value refers to (Ref, Fn::GetAtt, Fn::Sub) and the conditions its Fn::If branches name. With
 * `checkIntrinsics`, unknown intrinsic functions are errors (for what meshplane evaluates; resources it skips
 * may use functions only CloudFormation has).
 */
export function scanReferences(value: unknown, origins: Origins, checkIntrinsics: boolean, found = { names: new Set<string>(), conditions: new Set<string>() }) {
  if (Array.isArray(value)) {
    for (const item of value) scanReferences(item, origins, checkIntrinsics, found);
    return found;
  }
  if (!isObject(value)) return found;
  const name = intrinsicName(value);
  if (name) {
    if (checkIntrinsics) checkIntrinsicName(name, value, origins);
    const argument = value[name];
    if (name === "Ref" && typeof argument === "string") found.names.add(argument);
    if (name === "Fn::GetAtt") {
      const target = typeof argument === "string" ? argument.split(".")[0] : Array.isArray(argument) ? argument[0] : undefined;
      if (typeof target === "string") found.names.add(target);
    }
    if (name === "Fn::Sub") {
      const [text, variables] = typeof argument === "string" ? [argument, {}] : Array.isArray(argument) ? argument : [undefined, {}];
      const local = new Set(isObject(variables) ? Object.keys(variables) : []);
      if (typeof text === "string") for (const reference of subReferences(text)) if (!local.has(reference)) found.names.add(reference.split(".")[0]!);
    }
    if (name === "Fn::If" && Array.isArray(argument) && typeof argument[0] === "string") found.conditions.add(argument[0]);
  }
  for (const member of Object.values(value)) scanReferences(member, origins, checkIntrinsics, found);
  return found;
}

/** The other resources `logicalId` depends on: what its properties refer to, and its DependsOn. */
export function resourceDependencies(template: Template, logicalId: string, origins: Origins, checkIntrinsics: boolean): Set<string> {
  const resource = template.resources[logicalId]!;
  const { names } = scanReferences(resource.Properties ?? {}, origins, checkIntrinsics);
  const dependsOn = resource.DependsOn === undefined ? [] : Array.isArray(resource.DependsOn) ? resource.DependsOn : [resource.DependsOn];
  for (const [index, target] of dependsOn.entries()) {
    if (typeof target !== "string" || !(target in template.resources)) {
      throw origins.error(`DependsOn names ${String(target)}, which is not a resource of this template`, resource, "DependsOn", ...(Array.isArray(resource.DependsOn) ? [index] : []));
    }
    names.add(target);
  }
  return new Set([...names].filter((name) => name in template.resources && name !== logicalId));
}

/**
 * Every resource in an order where each comes after what it depends on (CloudFormation's creation order).
 * Throws for a cycle, naming it.
 */
export function orderResources(
  template: Template,
  origins: Origins,
  isEvaluated: (resource: TemplateResource) => boolean,
): { order: string[]; dependencies: Map<string, Set<string>> } {
  const dependencies = new Map(Object.entries(template.resources).map(([id, resource]) => [id, resourceDependencies(template, id, origins, isEvaluated(resource))]));
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, trail: string[]) => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") {
      const cycle = [...trail.slice(trail.indexOf(id)), id];
      throw new MigrateError(
        `circular dependency between resources: ${cycle.join(" → ")} (through Ref, Fn::GetAtt, Fn::Sub or DependsOn)`,
        locationOf(origins.get(template.resources)!, [id]),
      );
    }
    state.set(id, "visiting");
    for (const next of [...dependencies.get(id)!].sort()) visit(next, [...trail, id]);
    state.set(id, "done");
    order.push(id);
  };
  for (const id of Object.keys(template.resources)) visit(id, []);
  return { order, dependencies };
}
