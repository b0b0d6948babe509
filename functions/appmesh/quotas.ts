// App Mesh's documented default service quotas, each overridable by configuration
// (`MESHPLANE_QUOTA_<NAME>` on Node, a Worker var of the same name): e.g. MESHPLANE_QUOTA_MESHES=50.

export const defaultQuotas = {
  meshes: 15,
  virtualNodesPerMesh: 200,
  virtualServicesPerMesh: 200,
  virtualRoutersPerMesh: 200,
  routesPerVirtualRouter: 50,
  virtualGatewaysPerMesh: 3,
  gatewayRoutesPerVirtualGateway: 10,
  backendsPerVirtualNode: 50,
  weightedTargetsPerRoute: 10,
  /** meshplane's own policies (docs/policies/README.md); App Mesh had none. */
  policiesPerMesh: 1000,
} as const;

export type QuotaName = keyof typeof defaultQuotas;
export type Quotas = Record<QuotaName, number>;

/** `meshes` → `MESHPLANE_QUOTA_MESHES`, `virtualNodesPerMesh` → `MESHPLANE_QUOTA_VIRTUAL_NODES_PER_MESH`. */
export function quotaVariable(name: QuotaName): string {
  return `MESHPLANE_QUOTA_${name.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
}

/** Quotas from an environment-like record; invalid overrides are rejected loudly at start. */
export function quotasFromEnv(env: Record<string, string | undefined>): Quotas {
  const quotas: Quotas = { ...defaultQuotas };
  for (const name of Object.keys(defaultQuotas) as QuotaName[]) {
    const raw = env[quotaVariable(name)];
    if (raw === undefined || raw === "") continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${quotaVariable(name)} must be a non-negative integer, got "${raw}"`);
    quotas[name] = value;
  }
  return quotas;
}
