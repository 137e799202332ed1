import { describe, expect, it } from 'vitest'
import { helmVersionParts, unsupportedControls } from '../../../src/helm/support.js'

const defaults = {
  waitStrategy: 'watcher',
  serverSide: 'auto',
  forceConflicts: false,
  takeOwnership: false,
  postRenderer: ''
} as const

describe('unsupportedControls', () => {
  it.each<[string, Partial<Parameters<typeof unsupportedControls>[0]>, string, string[]]>([
    ['the defaults on Helm 3', {}, 'v3.17.1', []],
    ['the defaults on Helm 4', {}, 'v4.1.4', []],
    [
      'wait-strategy legacy on Helm 3',
      { waitStrategy: 'legacy' },
      'v3.17.1',
      [
        "wait-strategy: legacy needs Helm 4 (the installed helm is v3.17.1; Helm 3 always waits by polling, as Helm 4's legacy does)"
      ]
    ],
    ['wait-strategy legacy on Helm 4', { waitStrategy: 'legacy' }, 'v4.1.4', []],
    [
      'server-side false on Helm 3',
      { serverSide: 'false' },
      'v3.17.1',
      [
        'server-side: false needs Helm 4 (the installed helm is v3.17.1; Helm 3 always applies client-side with a three-way merge)'
      ]
    ],
    [
      'force-conflicts on Helm 3',
      { forceConflicts: true },
      'v3.17.1',
      ['force-conflicts needs Helm 4, which applies server-side (the installed helm is v3.17.1)']
    ],
    ['server-side and force-conflicts on Helm 4', { serverSide: 'true', forceConflicts: true }, 'v4.1.4', []],
    ['take-ownership on helm 3.17', { takeOwnership: true }, 'v3.17.1', []],
    [
      'take-ownership on helm 3.16',
      { takeOwnership: true },
      'v3.16.4',
      ['take-ownership needs helm 3.17 or later (the installed helm is v3.16.4)']
    ],
    ['a post-renderer path on Helm 3', { postRenderer: './kustomize.sh' }, 'v3.17.1', []],
    ['a post-renderer plugin on Helm 4', { postRenderer: 'kustomize' }, 'v4.1.4', []],
    [
      'a post-renderer path on Helm 4',
      { postRenderer: './kustomize.sh' },
      'v4.1.4',
      [
        'post-renderer: Helm 4 takes the name of a post-renderer plugin, not a path ("./kustomize.sh"; the installed helm is v4.1.4); Helm 3 takes the path of an executable'
      ]
    ]
  ])('%s', (_name, controls, version, problems) => {
    expect(unsupportedControls({ ...defaults, ...controls }, version)).toEqual(problems)
  })

  it('lists every problem at once, in the inputs’ order', () => {
    const problems = unsupportedControls(
      { ...defaults, waitStrategy: 'legacy', serverSide: 'true', forceConflicts: true },
      'v3.17.1'
    )
    expect(problems.map(p => p.split(/[: ]/)[0])).toEqual(['wait-strategy', 'server-side', 'force-conflicts'])
  })

  it('helmVersionParts', () => {
    expect(helmVersionParts('v3.17.1')).toEqual({ major: 3, minor: 17 })
    expect(helmVersionParts('4.1.4')).toEqual({ major: 4, minor: 1 })
    expect(helmVersionParts('dev')).toBeUndefined()
  })
})
