import { describe, expect, it } from 'vitest'
import { logTail } from '../../../src/kube/watch.js'

describe('logTail: the newest lines that fit', () => {
  it('keeps the newest lines within the byte budget and says how many older ones were dropped', () => {
    const text =
      Array.from({ length: 20_000 }, (_, i) => `line ${String(i).padStart(5, '0')} ${'x'.repeat(28)}`).join(
        '\n'
      ) + '\n'
    const tail = logTail(text, 10_000, 256 * 1024)
    expect(tail.lines.at(-1)).toBe(`line 19999 ${'x'.repeat(28)}`)
    expect(tail.lines.length).toBe(Math.floor((256 * 1024) / 40))
    expect(tail.droppedLines).toBe(20_000 - tail.lines.length)
    expect(tail.truncated).toBe(true)
  })

  it('keeps everything that fits, untruncated', () => {
    expect(logTail('a\nb\n', 50, 1024)).toEqual({ lines: ['a', 'b'], truncated: false })
    expect(logTail('', 50, 1024)).toEqual({ lines: [], truncated: false })
  })

  it('caps a very long line', () => {
    const tail = logTail(`${'y'.repeat(5000)}\n`, 50, 1024 * 1024)
    expect(tail.lines[0]).toHaveLength(2001)
    expect(tail.truncated).toBe(true)
  })
})
