// The create and edit form of any App Mesh resource: the operation's input shape from the model, drawn field by
// field or edited as JSON, sent to the API as is. What the API refuses comes back with App Mesh's own message,
// shown beside the field it names (or the nearest one drawn) and at the top of the form.
import { useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { callOperation } from "../api/appmesh.js";
import { ApiError, errorText } from "../api/http.js";
import { operationOf, orderedMembers, shapeOf, isRequired } from "../model/shapes.js";
import { labelFor } from "../model/labels.js";
import { Alert } from "../components/page.js";
import { fieldId, pathAndAncestors, pathInMessage } from "./field-path.js";
import { FormContext, type FieldError, type FormContextValue } from "./form-context.js";
import { ShapeField } from "./shape-field.js";
import { checkConsoleRules } from "./console-rules.js";

export interface ResourceFormProps {
  /** e.g. CreateVirtualNode or UpdateRoute. */
  operation: string;
  /** URI members known from the page (meshName, virtualRouterName, and on edit the resource's name). */
  scope: Record<string, string>;
  /** The body members to start from (on edit: the described resource's spec). */
  initial?: Record<string, unknown>;
  submitLabel: string;
  references: FormContextValue["references"];
  onDone(output: Record<string, unknown>): void;
  onCancel(): void;
}

interface Failure {
  name: string;
  message: string;
  /** The field the message names, when it names one. */
  path: string | undefined;
}

/** Members of an operation's input the user edits: the body's, minus the idempotency token (sent for them). */
export function editableMembers(operation: string): string[] {
  const input = operationOf(operation).input!;
  return orderedMembers(input)
    .filter(([, member]) => member.location === undefined && !member.idempotencyToken)
    .map(([name]) => name)
    .sort((a, b) => Number(b.endsWith("Name")) - Number(a.endsWith("Name")));
}

export function ResourceForm(props: ResourceFormProps) {
  const inputShape = operationOf(props.operation).input!;
  const members = useMemo(() => editableMembers(props.operation), [props.operation]);
  // A required structure (every spec) starts empty rather than absent: `{}` is a valid spec for most kinds.
  const [value, setValue] = useState<Record<string, unknown>>(() => ({
    ...Object.fromEntries(members.filter((member) => isRequired(inputShape, member) && shapeOf(shapeOf(inputShape).members![member]!.shape).type === "structure").map((member) => [member, {}])),
    ...structuredClone(props.initial ?? {}),
  }));
  const [mode, setMode] = useState<"form" | "json">("form");
  const [jsonText, setJsonText] = useState("");
  const [jsonProblem, setJsonProblem] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [shownAt, setShownAt] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // One token per form: a retried submit after a lost answer cannot create the resource twice.
  const clientToken = useMemo(() => crypto.randomUUID(), []);
  const registered = useRef(new Set<string>());
  registered.current = new Set();

  useLayoutEffect(() => {
    const at = failure?.path ? (pathAndAncestors(failure.path).find((path) => registered.current.has(path)) ?? null) : null;
    if (at !== shownAt) setShownAt(at);
  });
  useLayoutEffect(() => {
    if (!failure || mode !== "form") return;
    const target = shownAt ? document.getElementById(fieldId(shownAt)) : null;
    const control = target?.matches("input, select, textarea") ? target : target?.querySelector<HTMLElement>("input, select, textarea, button");
    (control ?? document.getElementById("form-failure"))?.focus();
  }, [failure, shownAt]);

  const context: FormContextValue = {
    error: failure && shownAt ? ({ path: shownAt, message: failure.message } satisfies FieldError) : null,
    register: (path) => registered.current.add(path),
    references: props.references,
  };

  const parseJson = (): Record<string, unknown> | null => {
    try {
      const parsed: unknown = JSON.parse(jsonText);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("the JSON must be an object");
      setJsonProblem(null);
      return parsed as Record<string, unknown>;
    } catch (error) {
      setJsonProblem(`The JSON is not valid: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  };

  const switchTo = (next: "form" | "json") => {
    if (next === mode) return;
    if (next === "json") {
      setJsonText(JSON.stringify(value, null, 2));
      setJsonProblem(null);
      setMode("json");
      return;
    }
    const parsed = parseJson();
    if (parsed) {
      setValue(parsed);
      setMode("form");
    }
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const body = mode === "json" ? parseJson() : value;
    if (!body) return;
    const ruleFailure = checkConsoleRules(props.operation, body);
    if (ruleFailure) {
      setFailure({ name: "Console", message: ruleFailure.message, path: ruleFailure.path });
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      const output = await callOperation(props.operation, { ...props.scope, ...body, clientToken });
      props.onDone(output);
    } catch (error) {
      setFailure(error instanceof ApiError ? { name: error.name, message: error.message, path: pathInMessage(error.message) } : { name: "Error", message: errorText(error), path: undefined });
      setBusy(false);
    }
  };

  return (
    <form class="resource-form" onSubmit={submit} noValidate>
      <div class="form-toolbar">
        <p class="hint">Fields and limits come from the App Mesh model; the API checks everything you send.</p>
        <div class="form-mode" role="group" aria-label="Edit as">
          <button type="button" class="toggle" aria-pressed={mode === "form"} onClick={() => switchTo("form")}>
            Form
          </button>
          <button type="button" class="toggle" aria-pressed={mode === "json"} onClick={() => switchTo("json")}>
            JSON
          </button>
        </div>
      </div>
      {failure && (
        <div id="form-failure" tabIndex={-1}>
          <Alert title={failure.name === "Console" ? "Check the form" : `${failure.name}: the change was not made`}>
            <p>{failure.message}</p>
          </Alert>
        </div>
      )}
      <FormContext.Provider value={context}>
        {mode === "form" ? (
          members.map((member) => {
            const shape = shapeOf(inputShape).members![member]!.shape;
            return (
              <ShapeField
                shape={shape}
                path={[member]}
                value={value[member]}
                onChange={(next) =>
                  setValue((current) => {
                    const copy = { ...current };
                    if (next === undefined) delete copy[member];
                    else copy[member] = next;
                    return copy;
                  })
                }
                label={labelFor(inputShape, member)}
                required={isRequired(inputShape, member)}
                memberKey={`${inputShape}.${member}`}
              />
            );
          })
        ) : (
          <div class="field">
            <label for="resource-json">{`JSON (${members.join(", ")})`}</label>
            <textarea id="resource-json" class="json-editor" rows={24} spellcheck={false} value={jsonText} onInput={(event) => setJsonText(event.currentTarget.value)} aria-describedby={jsonProblem ? "resource-json-error" : undefined} />
            {jsonProblem && (
              <p class="field-error" id="resource-json-error" role="alert">
                {jsonProblem}
              </p>
            )}
          </div>
        )}
      </FormContext.Provider>
      <div class="form-actions">
        <button type="button" class="button-secondary" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" class="button-primary" disabled={busy}>
          {busy ? "Saving…" : props.submitLabel}
        </button>
      </div>
    </form>
  );
}
