// The endpoint registry (meshplane's stand-in for AWS Cloud Map, /v1/endpoints): the instances virtual nodes with
// awsCloudMap service discovery are sent, with Register and Deregister.
import { useState } from "preact/hooks";
import type { EndpointInstance } from "../../../appmesh/index.js";
import { errorText, request } from "../api/http.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { DataTable } from "../components/data-table.js";
import { KeyValueList, type KeyValue } from "../components/key-value-list.js";
import { Alert, ErrorAlert, Loading, PageHeader, Section } from "../components/page.js";
import { useAsync } from "../components/use-async.js";

/** What GET /v1/endpoints lists. */
type Instance = EndpointInstance;

const pathFor = (instance: Pick<Instance, "namespaceName" | "serviceName" | "instanceId">) =>
  `/v1/endpoints/${[instance.namespaceName, instance.serviceName, instance.instanceId].map(encodeURIComponent).join("/")}`;

const HEALTH = ["HEALTHY", "UNHEALTHY", "UNKNOWN"];

function RegisterForm({ onRegistered }: { onRegistered(): void }) {
  const empty = { namespaceName: "", serviceName: "", instanceId: "", address: "", port: "", health: "HEALTHY" };
  const [form, setForm] = useState(empty);
  const [attributes, setAttributes] = useState<KeyValue[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const text = (name: keyof typeof empty, label: string, type = "text") => (
    <div class="field">
      <label for={`endpoint-${name}`}>{label}</label>
      <input id={`endpoint-${name}`} type={type} spellcheck={false} autoComplete="off" value={form[name]} onInput={(event) => setForm({ ...form, [name]: event.currentTarget.value })} />
    </div>
  );
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await request("PUT", pathFor(form), {
        body: { address: form.address, port: form.port === "" ? undefined : Number(form.port), health: form.health, attributes: Object.fromEntries(attributes.filter((a) => a.key !== "").map((a) => [a.key, a.value])) },
      });
      setForm(empty);
      setAttributes([]);
      onRegistered();
    } catch (caught) {
      setError(errorText(caught));
    }
    setBusy(false);
  };
  return (
    <form onSubmit={submit} noValidate>
      {error && <Alert title="The instance was not registered">{error}</Alert>}
      <div class="form-grid">
        {text("namespaceName", "Namespace name")}
        {text("serviceName", "Service name")}
        {text("instanceId", "Instance ID")}
        {text("address", "Address")}
        {text("port", "Port", "number")}
        <div class="field">
          <label for="endpoint-health">Health</label>
          <select id="endpoint-health" value={form.health} onChange={(event) => setForm({ ...form, health: event.currentTarget.value })}>
            {HEALTH.map((health) => (
              <option value={health}>{health}</option>
            ))}
          </select>
        </div>
      </div>
      <KeyValueList legend="Attributes" item="attribute" keyWord="key" idPrefix="attribute" entries={attributes} onChange={setAttributes} />
      <div class="form-actions">
        <button type="submit" class="button-primary" disabled={busy}>
          Register instance
        </button>
      </div>
    </form>
  );
}

export function EndpointsPage() {
  const instances = useAsync((signal) => request<{ instances: Instance[] }>("GET", "/v1/endpoints", { signal }).then((answer) => answer.instances), []);
  const [removing, setRemoving] = useState<Instance | null>(null);
  return (
    <>
      <PageHeader title="Endpoint registry" crumbs={[{ label: "Endpoint registry" }]} description="Instances registered here are what virtual nodes with AWS Cloud Map service discovery are sent, matched by namespace, service and attributes." />
      {removing && (
        <ConfirmDialog
          title={`Deregister ${removing.instanceId}?`}
          confirmLabel="Deregister"
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await request("DELETE", pathFor(removing));
            instances.reload();
          }}
        >
          <p>{`Envoys stop sending traffic for ${removing.namespaceName}/${removing.serviceName} to ${removing.address}:${removing.port}.`}</p>
        </ConfirmDialog>
      )}
      <Section title="Registered instances">
        {instances.error !== undefined ? (
          <ErrorAlert error={instances.error} title="Listing the registry failed" />
        ) : !instances.data ? (
          <Loading />
        ) : (
          <DataTable<Instance>
            caption="Registered instances"
            rowKey={(instance) => pathFor(instance)}
            rows={instances.data}
            empty="No instances are registered."
            columns={[
              { header: "Instance ID", cell: (instance) => <span class="mono">{instance.instanceId}</span> },
              { header: "Namespace", cell: (instance) => instance.namespaceName },
              { header: "Service", cell: (instance) => instance.serviceName },
              { header: "Address", cell: (instance) => <span class="mono">{`${instance.address}:${instance.port}`}</span> },
              { header: "Health", cell: (instance) => <span class={`badge ${instance.health === "HEALTHY" ? "badge-ok" : "badge-bad"}`}>{instance.health}</span> },
              { header: "Attributes", cell: (instance) => Object.entries(instance.attributes ?? {}).map(([key, value]) => `${key}=${value}`).join(", ") || "—" },
              {
                header: "Actions",
                cell: (instance) => (
                  <button type="button" class="button-link" onClick={() => setRemoving(instance)}>
                    {`Deregister ${instance.instanceId}`}
                  </button>
                ),
              },
            ]}
          />
        )}
      </Section>
      <Section title="Register an instance">
        <RegisterForm onRegistered={instances.reload} />
      </Section>
    </>
  );
}
