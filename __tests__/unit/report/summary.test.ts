import { describe, expect, it } from 'vitest'
import { summaryWanted } from '../../../src/report/summary.js'

describe('summaryWanted', () => {
  it('follows the summary input: always, failure, never', () => {
    expect(summaryWanted('always', 'deployed')).toBe(true)
    expect(summaryWanted('always', 'rolled-back')).toBe(true)
    expect(summaryWanted('failure', 'deployed')).toBe(false)
    expect(summaryWanted('failure', 'uninstalled')).toBe(false)
    expect(summaryWanted('failure', 'rolled-back')).toBe(true)
    expect(summaryWanted('failure', 'failed')).toBe(true)
    expect(summaryWanted('never', 'failed')).toBe(false)
  })
})
