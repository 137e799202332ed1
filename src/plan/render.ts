/**
 * A plan as markdown: the headline, one table row per resource, then one folded diff per resource — the largest
 * diffs are dropped first when the document must fit a limit; the headline and the table always stay. Pure.
 */
import { cap, cell, table, text } from '../report/markdown.js'
import { planHeadline, type Plan, type PlanEntry } from './changes.js'

const ACTION_WORDS: Record<PlanEntry['action'], string> = {
  add: '➕ add',
  change: '✏️ change',
  destroy: '➖ destroy',
  unchanged: 'unchanged'
}

/** A fence longer than any run of backticks in the text, so nothing in a diff can close the block. */
function fenced(body: string, info: string): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map(m => m[0].length))
  const fence = '`'.repeat(longest + 1)
  return `${fence}${info}\n${body}\n${fence}`
}

function resourceName(e: PlanEntry): string {
  return `${e.kind}/${e.name}${e.namespace ? ` (${e.namespace})` : ''}`
}

function secretKeysLine(e: PlanEntry): string | undefined {
  const keys = e.secretKeys
  if (!keys) return undefined
  const parts = [
    keys.added.length ? `added ${keys.added.map(k => `\`${k}\``).join(', ')}` : '',
    keys.removed.length ? `removed ${keys.removed.map(k => `\`${k}\``).join(', ')}` : '',
    keys.changed.length ? `changed ${keys.changed.map(k => `\`${k}\``).join(', ')}` : ''
  ].filter(Boolean)
  return parts.length ? `Secret keys: ${parts.join('; ')} (values are never shown).` : undefined
}

/** One resource's details block; its size decides what is folded first. */
export function resourceBlock(e: PlanEntry, maxDiffChars: number): string {
  const parts = [`<details><summary>${text(`${ACTION_WORDS[e.action]} ${resourceName(e)}`)}</summary>`, '']
  const keys = secretKeysLine(e)
  if (keys)
    parts.push(
      keys.replace(/`([^`]*)`/g, (_m, k: string) => `<code>${text(k)}</code>`),
      ''
    )
  if (e.diff) parts.push(fenced(cap(e.diff, maxDiffChars), 'diff'), '')
  if (e.noise) {
    parts.push('<details><summary>noise: helm bookkeeping that changes on every release</summary>', '')
    parts.push(fenced(cap(e.noise, maxDiffChars), 'diff'), '', '</details>', '')
  }
  if (!e.diff && !e.noise && !keys)
    parts.push(e.action === 'destroy' ? '_Removed from the release._' : '_No field to show._', '')
  parts.push('</details>')
  return parts.join('\n')
}

export interface PlanRenderOptions {
  /** Whether a candidate document fits (characters for a comment, bytes for a summary). */
  fits: (markdown: string) => boolean
  /** Text around the plan, counted against the limit: the document is `before + plan + after`. */
  before: string
  after: string
}

function planTable(plan: Plan): string {
  const rows = plan.entries.map(e => [
    text(ACTION_WORDS[e.action]),
    cell(e.kind, 100),
    cell(e.name, 200),
    e.namespace ? cell(e.namespace, 100) : '–'
  ])
  return rows.length === 0 ? '_No changes._' : table(['Action', 'Kind', 'Name', 'Namespace'], rows)
}

function extras(plan: Plan): string[] {
  const out: string[] = []
  if (plan.hooks.length > 0) {
    const rows = plan.hooks.map(h => [cell(h.kind, 100), cell(h.name, 200), cell(h.events.join(', '), 200)])
    out.push(`#### Hooks (run by helm, not counted)\n\n${table(['Kind', 'Name', 'Events'], rows)}`)
  }
  if (plan.crds.length > 0) {
    out.push(
      `#### CRDs helm would install (it never upgrades them)\n\n${plan.crds.map(c => `- ${text(c)}`).join('\n')}`
    )
  }
  if (plan.rendering === 'client') {
    out.push(
      '> [!WARNING]\n> Rendered client-side: the API server could not dry-run it, so nothing here was validated by the cluster.'
    )
  }
  return out
}

/** The plan section: headline, table, hooks and CRDs, and as many diffs as fit (largest folded first). */
export function renderPlan(plan: Plan, options: PlanRenderOptions): string {
  const head = [
    `**${text(planHeadline(plan))}**${plan.unchanged > 0 ? ` (${plan.unchanged} unchanged)` : ''}`,
    planTable(plan),
    ...extras(plan)
  ]
  const compose = (blocks: string[], note: string): string =>
    [...head, ...(blocks.length > 0 ? ['#### Changes', ...blocks] : []), ...(note ? [note] : [])].join('\n\n')
  let blocks = plan.entries.map(e => ({ entry: e, text: resourceBlock(e, 60_000) }))
  let dropped = 0
  for (;;) {
    const note =
      dropped > 0
        ? `_${dropped} diff${dropped === 1 ? '' : 's'} folded away to fit; the plan file has all of them._`
        : ''
    const body = compose(
      blocks.map(b => b.text),
      note
    )
    if (options.fits(`${options.before}${body}${options.after}`) || blocks.length === 0) return body
    const largest = blocks.reduce((a, b) => (b.text.length > a.text.length ? b : a))
    blocks = blocks.filter(b => b !== largest)
    dropped++
  }
}
