import { describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { markdownForTerminal, runDemo } from './demo.js'
import { EXAMPLE_END, EXAMPLE_START, exampleBlock, withExample } from './readme-example.js'

describe('npm run demo', () => {
  it('installs, then fail-fast rolls back the crash-looping upgrade, and shows why', async () => {
    const lines: string[] = []
    const result = await runDemo(line => lines.push(line))
    expect(result.install.outputs).toMatchObject({ status: 'deployed', revision: '1' })
    expect(result.upgrade.outputs).toMatchObject({
      status: 'rolled-back',
      revision: '3',
      'previous-revision': '1'
    })
    const printed = lines.join('\n')
    expect(printed).toContain('panic: required setting DATABASE_URL is empty')
    expect(printed).toMatch(/crash-looping \(exit code 1, \d+ restarts\)/)
    expect(printed).toContain('JSON report:')
    expect(result.durationMs).toBeLessThan(120_000)

    // The README's example is this summary's first screen: the Why block first, the panic line under it.
    const block = exampleBlock(result.upgrade.summary)
    expect(block.split('\n').slice(2, 5)).toEqual([
      '> ### ↩️ Rolled back: shop (demo)',
      '>',
      expect.stringMatching(/^> \*\*Why:\*\* container web in pod shop-\S+ crash-looping/)
    ])
    expect(block).toContain('panic: required setting DATABASE_URL is empty')
    expect(block).toContain('#### Pods not ready')
    expect(block).not.toContain('#### Events')
    const readme = await readFile(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8')
    const current = readme.slice(
      readme.indexOf(EXAMPLE_START),
      readme.indexOf(EXAMPLE_END) + EXAMPLE_END.length
    )
    expect(current).toContain('> **Why:** container web in pod shop-')
    expect(withExample(readme, current)).toBe(readme)
  }, 120_000)

  it('turns summary HTML into terminal text', () => {
    expect(
      markdownForTerminal(
        '<details open>\n<summary>pod / web</summary>\n\n<pre>a &lt;b&gt; &#124; c</pre>\n</details>'
      )
    ).toBe('\n▸ pod / web\n\na <b> | c\n')
  })
})
