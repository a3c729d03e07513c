// The needs/ graph of a scan directory (start order by readiness, issue 9). Pure: fed each
// service's needs (by name) and which services exist, it answers what is missing, which
// services close a cycle, and whom each service waits for when everything stops.

/** Service name -> the names of the services it needs. */
export type NeedsGraph = ReadonlyMap<string, readonly string[]>;

/** The needs of NAME that are no service of the scan directory, in the order listed. */
export function missingNeeds(graph: NeedsGraph, name: string, present: (name: string) => boolean): string[] {
  return (graph.get(name) ?? []).filter((n) => !present(n));
}

/**
 * A cycle of needs through NAME, as the names along it starting from the smallest (so every
 * member finds the same one: `[a, b]` for a -> b -> a), or undefined. Depth-first, each node
 * visited once: linear in the graph.
 */
export function cycleThrough(graph: NeedsGraph, name: string): string[] | undefined {
  const seen = new Set<string>();
  const path: string[] = [];
  const walk = (at: string): boolean => {
    for (const next of graph.get(at) ?? []) {
      if (next === name) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      path.push(next);
      if (walk(next)) return true;
      path.pop();
    }
    return false;
  };
  if (!walk(name)) return undefined;
  const cycle = [name, ...path];
  const first = cycle.indexOf([...cycle].sort()[0] ?? name);
  return [...cycle.slice(first), ...cycle.slice(0, first)];
}

/** "a -> b -> a": a cycle as a warning shows it. */
export function cycleText(cycle: readonly string[]): string {
  return [...cycle, cycle[0] ?? ''].join(' -> ');
}

/**
 * For a stop of everything: whom each of NAMES waits for before it is brought down, namely its
 * dependants among NAMES (the services that need it), so the stop runs in reverse start
 * order. An edge that would close a cycle is left out, so no service waits on itself; services
 * with no needs relations wait for nobody and all stop at once.
 */
export function stopAfter(graph: NeedsGraph, names: readonly string[]): Map<string, string[]> {
  const among = new Set(names);
  const dependants = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const n of names) {
    for (const need of new Set(graph.get(n) ?? [])) {
      if (need !== n && among.has(need)) dependants.get(need)?.push(n);
    }
  }
  // Depth-first over "waits for": an edge to a service still on the path closes a cycle.
  const state = new Map<string, 'walking' | 'done'>();
  const kept = new Map<string, string[]>();
  const walk = (n: string): void => {
    state.set(n, 'walking');
    const waits: string[] = [];
    for (const d of dependants.get(n) ?? []) {
      const s = state.get(d);
      if (s === 'walking') continue;
      if (s === undefined) walk(d);
      waits.push(d);
    }
    kept.set(n, waits);
    state.set(n, 'done');
  };
  for (const n of [...names].sort()) if (!state.has(n)) walk(n);
  return kept;
}
