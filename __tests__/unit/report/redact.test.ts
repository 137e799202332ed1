import { describe, expect, it } from 'vitest'
import { base64Forms, Redactor, secretForms } from '../../../src/report/redact.js'

const redact = (secret: string, text: string): string => new Redactor({ values: [secret] }).text(text)

describe('Redactor: every form in which a secret is echoed', () => {
  it.each<[string, string, string]>([
    ['the value itself', 'Zebra4471,Tiger9923=lion', 'password Zebra4471,Tiger9923=lion here'],
    [
      'a piece split off at a comma (helm --set would have)',
      'Zebra4471,TailPart5454',
      'Error: key "TailPart5454" has no value'
    ],
    [
      'Go- and JSON-quoted inside a 422',
      'Zebra"Quote4471',
      'spec.env[0].value: Invalid value: "Zebra\\"Quote4471": must be'
    ],
    ['JSON-quoted backslash', 'ab\\cd-9', '{"password":"ab\\\\cd-9"}'],
    ["Go's HTML-safe JSON escape", 'a<b>&c-long', '"a\\u003cb\\u003e\\u0026c-long"'],
    [
      'standard base64 (a Secret manifest)',
      'hunter2-pa55word',
      `password: ${Buffer.from('hunter2-pa55word').toString('base64')}`
    ],
    ['URL-safe base64', '??>>??>>', `t=${Buffer.from('??>>??>>').toString('base64url')}`],
    [
      'base64 of a longer string containing it',
      'hunter2-pa55word',
      Buffer.from('user=admin;password=hunter2-pa55word;').toString('base64')
    ],
    ['URL-encoded', 'p@ss w/rd!', 'https://u:p%40ss%20w%2Frd!@host/'],
    ['YAML single-quoted', "it's-a-secret", "value: 'it''s-a-secret'"],
    [
      'one line of a multi-line value',
      '-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG\n-----END KEY-----',
      'line: MIIEvQIBADANBgkqhkiG'
    ]
  ])('%s', (_name, secret, text) => {
    const out = redact(secret, text)
    expect(out).toContain('***')
    for (const form of secretForms(secret).filter(f => f.length >= 8)) expect(out).not.toContain(form)
  })

  it('removes a longer secret whole even when a shorter one is inside it, in one pass', () => {
    const redactor = new Redactor({ values: ['abc', 'abcdef'] })
    expect(redactor.args(['--x', 'a=abcdef', 'x=abc'])).toEqual(['--x', 'a=***', 'x=***'])
    expect(redactor.text('abcabc')).toBe('******')
  })

  it('leaves a secret too short to redact alone (inputs refuse those)', () => {
    expect(secretForms('ab')).toEqual([])
    expect(new Redactor({ values: ['ab'] }).text('ab cd')).toBe('ab cd')
  })

  it('redacts keys and values of data, and copies it', () => {
    const data = { note: 'token tok-123456', nested: [{ 'tok-123456': 1 }] }
    expect(new Redactor({ values: ['tok-123456'] }).data(data)).toEqual({
      note: 'token ***',
      nested: [{ '***': 1 }]
    })
    expect(data.note).toBe('token tok-123456')
  })

  it('a document (a kubeconfig) is removed whole and as base64, but its words are not each a secret', () => {
    const kubeconfig = 'apiVersion: v1\nclusters:\n- name: prod\n'
    const redactor = new Redactor({ values: [], documents: [kubeconfig] })
    expect(redactor.text(`dump ${kubeconfig} end`)).toBe('dump *** end')
    expect(redactor.text(Buffer.from(kubeconfig).toString('base64'))).toBe('***')
    expect(redactor.text('clusters: 3, apiVersion: v1')).toBe('clusters: 3, apiVersion: v1')
  })

  it('registers single-line forms with the runner (a multi-line value line by line)', () => {
    const masks = new Redactor({ values: ['line-one-1\nline-two-2'] }).maskValues()
    expect(masks).toEqual(expect.arrayContaining(['line-one-1', 'line-two-2']))
    expect(masks.some(m => m.includes('\n'))).toBe(false)
  })

  it('base64 fragments cover each of the three byte alignments', () => {
    const secret = 'correct-horse-battery'
    for (const prefix of ['', 'x', 'xy', 'xyz']) {
      const encoded = Buffer.from(`${prefix}${secret}!`).toString('base64')
      expect(base64Forms(secret).some(form => encoded.includes(form))).toBe(true)
    }
  })
})
