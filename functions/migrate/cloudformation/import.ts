// CloudFormation template → the App Mesh resources it creates. Static checks first (shape, unknown App Mesh
// types and intrinsic functions, conditions that do not exist, dependency cycles), so that a bad template fails
// before anything is applied; then the resources are evaluated in CloudFormation's dependency order, each
// `AWS::AppMesh::*` one mapped onto the model through the schema-derived property names. Other resource types
// are skipped with one notice each; their values reach App Mesh properties only through `--attribute`.
import { kindDescriptors } from "../../appmesh/index.js";
import { MigrateError } from "../migrate-error.js";
import { createModelMapper, type ValueSite } from "../model-mapping.js";
import type { Notice } from "../notice.js";
import { resourceKey, type ExistingLookup, type ResourceIdentity, type Tag, type WantedResource } from "../resource.js";
import { locationOf, Origins, type SourceDocument } from "../source.js";
import { evaluate, evaluateCondition, Pending, type IntrinsicContext } from "./intrinsics.js";
import { cloudFormationNaming } from "./naming.js";
import { createParameterResolver, type StackSettings } from "./parameters.js";
import { cloudFormationAttributes, cloudFormationNameProperties, cloudFormationTypes } from "./property-names.js";
import { orderResources, readTemplate, scanReferences, type Template, type TemplateResource } from "./template.js";

export interface CloudFormationOptions extends StackSettings {
  /** `--parameter Key=Value`. */
  parameters: ReadonlyMap<string, string>;
  /** `--import-value Name=Value`: values of `Fn::ImportValue`. */
  importValues: ReadonlyMap<string, string>;
  /** `--attribute Logical=Value` (its Ref) and `--attribute Logical.Attribute=Value` for resources meshplane does not create. */
  attributes: ReadonlyMap<string, string>;
}

export interface PreparedTemplate {
  template: Template;
  order: string[];
  dependencies: Map<string, Set<string>>;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isAppMeshType = (resource: TemplateResource) => resource.Type.startsWith("AWS::AppMesh::");

/** Reads a template and checks what can be checked before any value is known. */
export function prepareCloudFormation(document: SourceDocument, origins: Origins): PreparedTemplate {
  const template = readTemplate(document, origins);
  for (const [logicalId, resource] of Object.entries(template.resources)) {
    if (isAppMeshType(resource) && !(resource.Type in cloudFormationTypes)) {
      throw origins.error(`unknown resource type ${resource.Type}; App Mesh has ${Object.keys(cloudFormationTypes).join(", ")}`, resource, "Type");
    }
    if (resource.Condition !== undefined && !(resource.Condition in template.conditions)) {
      throw origins.error(`condition ${resource.Condition} is not defined in Conditions`, resource, "Condition");
    }
    if (isAppMeshType(resource)) {
      for (const condition of scanReferences(resource.Properties ?? {}, origins, true).conditions) {
        if (!(condition in template.conditions)) throw origins.error(`Fn::If names condition ${condition}, which is not defined in Conditions`, template.resources, logicalId);
      }
    }
  }
  scanReferences(template.conditions, origins, true);
  const { order, dependencies } = orderResources(template, origins, isAppMeshType);
  return { template, order, dependencies };
}

function nameText(value: unknown, origins: Origins, container: unknown, key: string): string {
  if (value instanceof Pending) throw origins.error(`${key} must be known before applying, but it is ${value.description}`, container, key);
  if (typeof value !== "string" && typeof value !== "number") throw origins.error(`${key} must be a string`, container, key);
  return String(value);
}

function mapTags(value: unknown, origins: Origins, container: unknown): Tag[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw origins.error("Tags must be a list of {Key, Value}", container, "Tags");
  return value.map((tag, index) => {
    if (!isObject(tag) || tag.Key === undefined || tag.Value === undefined || Object.keys(tag).some((key) => key !== "Key" && key !== "Value")) {
      throw origins.error("a tag is {Key, Value}", value, index);
    }
    return { key: nameText(tag.Key, origins, tag, "Key"), value: nameText(tag.Value, origins, tag, "Value") };
  });
}

/**
 * All parameters that meshplane's part of the template refers to (App Mesh resources and the conditions) and
 * that have neither a value nor a Default, in one error, rather than one run per missing parameter.
 */
function checkParametersGiven(template: Template, options: CloudFormationOptions): void {
  const referenced = new Set<string>();
  const scanned = (value: unknown) => {
    for (const name of scanReferences(value, new Origins(), false).names) referenced.add(name);
  };
  for (const resource of Object.values(template.resources)) if (isAppMeshType(resource)) scanned(resource.Properties ?? {});
  scanned(template.conditions);
  const missing = [...referenced].filter((name) => {
    const definition = template.parameters[name];
    return definition !== undefined && !options.parameters.has(name) && (definition.Default === undefined || definition.Default === null);
  });
  if (missing.length > 0) {
    throw new MigrateError(
      `${missing.length === 1 ? "parameter" : "parameters"} without a value: ${missing.join(", ")}; pass ${missing.map((name) => `--parameter ${name}=VALUE`).join(" ")}`,
      { file: template.document.file, document: template.document.index, ...lineOf(template.document, ["Parameters", missing[0]!]), field: `Parameters.${missing[0]!}` },
    );
  }
}

const lineOf = (document: SourceDocument, path: Array<string | number>) => {
  const line = document.lineOf(path);
  return line === undefined ? {} : { line };
};

export const containsPending = (value: unknown): boolean =>
  value instanceof Pending || (typeof value === "object" && value !== null && Object.values(value).some(containsPending));

interface Evaluated {
  identity: ResourceIdentity;
  meshOwner?: string;
}

/**
 * The template's App Mesh resources. `lookup` tells which of them exist (for Fn::GetAtt Arn, Uid, owners);
 * values of resources that do not exist yet are `Pending` (and the resource's spec is validated once they are known).
 */
export function resolveCloudFormation(prepared: PreparedTemplate, options: CloudFormationOptions, lookup: ExistingLookup, origins: Origins, notices: Notice[]): WantedResource[] {
  const { template, order, dependencies } = prepared;
  checkParametersGiven(template, options);
  const parameter = createParameterResolver(template, options.parameters, options, origins);
  const evaluated = new Map<string, Evaluated | "skipped">();
  const conditionValues = new Map<string, boolean | "evaluating">();
  const mapper = createModelMapper({ naming: cloudFormationNaming, origins, isOpaque: (value) => value instanceof Pending });
  const locate = (site: ValueSite) => origins.locate(site.container, site.key);

  const appMeshResource = (logicalId: string, site: ValueSite): Evaluated => {
    const state = evaluated.get(logicalId);
    if (state === "skipped") throw new MigrateError(`${logicalId} is not created (its condition ${template.resources[logicalId]!.Condition} is false)`, locate(site));
    if (!state) throw new MigrateError(`${logicalId} is used before it is evaluated`, locate(site));
    return state;
  };

  const foreignValue = (logicalId: string, attribute: string | undefined, site: ValueSite): string => {
    const key = attribute === undefined ? logicalId : `${logicalId}.${attribute}`;
    const value = options.attributes.get(key);
    if (value !== undefined) return value;
    const type = template.resources[logicalId]!.Type;
    throw new MigrateError(
      `${attribute === undefined ? "Ref" : "Fn::GetAtt"} ${key} refers to ${type} ${logicalId}, which meshplane does not create: give its value with --attribute ${key}=VALUE`,
      locate(site),
    );
  };

  const context: IntrinsicContext = {
    origins,
    ref: parameter,
    isResource: (name) => name in template.resources,
    resourceRef(logicalId, site) {
      if (!isAppMeshType(template.resources[logicalId]!)) return foreignValue(logicalId, undefined, site);
      return context.getAtt(logicalId, "Arn", site);
    },
    getAtt(logicalId, attribute, site) {
      const resource = template.resources[logicalId]!;
      if (!isAppMeshType(resource)) return foreignValue(logicalId, attribute, site);
      const { identity, meshOwner } = appMeshResource(logicalId, site);
      const names = cloudFormationNameProperties[identity.kind];
      if (attribute === "MeshName") return identity.meshName;
      if (attribute === names.name) return identity.name;
      if (names.parent !== undefined && attribute === names.parent) return identity.parentName;
      if (attribute === "MeshOwner" && meshOwner !== undefined) return meshOwner;
      const existing = lookup(identity);
      switch (attribute) {
        case "Arn":
          return existing?.arn ?? new Pending(`${logicalId}.Arn`);
        case "Uid":
          return existing?.uid ?? new Pending(`${logicalId}.Uid`);
        case "MeshOwner":
          return existing?.meshOwner ?? new Pending(`${logicalId}.MeshOwner`);
        case "ResourceOwner":
          return existing?.resourceOwner ?? new Pending(`${logicalId}.ResourceOwner`);
        default: {
          const known = [...cloudFormationAttributes, names.name, ...(names.parent ? [names.parent] : [])];
          throw new MigrateError(`${resource.Type} has no attribute ${attribute}; it has ${[...new Set(known)].join(", ")}`, locate(site));
        }
      }
    },
    condition(name, site) {
      const state = conditionValues.get(name);
      if (state === "evaluating") throw new MigrateError(`condition ${name} depends on itself`, locate(site));
      if (state !== undefined) return state;
      if (!(name in template.conditions)) throw new MigrateError(`condition ${name} is not defined in Conditions`, locate(site));
      conditionValues.set(name, "evaluating");
      const value = evaluateCondition(template.conditions[name], context, { container: template.conditions, key: name });
      conditionValues.set(name, value);
      return value;
    },
    findInMap(map, topKey, secondKey, site) {
      const value = template.mappings[map]?.[topKey]?.[secondKey];
      if (value === undefined) throw new MigrateError(`Fn::FindInMap: Mappings has no ${map}.${topKey}.${secondKey}`, locate(site));
      return evaluate(value, context, { container: template.mappings[map]![topKey], key: secondKey });
    },
    importValue(name, site) {
      const value = options.importValues.get(name);
      if (value === undefined) throw new MigrateError(`Fn::ImportValue ${name}: no such export is known here; pass --import-value ${name}=VALUE`, locate(site));
      return value;
    },
  };

  const generatedName = (logicalId: string) => (options.stackName ? `${options.stackName}-${logicalId}` : logicalId);

  const wanted: WantedResource[] = [];
  for (const logicalId of order) {
    const resource = template.resources[logicalId]!;
    if (!isAppMeshType(resource)) {
      notices.push({ message: `skipped ${logicalId} (${resource.Type}): not an App Mesh resource`, location: locationOf(origins.get(template.resources)!, [logicalId]) });
      continue;
    }
    if (resource.Condition !== undefined && !context.condition(resource.Condition, { container: resource, key: "Condition" })) {
      evaluated.set(logicalId, "skipped");
      notices.push({ message: `skipped ${logicalId} (${resource.Type}): its condition ${resource.Condition} is false`, location: locationOf(origins.get(template.resources)!, [logicalId]) });
      continue;
    }
    const kind = cloudFormationTypes[resource.Type]!;
    const names = cloudFormationNameProperties[kind];
    const properties = evaluate(resource.Properties ?? {}, context, { container: resource, key: "Properties" }) as Record<string, unknown>;
    const allowed = new Set(["MeshName", "Spec", "Tags", names.name, ...(names.parent ? [names.parent] : []), ...(kind === "mesh" ? [] : ["MeshOwner"])]);
    for (const key of Object.keys(properties)) {
      if (!allowed.has(key)) throw origins.error(`${resource.Type} has no property ${key}; it has ${[...allowed].sort().join(", ")}`, properties, key);
    }
    const required = (key: string) => {
      if (properties[key] === undefined) throw origins.error(`${resource.Type} needs ${key}`, resource, "Properties");
      return nameText(properties[key], origins, properties, key);
    };
    const meshName = kind === "mesh" ? (properties.MeshName === undefined ? generatedName(logicalId) : required("MeshName")) : required("MeshName");
    const name = kind === "mesh" ? meshName : kind === "virtualService" ? required(names.name) : properties[names.name] === undefined ? generatedName(logicalId) : required(names.name);
    const identity: ResourceIdentity = { kind, meshName, parentName: names.parent ? required(names.parent) : "", name };
    const meshOwner = properties.MeshOwner === undefined ? undefined : nameText(properties.MeshOwner, origins, properties, "MeshOwner");
    evaluated.set(logicalId, { identity, ...(meshOwner !== undefined ? { meshOwner } : {}) });

    if (kind !== "mesh" && properties.Spec === undefined) throw origins.error(`${resource.Type} needs Spec`, resource, "Properties");
    const specShape = kindDescriptors[kind].specShape;
    const spec = mapper.map(properties.Spec ?? {}, specShape, { container: properties, key: "Spec" }) as Record<string, unknown>;
    if (!containsPending(spec)) mapper.validate(spec, specShape);
    const after = [...dependencies.get(logicalId)!].flatMap((dependency) => {
      const state = evaluated.get(dependency);
      return state && state !== "skipped" ? [resourceKey(state.identity)] : [];
    });
    wanted.push({
      ...identity,
      spec,
      tags: mapTags(properties.Tags, origins, properties),
      ...(meshOwner !== undefined ? { meshOwner } : {}),
      source: locationOf(origins.get(template.resources)!, [logicalId]),
      ...(after.length > 0 ? { dependsOn: after } : {}),
    });
  }
  return wanted;
}
