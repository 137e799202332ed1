/**
 * `npm run readme-example`: runs the demo and writes the first screen of its failed upgrade's job summary (down to
 * the pods table) into README.md between the `example` markers, quoted, exactly as the action rendered it.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runDemo } from './demo.js'

const README = join(import.meta.dirname, '..', '..', 'README.md')
export const EXAMPLE_START = '<!-- example:start (npm run readme-example) -->'
export const EXAMPLE_END = '<!-- example:end -->'

/** The summary down to the end of its pods table, quoted so its heading does not join the README's outline. */
export function exampleBlock(summary: string): string {
  const events = summary.indexOf('\n#### Events')
  const top = (events < 0 ? summary : summary.slice(0, events)).trimEnd()
  const quoted = top
    .split('\n')
    .map(line => (line === '' ? '>' : `> ${line}`))
    .join('\n')
  return `${EXAMPLE_START}\n\n${quoted}\n>\n> _…then the events (Warnings; Normal ones folded), the logs and helm history._\n\n${EXAMPLE_END}`
}

export function withExample(readme: string, block: string): string {
  const start = readme.indexOf(EXAMPLE_START)
  const end = readme.indexOf(EXAMPLE_END)
  if (start < 0 || end < start) throw new Error(`README.md has no ${EXAMPLE_START} … ${EXAMPLE_END} block`)
  return readme.slice(0, start) + block + readme.slice(end + EXAMPLE_END.length)
}

async function main(): Promise<void> {
  const { upgrade } = await runDemo(() => undefined)
  if (upgrade.outputs.status !== 'rolled-back')
    throw new Error(`the demo's upgrade was ${upgrade.outputs.status}`)
  await writeFile(README, withExample(await readFile(README, 'utf8'), exampleBlock(upgrade.summary)))
  console.log('README.md: example updated from the demo')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
