// Create and Edit of a policy: its name and its document as JSON (targetRef and spec, tags when it has any), sent
// to PUT /v1/meshes/{mesh}/policies/{name} as is. The API's refusal is shown at the field it names (the name or the
// JSON), with App Mesh's own message, as the resource form does.
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { ApiError, errorText } from "../api/http.js";
import { getPolicy, putPolicy, targetAddressOf } from "../api/policies.js";
import { Alert, ErrorAlert, Loading, PageHeader } from "../components/page.js";
import { useAsync } from "../components/use-async.js";
import { pathInMessage } from "../forms/field-path.js";
import { navigate, pathOf } from "../router.js";
import { resourcePath } from "../resources.js";
import { targetLabel } from "./policies.js";

interface Failure {
  title: string;
  message: string;
  /** Where the message belongs: the name field or the JSON editor. */
  at: "name" | "json";
}

const failureOf = (error: unknown): Failure => {
  if (!(error instanceof ApiError)) return { title: "The change was not made", message: errorText(error), at: "json" };
  const path = pathInMessage(error.message);
  return { title: `${error.name}: the change was not made`, message: error.message, at: path === "policyName" ? "name" : "json" };
};

/** A field's hint, and the API's message about it when there is one (the control points at `${id}-error` then). */
function HintAndError({ id, hint, error }: { id: string; hint: string; error: string | undefined }) {
  return (
    <>
      <p class="hint" id={`${id}-hint`}>
        {hint}
      </p>
      {error && (
        <p class="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </>
  );
}

function PolicyForm({ meshName, policyName, initial }: { meshName: string; policyName?: string; initial: Record<string, unknown> }) {
  const [name, setName] = useState(policyName ?? "");
  const [text, setText] = useState(() => JSON.stringify(initial, null, 2));
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const nameInput = useRef<HTMLInputElement>(null);
  const editor = useRef<HTMLTextAreaElement>(null);
  useLayoutEffect(() => {
    if (failure) (failure.at === "name" ? nameInput : editor).current?.focus();
  }, [failure]);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (name.trim() === "") return setFailure({ title: "Check the form", message: "A policy needs a name.", at: "name" });
    let document: unknown;
    try {
      document = JSON.parse(text);
      if (typeof document !== "object" || document === null || Array.isArray(document)) throw new Error("the JSON must be an object");
    } catch (error) {
      return setFailure({ title: "Check the form", message: `The JSON is not valid: ${error instanceof Error ? error.message : String(error)}`, at: "json" });
    }
    setBusy(true);
    setFailure(null);
    try {
      const saved = await putPolicy(meshName, name.trim(), document as Record<string, unknown>);
      const target = targetAddressOf(saved.targetRef.arn);
      navigate(target ? resourcePath(target) : pathOf("meshes", meshName, "policies"));
    } catch (error) {
      setFailure(failureOf(error));
      setBusy(false);
    }
  };

  const errorAt = (at: Failure["at"]) => (failure?.at === at ? failure.message : undefined);
  return (
    <form class="resource-form" onSubmit={submit} noValidate>
      {failure && (
        <Alert title={failure.title}>
          <p>{failure.message}</p>
        </Alert>
      )}
      <div class="field">
        <label for="policy-name">Policy name</label>
        <input
          id="policy-name"
          ref={nameInput}
          value={name}
          readOnly={policyName !== undefined}
          onInput={(event) => setName(event.currentTarget.value)}
          aria-invalid={errorAt("name") ? true : undefined}
          aria-describedby={errorAt("name") ? "policy-name-error" : "policy-name-hint"}
        />
        <HintAndError id="policy-name" hint={policyName ? "Policy names cannot change." : "Letters, digits, '.', '_' and '-', starting with a letter or digit."} error={errorAt("name")} />
      </div>
      <div class="field">
        <label for="policy-json">Policy document (JSON: targetRef, spec, tags)</label>
        <textarea
          id="policy-json"
          ref={editor}
          class="json-editor"
          rows={20}
          spellcheck={false}
          value={text}
          onInput={(event) => setText(event.currentTarget.value)}
          aria-invalid={errorAt("json") ? true : undefined}
          aria-describedby={errorAt("json") ? "policy-json-error" : "policy-json-hint"}
        />
        <HintAndError id="policy-json" hint="spec holds exactly one type: faultInjection, mirror, rateLimit, headers, cors, jwt, externalAuthorization, loadBalancing or envoyPatch (docs/policies/)." error={errorAt("json")} />
      </div>
      <div class="form-actions">
        <button type="button" class="button-secondary" onClick={() => history.back()}>
          Cancel
        </button>
        <button type="submit" class="button-primary" disabled={busy}>
          {busy ? "Saving…" : policyName ? "Save policy" : "Create policy"}
        </button>
      </div>
    </form>
  );
}

const crumbsOf = (meshName: string, last: string) => [{ label: "Meshes", to: "/" }, { label: meshName, to: pathOf("meshes", meshName) }, { label: "Policies", to: pathOf("meshes", meshName, "policies") }, { label: last }];

/** `/meshes/{mesh}/policies/new?target=ARN`. */
export function CreatePolicyPage({ meshName }: { meshName: string }) {
  const target = new URLSearchParams(location.search).get("target") ?? "";
  return (
    <>
      <PageHeader title="Create policy" crumbs={crumbsOf(meshName, "Create policy")} description={target ? `On ${targetLabel(target)}.` : undefined} />
      <PolicyForm meshName={meshName} initial={{ targetRef: { arn: target }, spec: {} }} />
    </>
  );
}

/** `/meshes/{mesh}/policies/{name}`: the stored document, editable. */
export function EditPolicyPage({ meshName, policyName }: { meshName: string; policyName: string }) {
  const policy = useAsync((signal) => getPolicy(meshName, policyName, signal), [meshName, policyName]);
  const header = <PageHeader title={`Edit policy ${policyName}`} crumbs={crumbsOf(meshName, policyName)} description={policy.data ? `${policy.data.type} on ${targetLabel(policy.data.targetRef.arn)}, version ${policy.data.metadata.version}.` : undefined} />;
  if (policy.error !== undefined) return <>{header}<ErrorAlert error={policy.error} title={`Reading policy ${policyName} failed`} /></>;
  if (!policy.data) return <>{header}<Loading /></>;
  const { targetRef, spec, tags } = policy.data;
  return (
    <>
      {header}
      <PolicyForm meshName={meshName} policyName={policyName} initial={{ targetRef, spec, ...(tags.length > 0 ? { tags } : {}) }} />
    </>
  );
}
