import { describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { parseKeyPath, quote, secretValuesDocument } from '../../../src/helm/secret-values.js'

describe('parseKeyPath: helm --set key syntax', () => {
  it.each<[string, (string | number)[]]>([
    ['password', ['password']],
    ['db.password', ['db', 'password']],
    ['a[0].b', ['a', 0, 'b']],
    ['a[1][2]', ['a', 1, 2]],
    ['annotations.example\\.com/key', ['annotations', 'example.com/key']],
    ['weird\\,key', ['weird,key']],
    ['env[0].value', ['env', 0, 'value']]
  ])('%s', (key, path) => {
    expect(parseKeyPath(key)).toEqual({ path })
  })

  it.each([
    ['a..b', 'has an empty part'],
    ['.a', 'has an empty part'],
    ['a[x]', 'has an invalid list index'],
    ['a[0]b', 'needs "." or "[" after "]"'],
    ['a,b', 'contains ","'],
    ['a\\', 'ends with an escaping backslash'],
    ['a[70000]', 'has an invalid list index']
  ])('%s is refused', (key, problem) => {
    const parsed = parseKeyPath(key)
    expect('problem' in parsed && parsed.problem).toContain(problem)
  })
})

describe('secretValuesDocument: values arrive exactly, as strings', () => {
  const tricky = [
    'a,b=c',
    'back\\slash',
    '{x,y}',
    'null',
    'true',
    '123456',
    'p.a$s(w)o*rd+?^|[0]x',
    `quo"te'`,
    '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
    '  spaces kept  ',
    'tab\there, nul\u0000, bell\u0007, del\u007f',
    'NEL\u0085 LS\u2028 PS\u2029 BOM\ufeff nbsp\u00a0',
    'emoji 🚀 and é',
    '#not a comment',
    '- not a list',
    '*anchor &ref !tag %dir @at `tick`',
    '~'
  ]

  it('every tricky value reads back byte for byte, typed as a string', () => {
    const pairs = tricky.map((value, i) => ({ key: `s.v${i}`, value }))
    const document = secretValuesDocument(pairs)
    if (!('yaml' in document)) throw new Error('expected a document')
    const parsed = parseYaml(document.yaml) as { s: Record<string, unknown> }
    tricky.forEach((value, i) => expect(parsed.s[`v${i}`]).toBe(value))
  })

  it('builds nesting and lists from the keys; a later key wins over an earlier scalar', () => {
    const document = secretValuesDocument([
      { key: 'db.password', value: 'one' },
      { key: 'list[1].name', value: 'two' },
      { key: 'x', value: 'scalar' },
      { key: 'x.y', value: 'map' }
    ])
    if (!('yaml' in document)) throw new Error('expected a document')
    expect(parseYaml(document.yaml)).toEqual({
      db: { password: 'one' },
      list: [null, { name: 'two' }],
      x: { y: 'map' }
    })
  })

  it('names bad keys, never values', () => {
    expect(secretValuesDocument([{ key: 'a..b', value: 'hunter2-value' }])).toEqual({
      problems: ['key "a..b" has an empty part']
    })
  })

  it('quote() escapes only what YAML would otherwise read differently', () => {
    expect(quote('plain é 🚀')).toBe('"plain é 🚀"')
    expect(quote('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"')
    expect(quote('\u0085\u2028\ufeff')).toBe('"\\N\\L\\ufeff"')
  })
})
