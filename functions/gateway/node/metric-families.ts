// Prometheus metric families kept without allocation on the request path: a family's series form a tree by label
// value (one level per label, in the family's label order), so recording is a few Map lookups with strings the
// caller already has, and a caller may keep a series to count with no lookup at all. Families export their state
// as plain data (MetricFamilyState) that sums across processes: the gateway's workers report it to the primary,
// which merges and renders it (worker-pool.ts). Any family made through a MetricRegistry takes part.

export type MetricType = "counter" | "gauge" | "histogram";

/**
 * How a family merges across workers: `sum` adds the workers' values (requests, in-flight counts); `max` keeps the
 * largest, for values every worker holds alike (hosts per cluster, accepted config versions, the xDS connection).
 */
export type MetricAggregation = "sum" | "max";

/** Envoy's histogram buckets (milliseconds). */
export const BUCKETS_MS: readonly number[] = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

/** One series of a counter or gauge: a node of its family's label tree. */
export class Series {
  value = 0;
  #children: Map<string, Series> | undefined;

  /** The series one label further down, made on first use. */
  at(labelValue: string): Series {
    const children = (this.#children ??= new Map());
    let child = children.get(labelValue);
    if (child === undefined) children.set(labelValue, (child = new Series()));
    return child;
  }

  /** The series one label further down, if it was ever recorded. */
  find(labelValue: string): Series | undefined {
    return this.#children?.get(labelValue);
  }

  inc(by = 1): void {
    this.value += by;
  }

  set(value: number): void {
    this.value = value;
  }

  /** @internal leaves at `depth` levels below, with their label values */
  collect(depth: number, path: string[], out: [string[], number][]): void {
    if (depth === 0) {
      out.push([[...path], this.value]);
      return;
    }
    if (!this.#children) return;
    for (const [value, child] of this.#children) {
      path.push(value);
      child.collect(depth - 1, path, out);
      path.pop();
    }
  }
}

/** One histogram series: counts per bucket (not cumulative: cumulated when rendered), sum and count. */
export class HistogramSeries {
  readonly counts = new Float64Array(BUCKETS_MS.length + 1);
  sum = 0;
  count = 0;
  #children: Map<string, HistogramSeries> | undefined;

  at(labelValue: string): HistogramSeries {
    const children = (this.#children ??= new Map());
    let child = children.get(labelValue);
    if (child === undefined) children.set(labelValue, (child = new HistogramSeries()));
    return child;
  }

  observe(valueMs: number): void {
    let bucket = 0;
    while (bucket < BUCKETS_MS.length && valueMs > BUCKETS_MS[bucket]!) bucket++;
    this.counts[bucket]!++;
    this.sum += valueMs;
    this.count++;
  }

  /** @internal */
  collect(depth: number, path: string[], out: [string[], HistogramState][]): void {
    if (depth === 0) {
      if (this.count > 0) out.push([[...path], { counts: [...this.counts], sum: this.sum, count: this.count }]);
      return;
    }
    if (!this.#children) return;
    for (const [value, child] of this.#children) {
      path.push(value);
      child.collect(depth - 1, path, out);
      path.pop();
    }
  }
}

export interface HistogramState {
  /** Per bucket of BUCKETS_MS, then +Inf; not cumulative. */
  counts: number[];
  sum: number;
  count: number;
}

/** A family's state as plain data (structured-clone and JSON safe). */
export interface MetricFamilyState {
  name: string;
  help: string;
  type: MetricType;
  aggregation: MetricAggregation;
  labelNames: readonly string[];
  /** Label values (in labelNames order) and value. */
  series: [string[], number | HistogramState][];
}

interface Family {
  state(): MetricFamilyState;
}

export class CounterFamily implements Family {
  /** The root series: with no labels, the family's only series; else `root.at(v1).at(v2)…`. */
  readonly root = new Series();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly type: "counter" | "gauge" = "counter",
    readonly aggregation: MetricAggregation = "sum",
  ) {}

  /** The series for `labels` (by name; missing ones are ""). The request path uses `root.at(…)`, which allocates nothing. */
  series(labels: Readonly<Record<string, string>> = {}): Series {
    let series = this.root;
    for (const name of this.labelNames) series = series.at(labels[name] ?? "");
    return series;
  }

  /** A series' value by its labels (0 when never recorded; reading records nothing). */
  get(labels: Readonly<Record<string, string>> = {}): number {
    let series: Series | undefined = this.root;
    for (const name of this.labelNames) series = series?.find(labels[name] ?? "");
    return series?.value ?? 0;
  }

  state(): MetricFamilyState {
    const series: [string[], number][] = [];
    this.root.collect(this.labelNames.length, [], series);
    return { name: this.name, help: this.help, type: this.type, aggregation: this.aggregation, labelNames: this.labelNames, series };
  }
}

export class HistogramFamily implements Family {
  readonly root = new HistogramSeries();
  readonly aggregation = "sum";
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  state(): MetricFamilyState {
    const series: [string[], HistogramState][] = [];
    this.root.collect(this.labelNames.length, [], series);
    return { name: this.name, help: this.help, type: "histogram", aggregation: "sum", labelNames: this.labelNames, series };
  }
}

/** Families in registration order; what a process exports. */
export class MetricRegistry {
  readonly #families: Family[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = [], aggregation: MetricAggregation = "sum"): CounterFamily {
    return this.#add(new CounterFamily(name, help, labelNames, "counter", aggregation));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = [], aggregation: MetricAggregation = "max"): CounterFamily {
    return this.#add(new CounterFamily(name, help, labelNames, "gauge", aggregation));
  }

  histogram(name: string, help: string, labelNames: readonly string[] = []): HistogramFamily {
    return this.#add(new HistogramFamily(name, help, labelNames));
  }

  #add<F extends Family>(family: F): F {
    this.#families.push(family);
    return family;
  }

  state(): MetricFamilyState[] {
    return this.#families.map((family) => family.state());
  }
}

/** Merges the families of several processes (same names: series summed or maxed by the family's aggregation). */
export function mergeMetricStates(processes: readonly (readonly MetricFamilyState[])[]): MetricFamilyState[] {
  const merged = new Map<string, { family: MetricFamilyState; byKey: Map<string, [string[], number | HistogramState]> }>();
  for (const families of processes) {
    for (const family of families) {
      let entry = merged.get(family.name);
      if (!entry) merged.set(family.name, (entry = { family: { ...family, series: [] }, byKey: new Map() }));
      for (const [values, value] of family.series) {
        const key = values.join("\u0000");
        const existing = entry.byKey.get(key);
        if (!existing) {
          entry.byKey.set(key, [values, typeof value === "number" ? value : { counts: [...value.counts], sum: value.sum, count: value.count }]);
        } else if (typeof value === "number") {
          existing[1] = family.aggregation === "max" ? Math.max(existing[1] as number, value) : (existing[1] as number) + value;
        } else {
          const into = existing[1] as HistogramState;
          value.counts.forEach((count, i) => (into.counts[i]! += count));
          into.sum += value.sum;
          into.count += value.count;
        }
      }
    }
  }
  return [...merged.values()].map(({ family, byKey }) => ({ ...family, series: [...byKey.values()] }));
}

const escapeValue = (value: string): string => (/[\\"\n]/.test(value) ? value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : value);

function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  const parts = names.map((name, i) => `${name}="${escapeValue(values[i]!)}"`);
  if (extra) parts.push(extra);
  return parts.length > 0 ? `{${parts.join(",")}}` : "";
}

/** The Prometheus text exposition (version 0.0.4) of `families`. */
export function renderMetricStates(families: readonly MetricFamilyState[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
    for (const [values, value] of family.series) {
      if (typeof value === "number") {
        lines.push(`${family.name}${labelText(family.labelNames, values)} ${value}`);
        continue;
      }
      let cumulative = 0;
      BUCKETS_MS.forEach((bound, i) => {
        cumulative += value.counts[i]!;
        lines.push(`${family.name}_bucket${labelText(family.labelNames, values, `le="${bound}"`)} ${cumulative}`);
      });
      lines.push(`${family.name}_bucket${labelText(family.labelNames, values, 'le="+Inf"')} ${value.count}`);
      lines.push(`${family.name}_sum${labelText(family.labelNames, values)} ${value.sum}`);
      lines.push(`${family.name}_count${labelText(family.labelNames, values)} ${value.count}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
