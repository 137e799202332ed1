import { mkdtempSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { summaryWanted, writeSummary } from '../../src/report/summary.js'

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

describe('writeSummary', () => {
  // @actions/core resolves GITHUB_STEP_SUMMARY once per process, so one path serves every test here.
  const dir = mkdtempSync(join(tmpdir(), 'summary-test-'))
  const file = join(dir, 'step_summary')
  const saved = process.env.GITHUB_STEP_SUMMARY

  beforeAll(() => {
    process.env.GITHUB_STEP_SUMMARY = file
  })
  afterEach(() => vi.restoreAllMocks())
  afterAll(async () => {
    if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY
    else process.env.GITHUB_STEP_SUMMARY = saved
    await rm(dir, { recursive: true, force: true })
  })

  it('appends the markdown to the step summary file, once per call', async () => {
    await writeFile(file, 'earlier step\n')
    expect(await writeSummary('### one\n')).toBe(true)
    expect(await writeSummary('### two\n')).toBe(true)
    expect(await readFile(file, 'utf8')).toBe('earlier step\n### one\n### two\n')
  })

  it('warns instead of throwing when the summary file cannot be written', async () => {
    // Its directory gone, the append fails (the file alone would be recreated).
    await rm(dir, { recursive: true, force: true })
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    expect(await writeSummary('### lost\n')).toBe(false)
    const written = out.mock.calls.map(c => String(c[0])).join('')
    expect(written).toMatch(/::warning::job summary not written: /)
    // The failed markdown is not carried into the next write.
    await mkdir(dir)
    await writeFile(file, '')
    expect(await writeSummary('### next\n')).toBe(true)
    expect(await readFile(file, 'utf8')).toBe('### next\n')
  })
})
