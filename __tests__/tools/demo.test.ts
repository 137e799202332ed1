import { describe, expect, it } from 'vitest'
import { markdownForTerminal, runDemo } from './demo.js'

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
  }, 120_000)

  it('turns summary HTML into terminal text', () => {
    expect(
      markdownForTerminal(
        '<details>\n<summary>pod / web</summary>\n\n<pre>a &lt;b&gt; &#124; c</pre>\n</details>'
      )
    ).toBe('\n▸ pod / web\n\na <b> | c\n')
  })
})
