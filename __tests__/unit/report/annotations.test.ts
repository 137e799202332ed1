import { describe, expect, it } from 'vitest'
import { outcomeAnnotation } from '../../../src/report/annotations.js'
import { atomicOff, crashLoop, nodePort, success } from './fixtures.js'

describe('outcomeAnnotation', () => {
  it('one error titled with release and environment, carrying the root cause', () => {
    expect(outcomeAnnotation(crashLoop.report)).toEqual({
      level: 'error',
      title: 'helm-atomic-deploy: web (staging)',
      message: 'rolled back: container web in pod web-7d9f8c6b5-x2k4p crash-looping (exit code 1, 2 restarts)'
    })
  })

  it("uses helm's error without a verdict, and says failed when nothing was rolled back", () => {
    expect(outcomeAnnotation(nodePort.report).message).toContain('provided port is already allocated')
    expect(outcomeAnnotation({ ...atomicOff.report, environment: '' })).toEqual({
      level: 'error',
      title: 'helm-atomic-deploy: web',
      message: 'failed: container web in pod web-5c6d7e8f9-abcde cannot pull image registry.invalid/x:latest'
    })
  })

  it('a notice on success', () => {
    expect(outcomeAnnotation(success.report)).toEqual({
      level: 'notice',
      title: 'helm-atomic-deploy: web (staging)',
      message: 'release web deployed revision 4 (was 3)'
    })
  })
})
