// The get-started wizard of App Mesh's guide: mesh and virtual service → virtual node → virtual router and route
// → review (each section editable) → create, with a status screen of what was created and a way to the mesh.
// Its fields are the model-driven fields of the resource forms (same labels, bounds and choices).
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { callOperation } from "../api/appmesh.js";
import { errorText } from "../api/http.js";
import { Alert, PageHeader } from "../components/page.js";
import { FormContext, type FormContextValue } from "../forms/form-context.js";
import { ShapeField } from "../forms/shape-field.js";
import { exclusiveGroups } from "../model/shapes.js";
import { labelFor } from "../model/labels.js";
import { SpecView } from "../components/spec-view.js";
import { navigate, pathOf } from "../router.js";

interface WizardState {
  meshName: string;
  virtualServiceName: string;
  virtualNodeName: string;
  serviceDiscovery: unknown;
  nodePortMapping: unknown;
  virtualRouterName: string;
  routerPortMapping: unknown;
  routeName: string;
  routeType: string;
  prefix: string;
  weightedTargets: unknown;
}

const initialState: WizardState = {
  meshName: "",
  virtualServiceName: "",
  virtualNodeName: "",
  serviceDiscovery: { dns: { hostname: "" } },
  nodePortMapping: { protocol: "http", port: 80 },
  virtualRouterName: "",
  routerPortMapping: { protocol: "http", port: 80 },
  routeName: "",
  routeType: "httpRoute",
  prefix: "/",
  weightedTargets: [{ virtualNode: "", weight: 100 }],
};

const steps = ["Mesh and virtual service", "Virtual node", "Virtual router and route", "Review"] as const;

/** One call of the Create step: what it creates, and the operation input. */
interface Creation {
  title: string;
  operation: string;
  input: Record<string, unknown>;
}

function creationsOf(state: WizardState): Creation[] {
  const meshName = state.meshName.trim();
  const routeBody: Record<string, unknown> = { action: { weightedTargets: state.weightedTargets } };
  if (state.routeType === "httpRoute" || state.routeType === "http2Route") routeBody.match = { prefix: state.prefix };
  if (state.routeType === "grpcRoute") routeBody.match = {};
  return [
    { title: `Mesh ${meshName}`, operation: "CreateMesh", input: { meshName } },
    {
      title: `Virtual node ${state.virtualNodeName}`,
      operation: "CreateVirtualNode",
      input: { meshName, virtualNodeName: state.virtualNodeName, spec: { ...(state.serviceDiscovery ? { serviceDiscovery: state.serviceDiscovery } : {}), listeners: [{ portMapping: state.nodePortMapping }] } },
    },
    { title: `Virtual router ${state.virtualRouterName}`, operation: "CreateVirtualRouter", input: { meshName, virtualRouterName: state.virtualRouterName, spec: { listeners: [{ portMapping: state.routerPortMapping }] } } },
    { title: `Route ${state.routeName}`, operation: "CreateRoute", input: { meshName, virtualRouterName: state.virtualRouterName, routeName: state.routeName, spec: { [state.routeType]: routeBody } } },
    {
      title: `Virtual service ${state.virtualServiceName}`,
      operation: "CreateVirtualService",
      input: { meshName, virtualServiceName: state.virtualServiceName, spec: { provider: { virtualRouter: { virtualRouterName: state.virtualRouterName } } } },
    },
  ];
}

/** What each step needs before Next, in the words of the field. */
function missingIn(step: number, state: WizardState): string[] {
  const required: Array<[string, string]> =
    step === 0
      ? [["Mesh name", state.meshName], ["Virtual service name", state.virtualServiceName]]
      : step === 1
        ? [["Virtual node name", state.virtualNodeName]]
        : step === 2
          ? [["Virtual router name", state.virtualRouterName], ["Route name", state.routeName]]
          : [];
  return required.filter(([, value]) => value.trim() === "").map(([label]) => `${label} is required.`);
}

function TextInput({ id, label, value, onInput, hint }: { id: string; label: string; value: string; onInput(value: string): void; hint?: string }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type="text" autoComplete="off" spellcheck={false} value={value} onInput={(event) => onInput(event.currentTarget.value)} aria-describedby={hint ? `${id}-hint` : undefined} />
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

function Stepper({ current }: { current: number }) {
  return (
    <ol class="stepper" aria-label="Steps">
      {steps.map((title, index) => (
        <li class={index === current ? "current" : index < current ? "done" : undefined} aria-current={index === current ? "step" : undefined}>
          <span class="step-number">{index + 1}</span>
          <span>{title}</span>
        </li>
      ))}
    </ol>
  );
}

type Status = { state: "waiting" | "creating" | "created" | "skipped" } | { state: "failed"; message: string };

export function WizardPage() {
  const [state, setState] = useState<WizardState>(initialState);
  const [step, setStep] = useState(0);
  const [problems, setProblems] = useState<string[]>([]);
  const [statuses, setStatuses] = useState<Status[] | null>(null);
  const [created, setCreated] = useState<Set<string>>(new Set());
  const update = (patch: Partial<WizardState>) => setState({ ...state, ...patch });
  const context: FormContextValue = { error: null, register: () => undefined, references: { virtualNode: state.virtualNodeName ? [state.virtualNodeName] : [] } };
  const field = (shape: string, member: keyof WizardState, label: string) => (
    <ShapeField shape={shape} path={[member]} value={state[member]} onChange={(value) => update({ [member]: value } as Partial<WizardState>)} label={label} required memberKey={`Wizard.${member}`} />
  );

  const next = () => {
    const missing = missingIn(step, state);
    setProblems(missing);
    if (missing.length > 0) return;
    if (step === 1 && Array.isArray(state.weightedTargets) && (state.weightedTargets as Array<{ virtualNode: string }>).every((t) => t.virtualNode === "")) {
      update({ weightedTargets: (state.weightedTargets as Array<{ virtualNode: string; weight: number }>).map((t) => ({ ...t, virtualNode: state.virtualNodeName })) });
    }
    setStep(step + 1);
  };

  const create = async () => {
    const creations = creationsOf(state);
    const progress: Status[] = creations.map((creation) => ({ state: created.has(creation.title) ? "skipped" : "waiting" }));
    setStatuses([...progress]);
    const done = new Set(created);
    for (const [index, creation] of creations.entries()) {
      if (done.has(creation.title)) continue;
      progress[index] = { state: "creating" };
      setStatuses([...progress]);
      try {
        await callOperation(creation.operation, { ...creation.input, clientToken: crypto.randomUUID() });
        done.add(creation.title);
        progress[index] = { state: "created" };
      } catch (error) {
        progress[index] = { state: "failed", message: errorText(error) };
        setStatuses([...progress]);
        setCreated(done);
        return;
      }
      setStatuses([...progress]);
    }
    setCreated(done);
  };

  const section = (index: number, title: string, children: ComponentChildren) => (
    <section class="card review" aria-labelledby={`review-${index}`}>
      <div class="card-header">
        <h2 id={`review-${index}`}>{title}</h2>
        <div class="actions">
          <button type="button" class="button-secondary" onClick={() => { setStatuses(null); setStep(index); }} aria-label={`Edit ${title.toLowerCase()}`}>
            Edit
          </button>
        </div>
      </div>
      <div class="card-body">{children}</div>
    </section>
  );

  if (statuses) {
    const finished = statuses.every((status) => status.state === "created" || status.state === "skipped");
    const failed = statuses.some((status) => status.state === "failed");
    return (
      <>
        <PageHeader title="Get started" crumbs={[{ label: "Meshes", to: "/" }, { label: "Get started" }]} />
        <section class="card" aria-labelledby="status-heading">
          <div class="card-header">
            <h2 id="status-heading">Status</h2>
          </div>
          <ul class="status-list">
            {creationsOf(state).map((creation, index) => {
              const status = statuses[index]!;
              return (
                <li class={`status-${status.state}`}>
                  <span class="status-icon" aria-hidden="true" />
                  <span>{creation.title}</span>
                  <span class="status-text">{status.state === "skipped" ? "created" : status.state}</span>
                  {status.state === "failed" && <p class="field-error">{status.message}</p>}
                </li>
              );
            })}
          </ul>
          <div class="form-actions">
            {failed && (
              <button type="button" class="button-secondary" onClick={() => setStatuses(null)}>
                Back to review
              </button>
            )}
            {finished && (
              <button type="button" class="button-primary" onClick={() => navigate(pathOf("meshes", state.meshName.trim()))}>
                View mesh
              </button>
            )}
          </div>
        </section>
      </>
    );
  }

  return (
    <>
      <PageHeader title="Get started" crumbs={[{ label: "Meshes", to: "/" }, { label: "Get started" }]} description="Create a mesh with a virtual service, the virtual node behind it, and a virtual router with a route, as in App Mesh's getting-started guide." />
      <Stepper current={step} />
      <form
        class="card wizard"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (step < 3) next();
          else void create();
        }}
      >
        <h2>{steps[step]}</h2>
        {problems.length > 0 && (
          <Alert title="Some fields are missing">
            <ul>
              {problems.map((problem) => (
                <li>{problem}</li>
              ))}
            </ul>
          </Alert>
        )}
        <FormContext.Provider value={context}>
          {step === 0 && (
            <>
              <TextInput id="wizard-mesh-name" label="Mesh name" value={state.meshName} onInput={(meshName) => update({ meshName })} hint="A logical boundary for the traffic between its services." />
              <TextInput id="wizard-virtual-service-name" label="Virtual service name" value={state.virtualServiceName} onInput={(virtualServiceName) => update({ virtualServiceName })} hint="The name your code calls, e.g. serviceb.apps.local." />
            </>
          )}
          {step === 1 && (
            <>
              <TextInput id="wizard-virtual-node-name" label="Virtual node name" value={state.virtualNodeName} onInput={(virtualNodeName) => update({ virtualNodeName })} />
              {field("ServiceDiscovery", "serviceDiscovery", labelFor("VirtualNodeSpec", "serviceDiscovery"))}
              {field("PortMapping", "nodePortMapping", "Listener configuration")}
            </>
          )}
          {step === 2 && (
            <>
              <TextInput id="wizard-virtual-router-name" label="Virtual router name" value={state.virtualRouterName} onInput={(virtualRouterName) => update({ virtualRouterName })} />
              {field("PortMapping", "routerPortMapping", "Listener configuration")}
              <TextInput id="wizard-route-name" label="Route name" value={state.routeName} onInput={(routeName) => update({ routeName })} />
              <div class="field">
                <label for="wizard-route-type">Route type</label>
                <select id="wizard-route-type" value={state.routeType} onChange={(event) => update({ routeType: event.currentTarget.value })}>
                  {exclusiveGroups.RouteSpec!.members.map((member) => (
                    <option value={member}>{labelFor("RouteSpec", member).replace(/ route$/, "")}</option>
                  ))}
                </select>
              </div>
              {(state.routeType === "httpRoute" || state.routeType === "http2Route") && <TextInput id="wizard-prefix" label="Prefix" value={state.prefix} onInput={(prefix) => update({ prefix })} hint="Requests whose path starts with this match the route." />}
              {field("WeightedTargets", "weightedTargets", "Targets")}
            </>
          )}
        </FormContext.Provider>
        {step === 3 && (
          <>
            {section(0, "Mesh and virtual service", <dl class="metadata"><div><dt>Mesh name</dt><dd>{state.meshName}</dd></div><div><dt>Virtual service name</dt><dd>{state.virtualServiceName}</dd></div></dl>)}
            {section(1, "Virtual node", <><p class="review-name">{state.virtualNodeName}</p><SpecView shape="VirtualNodeSpec" value={creationsOf(state)[1]!.input.spec} /></>)}
            {section(2, "Virtual router and route", <><p class="review-name">{`${state.virtualRouterName} / ${state.routeName}`}</p><SpecView shape="VirtualRouterSpec" value={creationsOf(state)[2]!.input.spec} /><SpecView shape="RouteSpec" value={creationsOf(state)[3]!.input.spec} /></>)}
          </>
        )}
        <div class="form-actions">
          {step > 0 && (
            <button type="button" class="button-secondary" onClick={() => { setProblems([]); setStep(step - 1); }}>
              Previous
            </button>
          )}
          <button type="submit" class="button-primary">
            {step < 3 ? "Next" : "Create mesh"}
          </button>
        </div>
      </form>
    </>
  );
}
