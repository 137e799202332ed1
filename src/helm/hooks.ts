/**
 * A release's hooks as helm records them, read with `helm get all --template` (both majors expose the release to the
 * template; `helm test` itself has no structured output). Pure.
 */

/** One hook of a release: the object, its events, and helm's record of its last run. */
export interface ReleaseHook {
  kind: string
  name: string
  /** helm's parsed events (`test-success` is already `test`). */
  events: string[]
  weight: number
  /** `Succeeded`, `Failed`, `Running` (helm was stopped mid-run), `Unknown`; empty when it never ran. */
  phase: string
  /** Epoch ms, helm's clock; absent when it never ran (or did not complete). */
  startedAt?: number
  completedAt?: number
}

/**
 * One tab-separated line per hook: kind, name, events (comma-terminated), weight, phase, started and completed
 * (epoch ms, empty for Go's zero time). Names cannot contain tabs or newlines (DNS-1123).
 */
export const HOOKS_TEMPLATE = [
  '{{range .Release.Hooks}}',
  '{{.Kind}}\t{{.Name}}\t{{range .Events}}{{.}},{{end}}\t{{.Weight}}\t{{.LastRun.Phase}}\t',
  '{{if not .LastRun.StartedAt.IsZero}}{{.LastRun.StartedAt.UnixMilli}}{{end}}\t',
  '{{if not .LastRun.CompletedAt.IsZero}}{{.LastRun.CompletedAt.UnixMilli}}{{end}}',
  '{{"\\n"}}{{end}}'
].join('')

export const TEST_EVENT = 'test'

export function parseHooks(stdout: string): ReleaseHook[] {
  const hooks: ReleaseHook[] = []
  for (const line of stdout.split('\n')) {
    const fields = line.replace(/\r$/, '').split('\t')
    if (fields.length !== 7) continue
    const [kind = '', name = '', events = '', weight = '', phase = '', started = '', completed = ''] = fields
    if (kind === '' || name === '') continue
    const hook: ReleaseHook = {
      kind,
      name,
      events: events.split(',').filter(Boolean),
      weight: Number.parseInt(weight, 10) || 0,
      phase
    }
    const startedAt = epoch(started)
    const completedAt = epoch(completed)
    if (startedAt !== undefined) hook.startedAt = startedAt
    if (completedAt !== undefined) hook.completedAt = completedAt
    hooks.push(hook)
  }
  return hooks
}

function epoch(value: string): number | undefined {
  const n = Number(value)
  return value !== '' && Number.isFinite(n) && n > 0 ? n : undefined
}

/** The release's test hooks in the order helm runs them: by weight, then name. */
export function testHooks(hooks: readonly ReleaseHook[]): ReleaseHook[] {
  return hooks
    .filter(h => h.events.includes(TEST_EVENT))
    .sort((a, b) => a.weight - b.weight || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}
