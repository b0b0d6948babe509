// One form field for any shape of the App Mesh model, recursively: inputs for scalars (scalar-field.tsx); structures
// as fieldsets whose optional parts are added on demand; unions (and the route-type choice) as a select; lists with
// Add and Remove buttons. Labels, bounds and required marks come from the model (model/shapes.ts, model/labels.ts).
import { useContext } from "preact/hooks";
import { constraintHint, exclusiveGroups, isRequired, orderedMembers, shapeOf } from "../model/shapes.js";
import { labelFor, lowerFirst, singular } from "../model/labels.js";
import { fieldId, formatPath, type PathSegment } from "./field-path.js";
import { FormContext } from "./form-context.js";
import { weightTotalNote } from "./console-rules.js";
import { GroupError, ScalarField } from "./scalar-field.js";
import type { ShapeFieldProps } from "./field-props.js";

export type { ShapeFieldProps };

type Value = unknown;
type Structure = Record<string, Value>;


const asStructure = (value: Value): Structure => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Structure) : {});

/** A new, empty value for a shape: what "Add …" puts in. */
export function emptyValue(shapeName: string): Value {
  const shape = shapeOf(shapeName);
  if (shape.type === "structure") return {};
  if (shape.type === "list") return [];
  if (shape.type === "boolean") return false;
  if (shape.type === "string") return shape.enum?.[0] ?? "";
  return undefined;
}

function withMember(structure: Structure, member: string, value: Value): Structure {
  const next = { ...structure };
  if (value === undefined) delete next[member];
  else next[member] = value;
  return next;
}

/** How the select of a union is labelled, where App Mesh's console had a word for it. */
const choiceLabels: Readonly<Record<string, string>> = { ServiceDiscovery: "Service discovery method" };

interface ChoiceFieldProps {
  shape: string;
  path: readonly PathSegment[];
  label: string;
  required: boolean;
  members: readonly string[];
  value: Structure | undefined;
  /** Receives undefined when "None" is chosen. */
  onChange(value: Structure | undefined): void;
}

/** A choice among members (a union, or an exclusive group): a select, then the chosen member's field. */
function ChoiceField(props: ChoiceFieldProps) {
  const { error } = useContext(FormContext);
  const value = props.value ?? {};
  const chosen = props.members.find((member) => value[member] !== undefined);
  const members = shapeOf(props.shape).members ?? {};
  const choicePath = formatPath(props.path);
  const id = `${fieldId(choicePath)}-choice`;
  const clear = () => props.members.reduce((next, member) => withMember(next, member, undefined), value);
  const choose = (member: string) => {
    if (member === "") {
      const rest = clear();
      props.onChange(Object.keys(rest).length === 0 ? undefined : rest);
    } else props.onChange(withMember(clear(), member, emptyValue(members[member]!.shape)));
  };
  return (
    <>
      <div class="field">
        <label for={id}>
          {props.label}
          {!props.required && <span class="optional"> – optional</span>}
        </label>
        <select id={id} value={chosen ?? ""} aria-invalid={error?.path === choicePath ? true : undefined} onChange={(event) => choose(event.currentTarget.value)}>
          <option value="">{props.required ? "Choose…" : "None"}</option>
          {props.members.map((member) => (
            <option value={member}>{labelFor(props.shape, member)}</option>
          ))}
        </select>
        <GroupError path={choicePath} />
      </div>
      {chosen && (
        <ShapeField
          shape={members[chosen]!.shape}
          path={[...props.path, chosen]}
          value={value[chosen]}
          onChange={(next) => props.onChange(withMember(value, chosen, next))}
          label={labelFor(props.shape, chosen)}
          required
          memberKey={`${props.shape}.${chosen}`}
        />
      )}
    </>
  );
}

/** A union member: one member of several, or the only one (drawn directly). */
function UnionField(props: ShapeFieldProps) {
  const members = Object.keys(shapeOf(props.shape).members ?? {});
  const value = props.value === undefined ? undefined : asStructure(props.value);
  if (members.length === 1 && props.required) {
    const [only] = members as [string];
    return (
      <ShapeField
        shape={shapeOf(props.shape).members![only]!.shape}
        path={[...props.path, only]}
        value={value?.[only]}
        onChange={(next) => props.onChange(withMember(value ?? {}, only, next))}
        label={labelFor(props.shape, only)}
        required
        memberKey={`${props.shape}.${only}`}
        {...(props.bare ? { bare: true } : {})}
      />
    );
  }
  const label = choiceLabels[props.shape] ?? props.label;
  return <ChoiceField shape={props.shape} path={props.path} label={label} required={props.required} members={members} value={value} onChange={props.onChange} />;
}

function StructureMembers(props: ShapeFieldProps) {
  const value = asStructure(props.value);
  const group = exclusiveGroups[props.shape];
  const entries = orderedMembers(props.shape).filter(([name]) => !group?.members.includes(name));
  return (
    <>
      {entries.map(([name, member]) => (
        <ShapeField
          shape={member.shape}
          path={[...props.path, name]}
          value={value[name]}
          onChange={(next) => props.onChange(withMember(value, name, next))}
          label={labelFor(props.shape, name)}
          required={isRequired(props.shape, name)}
          memberKey={`${props.shape}.${name}`}
        />
      ))}
      {group && <ChoiceField shape={props.shape} path={props.path} label={group.label} required members={group.members} value={value} onChange={(next) => props.onChange(next ?? {})} />}
    </>
  );
}

function StructureField(props: ShapeFieldProps) {
  const path = formatPath(props.path);
  if (shapeOf(props.shape).union) return <UnionField {...props} />;
  if (props.bare) return <StructureMembers {...props} />;
  const present = props.value !== undefined;
  const lower = lowerFirst(props.label);
  if (!props.required && !present) {
    return (
      <div class="add-section">
        <button type="button" class="button-secondary" onClick={() => props.onChange({})}>
          {`Add ${lower}`}
        </button>
        <GroupError path={path} />
      </div>
    );
  }
  return (
    <fieldset class="group" id={fieldId(path)}>
      <legend>{props.label}</legend>
      {!props.required && (
        <button type="button" class="button-link remove" onClick={() => props.onChange(undefined)}>
          {`Remove ${lower}`}
        </button>
      )}
      <GroupError path={path} />
      <StructureMembers {...props} />
    </fieldset>
  );
}

function ListField(props: ShapeFieldProps) {
  const shape = shapeOf(props.shape);
  const itemShape = shape.member!.shape;
  const items = Array.isArray(props.value) ? (props.value as Value[]) : [];
  const path = formatPath(props.path);
  const item = singular(props.label);
  const hint = constraintHint(props.shape);
  const update = (next: Value[]) => props.onChange(next.length === 0 && !props.required ? undefined : next);
  const isScalar = shapeOf(itemShape).type !== "structure";
  return (
    <fieldset class="group list" id={fieldId(path)}>
      <legend>
        {props.label}
        {!props.required && <span class="optional"> – optional</span>}
      </legend>
      {hint && <p class="hint">{hint}</p>}
      <GroupError path={path} />
      {props.shape === "WeightedTargets" && items.length > 0 && (
        <p class="list-total" role="status">
          {weightTotalNote(items)}
        </p>
      )}
      {items.map((entry, index) => {
        const label = `${item.charAt(0).toUpperCase()}${item.slice(1)} ${index + 1}`;
        const remove = (
          <button type="button" class="button-link remove" onClick={() => update(items.filter((_, i) => i !== index))}>
            {`Remove ${item} ${index + 1}`}
          </button>
        );
        const field = (
          <ShapeField
            shape={itemShape}
            path={[...props.path, index]}
            value={entry}
            onChange={(next) => update(items.map((current, i) => (i === index ? next : current)))}
            label={label}
            required
            {...(props.memberKey ? { memberKey: props.memberKey } : {})}
            bare={!isScalar}
          />
        );
        return isScalar ? (
          <div class="list-item list-item-scalar">
            {field}
            {remove}
          </div>
        ) : (
          <fieldset class="list-item" id={fieldId(formatPath([...props.path, index]))}>
            <legend>{label}</legend>
            {remove}
            <GroupError path={formatPath([...props.path, index])} />
            {field}
          </fieldset>
        );
      })}
      <button type="button" class="button-secondary" onClick={() => update([...items, emptyValue(itemShape)])}>
        {`Add ${item}`}
      </button>
    </fieldset>
  );
}

/** The field for `shape` at `path`, registered with the form so errors can find it. */
export function ShapeField(props: ShapeFieldProps) {
  const form = useContext(FormContext);
  form.register(formatPath(props.path));
  const type = shapeOf(props.shape).type;
  if (type === "structure") return <StructureField {...props} />;
  if (type === "list") return <ListField {...props} />;
  return <ScalarField {...props} />;
}
