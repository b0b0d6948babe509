// CloudFormation's intrinsic functions, evaluated the way CloudFormation does when it creates a stack: `Ref`,
// `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`, `Fn::If` (with `AWS::NoValue`), `Fn::Select`, `Fn::Split`,
// `Fn::FindInMap`, the condition functions, `Fn::ImportValue`, `Fn::Base64`, `Fn::Length`, `Fn::ToJsonString`.
// What a name stands for (parameter, pseudo parameter, resource, condition, mapping, export) is the caller's
// business (IntrinsicContext). Values CloudFormation would know only once a resource exists (a new resource's
// Uid or ARN) are `Pending`: they flow through string functions and are resolved after that resource is applied.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
import { MigrateError } from "../migrate-error.js";
import type { ValueSite } from "../model-mapping.js";
import type { Origins } from "../source.js";

/** `Ref: AWS::NoValue`: the property (or list item) is left out. */
export const noValue: unique symbol = Symbol("AWS::NoValue");

/** A value known only after apply, e.g. `!GetAtt NewNode.Uid`; `description` says which. */
export class Pending {
  constructor(readonly description: string) {}

  /** How plans (JSON and text) show it. */
  toJSON(): string {
    return `(known after apply: ${this.description})`;
  }
}

export interface IntrinsicContext {
  origins: Origins;
  /** `Ref` of a parameter or pseudo parameter (`AWS::Region`); throws for unknown names. */
  ref(name: string, site: ValueSite): unknown;
  /** True when `name` is a resource of the template (so `Ref`/`${name}` mean its physical id). */
  isResource(name: string): boolean;
  resourceRef(logicalId: string, site: ValueSite): unknown;
  getAtt(logicalId: string, attribute: string, site: ValueSite): unknown;
  condition(name: string, site: ValueSite): boolean;
  findInMap(map: string, topKey: string, secondKey: string, site: ValueSite): unknown;
  importValue(name: string, site: ValueSite): unknown;
}

export const supportedIntrinsics = [
  "Ref",
  "Fn::GetAtt",
  "Fn::Sub",
  "Fn::Join",
  "Fn::If",
  "Fn::Select",
  "Fn::Split",
  "Fn::FindInMap",
  "Fn::Equals",
  "Fn::And",
  "Fn::Or",
  "Fn::Not",
  "Fn::ImportValue",
  "Fn::Base64",
  "Fn::Length",
  "Fn::ToJsonString",
] as const;

/** Intrinsics CloudFormation has that cannot mean anything outside an AWS region. */
const unsupportedIntrinsics = new Set(["Fn::GetAZs", "Fn::Cidr", "Fn::Transform", "Fn::ForEach"]);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The intrinsic function an object is (its one key), or undefined for plain objects. */
export function intrinsicName(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0]!;
  return key === "Ref" || key.startsWith("Fn::") ? key : undefined;
}

/** Throws for `Fn::*` keys CloudFormation does not define (checked statically, in branches not taken too). */
export function checkIntrinsicName(name: string, container: unknown, origins: Origins): void {
  if ((supportedIntrinsics as readonly string[]).includes(name)) return;
  if (unsupportedIntrinsics.has(name)) throw origins.error(`${name} is not supported by meshplane import (it needs CloudFormation itself)`, container, name);
  throw origins.error(`unknown intrinsic function ${name}; known: ${supportedIntrinsics.join(", ")}`, container, name);
}

const describe = (value: unknown) => (value instanceof Pending ? `(known after apply: ${value.description})` : JSON.stringify(value));

/** The names `${…}` in a `Fn::Sub` string refers to (`${!Literal}` is an escape, not a reference). */
export function subReferences(template: string): string[] {
  return [...template.matchAll(/\$\{([^}!][^}]*)\}/g)].map((match) => match[1]!.trim());
}

export function evaluate(value: unknown, context: IntrinsicContext, site: ValueSite): unknown {
  const { origins } = context;
  if (Array.isArray(value)) {
    const result = value.map((item, index) => evaluate(item, context, { container: value, key: index })).filter((item) => item !== noValue);
    return origins.inherit(result, value);
  }
  if (!isObject(value)) return value;
  const name = intrinsicName(value);
  if (name === undefined) {
    for (const key of Object.keys(value)) if (key.startsWith("Fn::") || key === "Ref") throw origins.error(`${key} must be the only key of its object`, value, key);
    const result: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      const evaluated = evaluate(member, context, { container: value, key });
      if (evaluated !== noValue) result[key] = evaluated;
    }
    return origins.inherit(result, value);
  }
  checkIntrinsicName(name, value, origins);
  return evaluateIntrinsic(name, value[name], context, { container: value, key: name });
}

function fail(context: IntrinsicContext, site: ValueSite, message: string): MigrateError {
  return new MigrateError(message, context.origins.locate(site.container, site.key));
}

function argumentList(context: IntrinsicContext, name: string, argument: unknown, site: ValueSite, min: number, max = min): unknown[] {
  if (!Array.isArray(argument) || argument.length < min || argument.length > max) {
    throw fail(context, site, `${name} takes a list of ${min === max ? min : `${min} to ${max}`} items`);
  }
  return argument;
}

function scalarText(context: IntrinsicContext, value: unknown, site: ValueSite, what: string): string | Pending {
  if (value instanceof Pending) return value;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw fail(context, site, `${what} must be a string, got ${describe(value)}`);
}

function evaluateIntrinsic(name: string, argument: unknown, context: IntrinsicContext, site: ValueSite): unknown {
  const at = (key: string | number): ValueSite => ({ container: argument, key });
  const sub = (item: unknown, key: string | number) => evaluate(item, context, at(key));
  switch (name) {
    case "Ref": {
      if (typeof argument !== "string") throw fail(context, site, "Ref takes the name of a parameter or resource");
      if (argument === "AWS::NoValue") return noValue;
      return context.isResource(argument) ? context.resourceRef(argument, site) : context.ref(argument, site);
    }
    case "Fn::GetAtt": {
      const parts = typeof argument === "string" ? argument.split(/\.(.*)/s).slice(0, 2) : argumentList(context, name, argument, site, 2);
      const logicalId = parts[0];
      const attribute = typeof argument === "string" ? parts[1] : sub(parts[1], 1);
      if (typeof logicalId !== "string" || typeof attribute !== "string" || attribute === "") throw fail(context, site, "Fn::GetAtt takes [LogicalId, Attribute]");
      if (!context.isResource(logicalId)) throw fail(context, site, `Fn::GetAtt names ${logicalId}, which is not a resource of this template`);
      return context.getAtt(logicalId, attribute, site);
    }
    case "Fn::Sub": {
      const [template, variables] = typeof argument === "string" ? [argument, {}] : argumentList(context, name, argument, site, 2);
      if (typeof template !== "string" || !isObject(variables)) throw fail(context, site, "Fn::Sub takes a string, or [string, {Name: value}]");
      const values = new Map(Object.entries(variables).map(([key, item]) => [key, evaluate(item, context, { container: variables, key })]));
      let pending: Pending | undefined;
      const text = template.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
        if (inner.startsWith("!")) return `\${${inner.slice(1)}}`;
        const reference = inner.trim();
        let value: unknown;
        if (values.has(reference)) value = values.get(reference);
        else if (reference.includes(".") && context.isResource(reference.split(".")[0]!)) {
          const dot = reference.indexOf(".");
          value = context.getAtt(reference.slice(0, dot), reference.slice(dot + 1), site);
        } else value = context.isResource(reference) ? context.resourceRef(reference, site) : context.ref(reference, site);
        const piece = scalarText(context, value, site, `\${${reference}} in Fn::Sub`);
        if (piece instanceof Pending) {
          pending ??= piece;
          return whole;
        }
        return piece;
      });
      return pending ? new Pending(`${pending.description} in "${template}"`) : text;
    }
    case "Fn::Join": {
      const [delimiter, list] = argumentList(context, name, argument, site, 2);
      const items = sub(list, 1);
      if (typeof delimiter !== "string" || !Array.isArray(items)) throw fail(context, site, "Fn::Join takes [delimiter, [values…]]");
      const pieces = items.map((item, index) => scalarText(context, item, at(1), `item ${index} of Fn::Join`));
      const pending = pieces.find((piece) => piece instanceof Pending);
      return pending ?? pieces.join(delimiter);
    }
    case "Fn::Split": {
      const [delimiter, source] = argumentList(context, name, argument, site, 2);
      const text = sub(source, 1);
      if (typeof delimiter !== "string" || typeof text !== "string") throw fail(context, site, "Fn::Split takes [delimiter, string]");
      return text.split(delimiter);
    }
    case "Fn::Select": {
      const [rawIndex, list] = argumentList(context, name, argument, site, 2);
      const index = Number(sub(rawIndex, 0));
      const items = sub(list, 1);
      if (!Array.isArray(items)) throw fail(context, site, "Fn::Select takes [index, [values…]]");
      if (!Number.isInteger(index) || index < 0 || index >= items.length) throw fail(context, site, `Fn::Select index ${String(rawIndex)} is outside the list of ${items.length}`);
      return items[index];
    }
    case "Fn::If": {
      const [condition, whenTrue, whenFalse] = argumentList(context, name, argument, site, 3);
      if (typeof condition !== "string") throw fail(context, site, "Fn::If takes [ConditionName, value if true, value if false]");
      return context.condition(condition, at(0)) ? sub(whenTrue, 1) : sub(whenFalse, 2);
    }
    case "Fn::FindInMap": {
      const items = argumentList(context, name, argument, site, 3, 4);
      const [map, top, second] = items.slice(0, 3).map((item, index) => sub(item, index));
      if (typeof map !== "string" || typeof top !== "string" || typeof second !== "string") throw fail(context, site, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]");
      try {
        return context.findInMap(map, top, second, site);
      } catch (error) {
        const fallback = items[3];
        if (isObject(fallback) && "DefaultValue" in fallback) return evaluate(fallback.DefaultValue, context, { container: fallback, key: "DefaultValue" });
        throw error;
      }
    }
    case "Fn::ImportValue": {
      const exportName = sub(argument, 0);
      if (typeof exportName !== "string") throw fail(context, site, "Fn::ImportValue takes the name of an export");
      return context.importValue(exportName, site);
    }
    case "Fn::Base64": {
      const text = scalarText(context, sub(argument, 0), site, "Fn::Base64's argument");
      if (text instanceof Pending) return text;
      let binary = "";
      for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
      return btoa(binary);
    }
    case "Fn::Length": {
      const items = sub(argument, 0);
      if (!Array.isArray(items)) throw fail(context, site, "Fn::Length takes a list");
      return items.length;
    }
    case "Fn::ToJsonString":
      return JSON.stringify(sub(argument, 0));
    case "Fn::Equals":
    case "Fn::And":
    case "Fn::Or":
    case "Fn::Not":
      return evaluateCondition({ [name]: argument }, context, site);
    default:
      throw fail(context, site, `${name} is not supported by meshplane import`);
  }
}

/** A condition expression (`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition: Name`) as a boolean. */
export function evaluateCondition(expression: unknown, context: IntrinsicContext, site: ValueSite): boolean {
  if (typeof expression === "boolean") return expression;
  if (isObject(expression) && Object.keys(expression).length === 1 && typeof expression.Condition === "string") {
    return context.condition(expression.Condition, { container: expression, key: "Condition" });
  }
  const name = intrinsicName(expression);
  if (!name || !isObject(expression)) throw fail(context, site, "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or {Condition: Name}");
  const argument = expression[name];
  const at = (key: number): ValueSite => ({ container: argument, key });
  switch (name) {
    case "Fn::Equals": {
      const [left, right] = argumentList(context, name, argument, site, 2).map((item, index) => evaluate(item, context, at(index)));
      if (left instanceof Pending || right instanceof Pending) throw fail(context, site, "Fn::Equals compares a value known only after apply");
      return typeof left === "object" || typeof right === "object" ? JSON.stringify(left) === JSON.stringify(right) : String(left) === String(right);
    }
    case "Fn::And":
      return argumentList(context, name, argument, site, 2, 10).every((item, index) => evaluateCondition(item, context, at(index)));
    case "Fn::Or":
      return argumentList(context, name, argument, site, 2, 10).some((item, index) => evaluateCondition(item, context, at(index)));
    case "Fn::Not":
      return !evaluateCondition(argumentList(context, name, argument, site, 1)[0], context, at(0));
    default: {
      const value = evaluate(expression, context, site);
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "false") return value === "true";
      throw fail(context, site, `${name} does not give a condition's true or false`);
    }
  }
}
