/** The release watcher following helm test's pods (`follow: 'tests'`), against a scripted KubeReader. */
import { describe, expect, it } from 'vitest'
import type { Verdict } from '../../../src/kube/diagnostics.js'
import type { KubeEvent, KubeItem } from '../../../src/kube/objects.js'
import { ReleaseWatcher, type KubeReader } from '../../../src/kube/watch.js'

const NS = 'shop'
const CREATED = '2026-11-25T10:04:00Z'

/** A cluster whose contents the test changes between observations. */
class ScriptedCluster implements KubeReader {
  items: KubeItem[] = []
  events: KubeEvent[] = []
  readonly logReads: string[] = []
  logText = new Map<string, string>()

  list<T>(kinds: readonly string[]): Promise<T[]> {
    const kindOf: Record<string, string> = { pods: 'Pod', jobs: 'Job', deployments: 'Deployment' }
    const wanted = new Set(kinds.map(k => kindOf[k]).filter(Boolean))
    const items: (KubeItem | KubeEvent)[] = this.items.filter(i => wanted.has(i.kind))
    if (kinds.includes('events')) items.push(...this.events)
    return Promise.resolve(items as T[])
  }

  logs(_namespace: string, pod: string, container: string): Promise<string> {
    this.logReads.push(`${pod}/${container}`)
    return Promise.resolve(this.logText.get(pod) ?? '')
  }

  configKeys(): Promise<string[] | undefined> {
    return Promise.resolve(undefined)
  }
}

function testPod(name: string, uid: string, status: KubeItem['status'], hook = 'test'): KubeItem {
  return {
    kind: 'Pod',
    metadata: { name, uid, creationTimestamp: CREATED, annotations: { 'helm.sh/hook': hook } },
    spec: { containers: [{ name: 'test', image: 'registry.example.com/smoke:1' }] },
    status
  }
}

const exited = (exitCode: number): KubeItem['status'] => ({
  phase: exitCode === 0 ? 'Succeeded' : 'Failed',
  containerStatuses: [
    {
      name: 'test',
      image: 'registry.example.com/smoke:1',
      ready: false,
      restartCount: 0,
      state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' } }
    }
  ]
})

const pulling = (reason: string, message: string): KubeItem['status'] => ({
  phase: 'Pending',
  containerStatuses: [
    {
      name: 'test',
      image: 'registry.invalid/smoke:1',
      ready: false,
      restartCount: 0,
      state: { waiting: { reason, message } }
    }
  ]
})

function pullFailed(pod: string, uid: string, count: number): KubeEvent {
  return {
    metadata: { name: `${pod}.${count}`, uid: `ev-${count}` },
    type: 'Warning',
    reason: 'Failed',
    message:
      'Failed to pull image "registry.invalid/smoke:1": failed to resolve reference: dial tcp: lookup registry.invalid: no such host',
    count,
    lastTimestamp: new Date().toISOString(),
    involvedObject: { kind: 'Pod', name: pod, uid, namespace: NS }
  }
}

function watcher(
  cluster: ScriptedCluster,
  options: { onVerdict?: (v: Verdict) => void } = {}
): ReleaseWatcher {
  return new ReleaseWatcher({
    kubectl: cluster,
    release: 'web',
    namespace: NS,
    logLines: 50,
    intervalMs: 100,
    failFast: true,
    follow: 'tests',
    isHelmWaiting: () => true,
    onVerdict: options.onVerdict
  })
}

describe('ReleaseWatcher, follow: tests', () => {
  it('follows only the test hooks created after its baseline: not an earlier run’s, not the release’s pods', async () => {
    const cluster = new ScriptedCluster()
    cluster.items = [
      testPod('web-test-smoke', 'old-uid', exited(1)),
      {
        kind: 'Pod',
        metadata: {
          name: 'web-7d9f-abcde',
          uid: 'release-pod',
          annotations: { 'meta.helm.sh/release-name': 'web', 'meta.helm.sh/release-namespace': NS }
        },
        status: { phase: 'Running' }
      },
      testPod('web-migrate-x', 'pre-upgrade-hook', exited(0), 'pre-upgrade')
    ]
    const watch = watcher(cluster)
    await watch.baseline()
    // helm test deletes the earlier run's pod (before-hook-creation) and creates its own under the same name.
    cluster.items = [
      testPod('web-test-smoke', 'new-uid', exited(0)),
      ...cluster.items.slice(1),
      testPod('web-test-legacy', 'legacy-uid', exited(0), 'test-success')
    ]
    cluster.logText.set('web-test-smoke', 'smoke ok\n')
    const d = await watch.stop()
    expect(d.pods.map(p => [p.name, p.phase])).toEqual([
      ['web-test-legacy', 'Succeeded'],
      ['web-test-smoke', 'Succeeded']
    ])
    expect(d.logs.find(l => l.pod === 'web-test-smoke')?.lines).toEqual(['smoke ok'])
  })

  it('reads a finished test container’s log once, as soon as it is seen', async () => {
    const cluster = new ScriptedCluster()
    const watch = watcher(cluster)
    await watch.baseline()
    cluster.items = [testPod('web-test-a', 'a', exited(3))]
    cluster.logText.set('web-test-a', 'expected 200\ngot 502\n')
    watch.start()
    await new Promise(resolve => setTimeout(resolve, 350))
    const d = await watch.stop()
    expect(d.observations).toBeGreaterThan(1)
    expect(cluster.logReads).toEqual(['web-test-a/test'])
    expect(d.logs).toEqual([
      {
        pod: 'web-test-a',
        container: 'test',
        previous: false,
        lines: ['expected 200', 'got 502'],
        truncated: false
      }
    ])
  })

  it('follows the pods of a test Job', async () => {
    const cluster = new ScriptedCluster()
    const watch = watcher(cluster)
    await watch.baseline()
    cluster.items = [
      {
        kind: 'Job',
        metadata: {
          name: 'web-db-check',
          uid: 'job-uid',
          creationTimestamp: CREATED,
          annotations: { 'helm.sh/hook': 'test' }
        },
        status: { failed: 1 }
      },
      {
        ...testPod('web-db-check-qwert', 'job-pod', exited(1), ''),
        metadata: {
          name: 'web-db-check-qwert',
          uid: 'job-pod',
          ownerReferences: [{ kind: 'Job', name: 'web-db-check', uid: 'job-uid', controller: true }]
        }
      }
    ]
    const d = await watch.stop()
    expect(d.workloads.map(w => `${w.kind}/${w.name}`)).toEqual(['Job/web-db-check'])
    expect(d.pods).toMatchObject([{ name: 'web-db-check-qwert', owner: 'Job/web-db-check', phase: 'Failed' }])
  })

  it('a test pod that cannot pull its image: a fail-fast verdict, reported once', async () => {
    const cluster = new ScriptedCluster()
    const verdicts: Verdict[] = []
    const watch = watcher(cluster, { onVerdict: v => verdicts.push(v) })
    await watch.baseline()
    const pod = 'web-test-pull'
    cluster.items = [testPod(pod, 'p', pulling('ErrImagePull', 'no such host'))]
    cluster.events = [pullFailed(pod, 'p', 1)]
    watch.start()
    await new Promise(resolve => setTimeout(resolve, 250))
    cluster.items = [testPod(pod, 'p', pulling('ImagePullBackOff', 'Back-off pulling image'))]
    await new Promise(resolve => setTimeout(resolve, 250))
    cluster.items = [testPod(pod, 'p', pulling('ErrImagePull', 'no such host'))]
    cluster.events = [pullFailed(pod, 'p', 2)]
    for (let i = 0; i < 50 && verdicts.length === 0; i++)
      await new Promise(resolve => setTimeout(resolve, 100))
    const d = await watch.stop()
    expect(verdicts).toHaveLength(1)
    expect(verdicts[0]).toMatchObject({ rule: 'image-pull', pod })
    expect(verdicts[0]?.message).toMatch(
      /^container test in pod web-test-pull cannot pull image registry\.invalid\/smoke:1/
    )
    expect(d.verdict).toEqual(verdicts[0])
  })
})
