/** Checks of a rendered report's first screen, as GitHub renders it (GFM, via marked). */
import { marked, type Token, type Tokens } from 'marked'
import { expect } from 'vitest'

/** Each table's header width and the cell count of each raw row (`|` in cells is written as &#124;). */
export function tableShapes(markdown: string): { header: number; rows: number[] }[] {
  const out: { header: number; rows: number[] }[] = []
  const tokens: Token[] = marked.lexer(markdown, { gfm: true })
  void marked.walkTokens(tokens, token => {
    if (token.type !== 'table') return
    const t = token as Tokens.Table
    const rawRows = t.raw
      .trim()
      .split('\n')
      .filter((_, i) => i !== 1)
    out.push({ header: t.header.length, rows: rawRows.map(row => row.split('|').length - 2) })
  })
  return out
}

/** The Why block is the first content after the heading; `evidence` and `hint` come before any table. */
export function expectFirstScreen(markdown: string, expected: { evidence: string; hint: string }): void {
  const tokens = marked
    .lexer(markdown, { gfm: true })
    .filter(t => t.type !== 'space' && !(t.type === 'html' && t.raw.trim().startsWith('<!--')))
  expect(tokens[0]?.type).toBe('heading')
  expect(tokens[1]?.type).toBe('paragraph')
  expect(tokens[1]?.raw).toMatch(/^\*\*Why:\*\* /)
  const firstTable = markdown.indexOf('\n| ')
  expect(firstTable).toBeGreaterThan(0)
  const before = markdown.slice(0, firstTable)
  expect(before).toContain(expected.evidence)
  expect(before).toContain(`**What to do:** ${expected.hint}`)
  for (const shape of tableShapes(markdown)) for (const row of shape.rows) expect(row).toBe(shape.header)
}

/** The part above the first table, with what varies between runs (hashes, durations, counts) replaced. */
export function firstScreen(markdown: string): string {
  const end = markdown.indexOf('\n| ')
  return (
    (end < 0 ? markdown : markdown.slice(0, end))
      .split('\n')
      .filter(line => !line.startsWith('<!--'))
      .map(line => (line.startsWith('**Timeline:**') ? '**Timeline:** <varies>' : line))
      .join('\n')
      // A pod-template-hash has a digit; words such as `controller` do not.
      .replace(/\b([a-z][a-z0-9-]*?)-(?=[a-z]*\d)[a-z0-9]{8,10}-[a-z0-9]{5}\b/g, '$1-<pod>')
      .replace(/\b([a-z][a-z0-9-]*?-migrate)-[a-z0-9]{5}\b/g, '$1-<pod>')
      .replace(/\b([a-z][a-z0-9-]*?)-(?=[a-z]*\d)[a-z0-9]{8,10}\b(?=[ :,)&])/g, '$1-<rs>')
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
      .replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/g, '<ip>')
      .replace(/\b\d+h \d+m \d+s\b|\b\d+m \d+s\b|\b\d+ min \d+ s\b|\b\d+(\.\d+)? (ms|s)\b/g, '<duration>')
      .replace(/\b\d+ restarts?\b/g, '<n> restarts')
      // The kubelet alternates between the two while it backs off; the verdict may see either, after 2 pulls or more.
      .replace(/\b(ErrImagePull|ImagePullBackOff)\b(?=, \d+ failed pulls)/g, '<pull state>')
      .replace(/\b\d+ failed pulls\b/g, '<n> failed pulls')
      // An event's count ("…, 3 times") depends on how many times the watcher looked.
      .replace(/, \d+ times(?=:)/g, '')
      .trim()
      .concat('\n')
  )
}
