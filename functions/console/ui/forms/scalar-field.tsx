// The leaves of a model-driven form: one input (text, number, enum, boolean, or a select of existing resources)
// with its label, the model's bounds as a hint, and the API's error when it names this field.
import type { ComponentChildren } from "preact";
import { useContext } from "preact/hooks";
import { constraintHint, shapeOf } from "../model/shapes.js";
import { labelFor, lowerFirst } from "../model/labels.js";
import { fieldId, formatPath } from "./field-path.js";
import { FormContext, referenceMembers } from "./form-context.js";
import type { ShapeFieldProps } from "./field-props.js";

interface FieldFrameProps {
  id: string;
  path: string;
  label: string;
  required: boolean;
  hint: string | undefined;
  children: ComponentChildren;
  inline?: boolean;
}

/** Label, control, hint and the API's error for one input. */
function FieldFrame({ id, path, label, required, hint, children, inline }: FieldFrameProps) {
  const { error } = useContext(FormContext);
  const message = error?.path === path ? error.message : undefined;
  return (
    <div class={`field${inline ? " field-inline" : ""}${message ? " field-invalid" : ""}`}>
      <label for={id}>
        {label}
        {!required && <span class="optional"> – optional</span>}
      </label>
      {children}
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {message && (
        <p class="field-error" id={`${id}-error`} role="alert">
          {message}
        </p>
      )}
    </div>
  );
}

function framed(id: string, path: string, props: ShapeFieldProps, hint: string | undefined, control: ComponentChildren, inline = false) {
  return (
    <FieldFrame id={id} path={path} label={props.label} required={props.required} hint={hint} inline={inline}>
      {control}
    </FieldFrame>
  );
}

function describedBy(id: string, hint: string | undefined, path: string, errorPath: string | undefined): string | undefined {
  const ids = [hint ? `${id}-hint` : "", errorPath === path ? `${id}-error` : ""].filter(Boolean);
  return ids.length > 0 ? ids.join(" ") : undefined;
}

export function ScalarField(props: ShapeFieldProps) {
  const { error, references } = useContext(FormContext);
  const shape = shapeOf(props.shape);
  const path = formatPath(props.path);
  const id = fieldId(path);
  const hint = constraintHint(props.shape);
  const aria = { "aria-describedby": describedBy(id, hint, path, error?.path), "aria-invalid": error?.path === path ? true : undefined, "aria-required": props.required || undefined };
  const frame = (control: ComponentChildren, inline = false) => framed(id, path, props, hint, control, inline);

  if (shape.type === "boolean") {
    return frame(<input id={id} type="checkbox" checked={props.value === true} onChange={(event) => props.onChange(event.currentTarget.checked)} {...aria} />, true);
  }
  if (shape.type === "integer" || shape.type === "long") {
    return frame(
      <input
        id={id}
        type="number"
        inputMode="numeric"
        step={1}
        {...(shape.min !== undefined ? { min: shape.min } : {})}
        {...(shape.max !== undefined ? { max: shape.max } : {})}
        value={typeof props.value === "number" ? String(props.value) : ""}
        onInput={(event) => {
          const text = event.currentTarget.value.trim();
          props.onChange(text === "" ? undefined : Number(text));
        }}
        {...aria}
      />,
    );
  }
  const text = typeof props.value === "string" ? props.value : "";
  if (shape.enum) {
    return frame(
      <select id={id} value={text} onChange={(event) => props.onChange(event.currentTarget.value === "" ? undefined : event.currentTarget.value)} {...aria}>
        {!props.required && <option value="">Not set</option>}
        {props.required && text === "" && <option value="">Choose…</option>}
        {shape.enum.map((option) => (
          <option value={option}>{option}</option>
        ))}
      </select>,
    );
  }
  const reference = props.memberKey ? referenceMembers[props.memberKey] : undefined;
  const names = reference ? references[reference.kind] : undefined;
  if (reference?.mustExist && names && (names.includes(text) || text === "")) {
    return framed(
      id,
      path,
      props,
      undefined,
      <select id={id} value={text} onChange={(event) => props.onChange(event.currentTarget.value === "" ? undefined : event.currentTarget.value)} {...aria} aria-describedby={describedBy(id, undefined, path, error?.path)}>
        <option value="">{`Choose a ${lowerFirst(labelFor("", reference.kind))}…`}</option>
        {names.map((name) => (
          <option value={name}>{name}</option>
        ))}
      </select>,
    );
  }
  const listId = names ? `${id}-names` : undefined;
  return frame(
    <>
      <input
        id={id}
        type="text"
        value={text}
        autoComplete="off"
        spellcheck={false}
        {...(listId ? { list: listId } : {})}
        onInput={(event) => props.onChange(event.currentTarget.value === "" && !props.required ? undefined : event.currentTarget.value)}
        {...aria}
      />
      {listId && (
        <datalist id={listId}>
          {names!.map((name) => (
            <option value={name} />
          ))}
        </datalist>
      )}
    </>,
  );
}

/** The API's error for a fieldset-level path (a structure or list as a whole). */
export function GroupError({ path }: { path: string }) {
  const { error } = useContext(FormContext);
  if (error?.path !== path) return null;
  return (
    <p class="field-error" id={`${fieldId(path)}-error`} role="alert">
      {error.message}
    </p>
  );
}

