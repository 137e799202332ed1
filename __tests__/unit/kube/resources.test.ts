/** The release's other objects: which are listed, how kubectl names a kind, custom resources' Ready condition. */
import { describe, expect, it } from 'vitest'
import type { KubeItem } from '../../../src/kube/objects.js'
import { isCustomResource, kubectlResource, readyOf, releaseResources } from '../../../src/kube/resources.js'
import { ReleaseWatcher, type KubeReader } from '../../../src/kube/watch.js'

const object = (apiVersion: string, kind: string, name: string) => ({
  apiVersion,
  kind,
  name,
  namespace: 'shop'
})

describe('releaseResources', () => {
  it('lists every kind but the workloads, pods and claims the watcher shows itself, sorted', () => {
    expect(
      releaseResources([
        object('apps/v1', 'Deployment', 'web'),
        object('v1', 'Service', 'web'),
        object('catalog.cattle.io/v1', 'UIPlugin', 'ext'),
        object('v1', 'PersistentVolumeClaim', 'data'),
        object('policy/v1', 'PodDisruptionBudget', 'web'),
        object('example.com/v1alpha1', 'Widget', 'w')
      ]).map(r => `${r.kind}/${r.name}`)
    ).toEqual(['PodDisruptionBudget/web', 'Service/web', 'UIPlugin/ext', 'Widget/w'])
  })
})

describe('custom resources', () => {
  it.each([
    ['catalog.cattle.io/v1', true],
    ['example.com/v1alpha1', true],
    ['v1', false],
    ['apps/v1', false],
    ['networking.k8s.io/v1', false],
    ['apiextensions.k8s.io/v1', false]
  ])('%s is custom: %s', (apiVersion, custom) => {
    expect(isCustomResource(apiVersion)).toBe(custom)
  })

  it('names the kind for kubectl with its version and group', () => {
    expect(kubectlResource('catalog.cattle.io/v1', 'UIPlugin')).toBe('UIPlugin.v1.catalog.cattle.io')
    expect(kubectlResource('v1', 'Service')).toBe('Service')
  })

  it('reads the Ready condition', () => {
    const item = (conditions: unknown): KubeItem =>
      ({ kind: 'Widget', metadata: { name: 'w', uid: 'u' }, status: { conditions } }) as unknown as KubeItem
    expect(readyOf(item([{ type: 'Ready', status: 'True' }]))).toBe('True')
    expect(
      readyOf(item([{ type: 'Ready', status: 'False', reason: 'SecretMissing', message: 'no secret db' }]))
    ).toBe('False SecretMissing: no secret db')
    expect(readyOf(item([{ type: 'Synced', status: 'True' }]))).toBeUndefined()
    expect(readyOf(item(undefined))).toBeUndefined()
  })
})

class Cluster implements KubeReader {
  readonly reads: string[] = []
  list<T>(): Promise<T[]> {
    return Promise.resolve([])
  }
  logs(): Promise<string> {
    return Promise.resolve('')
  }
  configKeys(): Promise<string[] | undefined> {
    return Promise.resolve(undefined)
  }
  getObjects<T>(resource: string, names: readonly string[]): Promise<T[]> {
    this.reads.push(`${resource} ${names.join(' ')}`)
    const widget = (name: string, status: string): KubeItem => ({
      kind: 'Widget',
      metadata: { name, uid: name },
      status: { conditions: [{ type: 'Ready', status, reason: 'Checked' }] }
    })
    return Promise.resolve([widget('a', 'True'), widget('b', 'False')] as T[])
  }
}

describe('the watcher lists the release resources it was given', () => {
  it('one read per custom kind; built-in kinds are listed without a read', async () => {
    const cluster = new Cluster()
    const watcher = new ReleaseWatcher({
      kubectl: cluster,
      release: 'shop',
      namespace: 'shop',
      logLines: 10,
      failFast: false
    })
    const diagnostics = await watcher.stop([
      object('v1', 'Service', 'web'),
      object('example.com/v1', 'Widget', 'a'),
      object('example.com/v1', 'Widget', 'b')
    ])
    expect(cluster.reads).toEqual(['Widget.v1.example.com a b'])
    expect(diagnostics.resources).toEqual([
      object('v1', 'Service', 'web'),
      { ...object('example.com/v1', 'Widget', 'a'), ready: 'True Checked' },
      { ...object('example.com/v1', 'Widget', 'b'), ready: 'False Checked' }
    ])
  })
})
