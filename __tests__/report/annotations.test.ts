import { afterEach, describe, expect, it, vi } from 'vitest'
import { annotateOutcome, type AnnotationSink } from '../../src/report/annotations.js'
import { atomicOff, crashLoop, nodePort, success } from './fixtures.js'

function recorder(): AnnotationSink & { calls: [string, string, string][] } {
  const calls: [string, string, string][] = []
  return {
    calls,
    error: (message, { title }) => calls.push(['error', title, message]),
    notice: (message, { title }) => calls.push(['notice', title, message])
  }
}

describe('annotateOutcome', () => {
  afterEach(() => vi.restoreAllMocks())

  it('one error titled with release and environment, carrying the root cause', () => {
    const sink = recorder()
    annotateOutcome(crashLoop.report, crashLoop.diagnostics, [], sink)
    expect(sink.calls).toEqual([
      [
        'error',
        'helm-atomic-deploy: web (staging)',
        'rolled back: container web in pod web-7d9f8c6b5-x2k4p crash-looping (exit code 1, 2 restarts)'
      ]
    ])
  })

  it("uses helm's error without a verdict, and says failed when nothing was rolled back", () => {
    const sink = recorder()
    annotateOutcome(nodePort.report, undefined, [], sink)
    annotateOutcome({ ...atomicOff.report, environment: '' }, undefined, [], sink)
    expect(sink.calls[0]?.[2]).toContain('provided port is already allocated')
    expect(sink.calls[1]?.[0]).toBe('error')
    expect(sink.calls[1]?.[1]).toBe('helm-atomic-deploy: web')
    expect(sink.calls[1]?.[2]).toMatch(/^failed: fail-fast: /)
  })

  it('a notice on success', () => {
    const sink = recorder()
    annotateOutcome(success.report, success.diagnostics, [], sink)
    expect(sink.calls).toEqual([
      ['notice', 'helm-atomic-deploy: web (staging)', 'release web deployed revision 4 (was 3)']
    ])
  })

  it('redacts secrets and writes a workflow command through @actions/core by default', () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    annotateOutcome({ ...nodePort.report, failureReason: 'token s3cr3t-value rejected' }, undefined, [
      's3cr3t-value'
    ])
    const written = out.mock.calls.map(c => String(c[0])).join('')
    expect(written).toContain(
      '::error title=helm-atomic-deploy%3A web (staging)::rolled back: token *** rejected'
    )
    expect(written).not.toContain('s3cr3t-value')
  })
})
