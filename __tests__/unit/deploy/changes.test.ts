import { describe, expect, it } from 'vitest'
import { deployChanges } from '../../../src/deploy/changes.js'

const manifest = (image: string, replicas: number): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: ${replicas}\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ${image}\n`

describe('deployChanges: what an upgrade changed', () => {
  it('images and values, a line each; an image value is said once; secrets named, never shown', () => {
    const lines = deployChanges(
      {
        values: { image: 'ghcr.io/acme/web:2.1.0', replicas: 2, db: { password: 'old-pass' }, keep: 'x' },
        manifest: manifest('ghcr.io/acme/web:2.1.0', 2)
      },
      {
        values: {
          image: 'ghcr.io/acme/web:2.2.0',
          replicas: 3,
          db: { password: 'new-pass' },
          keep: 'x',
          added: true
        },
        manifest: manifest('ghcr.io/acme/web:2.2.0', 3)
      },
      ['db.password']
    )
    expect(lines).toEqual([
      'image ghcr.io/acme/web 2.1.0 → 2.2.0',
      'added (unset) → true',
      'db.password (a set-secret value) changed',
      'replicas 2 → 3'
    ])
    expect(lines.join('\n')).not.toMatch(/(old|new)-pass/)
  })

  it('nothing changed: nothing to say', () => {
    expect(
      deployChanges(
        { values: {}, manifest: manifest('a:1', 1) },
        { values: {}, manifest: manifest('a:1', 1) },
        []
      )
    ).toEqual([])
  })
})
