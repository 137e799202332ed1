import { afterEach, describe, expect, test } from 'vitest'
import { createStore, type Store } from './store.js'
import { startSimulation } from './simulation/index.js'
import { parseImageReference } from './simulation/images.js'
import { goSeconds, nextBackoff, splitLog } from './simulation/kubelet.js'
import { podFailureBackoffSeconds } from './simulation/job.js'
import { templateHash, type Condition, type ContainerStatus, type Pod } from './simulation/model.js'
import { formatQuantity, parseQuantity } from './simulation/quantity.js'
import { fitErrorMessage } from './simulation/scheduler.js'
import { startTestCluster } from './index.js'
import { StatusError, type KubeObject, type Simulation } from './types.js'

interface EventView {
  reason: string
  message: string
  type: string
  count: number
  involvedObject: { kind: string; name: string; uid?: string; fieldPath?: string; resourceVersion?: string }
  source: { component?: string; host?: string }
  reportingComponent?: string
  series?: { count: number; lastObservedTime: string }
}

interface Cluster {
  store: Store
  sim: Simulation
}

const running: Simulation[] = []

afterEach(() => {
  for (const sim of running.splice(0)) sim.stop()
})

function cluster(timeScale = 0.05, namespace = 'ns1'): Cluster {
  const store = createStore()
  const sim = startSimulation(store, { timeScale, nodeName: 'test-node' })
  running.push(sim)
  store.admission.push(...sim.admission)
  store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } })
  return { store, sim }
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

type Env = Record<string, string>

function container(env: Env = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'app',
    image: 'registry.example.com/app:1.0',
    env: Object.entries(env).map(([name, value]) => ({ name, value })),
    ...extra
  }
}

function deployment(
  name: string,
  env: Env = {},
  options: { replicas?: number; extra?: Record<string, unknown>; spec?: Record<string, unknown> } = {}
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'ns1' },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [container(env, options.extra)] }
      },
      ...options.spec
    }
  }
}

function pods(store: Store, label?: string): Pod[] {
  return store.list('pods', 'ns1').filter(p => !label || p.metadata.labels?.app === label) as Pod[]
}

function events(
  store: Store,
  filter: Partial<Pick<EventView, 'reason'>> & { name?: string } = {}
): EventView[] {
  return (store.list('events', 'ns1') as unknown as EventView[]).filter(
    e =>
      (filter.reason === undefined || e.reason === filter.reason) &&
      (filter.name === undefined || e.involvedObject.name === filter.name)
  )
}

function conditions(object: KubeObject | undefined): Condition[] {
  const status = object?.status as { conditions?: Condition[] } | undefined
  return status?.conditions ?? []
}

function condition(object: KubeObject | undefined, type: string): Condition | undefined {
  return conditions(object).find(c => c.type === type)
}

function containerStatus(pod: Pod | undefined): ContainerStatus | undefined {
  return pod?.status?.containerStatuses?.[0]
}

function statusField(object: KubeObject | undefined, field: string): unknown {
  return (object?.status as Record<string, unknown> | undefined)?.[field]
}

function logError(run: () => unknown): StatusError {
  try {
    run()
  } catch (error) {
    if (error instanceof StatusError) return error
    throw error
  }
  throw new Error('expected a StatusError')
}

/** Every store write, with the real time it happened, for timing assertions. */
interface Seen {
  at: number
  type: string
  resource: string
  object: KubeObject
}

function observe(store: Store): Seen[] {
  const seen: Seen[] = []
  store.subscribe(event => {
    seen.push({ at: Date.now(), type: event.type, resource: event.resource, object: event.object })
  })
  return seen
}

/**
 * Lower bounds on the time between two writes: both are stamped when the store saw them, a little after the
 * pass that caused them started, so allow for that.
 */
const SLACK_MS = 25

/** Real milliseconds of a simulated duration. */
function simMs(seconds: number, timeScale: number): number {
  return seconds * 1000 * timeScale
}

/** When each occurrence of an event about `name` was written (one entry per count step). */
function occurrences(seen: Seen[], reason: string, name: string, message?: string): number[] {
  const times: number[] = []
  const counts = new Map<string, number>()
  for (const entry of seen) {
    if (entry.resource !== 'events') continue
    const event = entry.object as unknown as EventView & { metadata: { name: string } }
    if (event.reason !== reason || event.involvedObject.name !== name) continue
    if (message !== undefined && event.message !== message) continue
    const count = event.series?.count ?? event.count ?? 1
    const before = counts.get(event.metadata.name) ?? 0
    for (let i = before; i < count; i++) times.push(entry.at)
    counts.set(event.metadata.name, Math.max(before, count))
  }
  return times
}

/** The waiting states a pod's first container went through, in order, without repeats. */
function seenWaiting(seen: Seen[], name: string): { reason?: string; message?: string }[] {
  const states: { reason?: string; message?: string }[] = []
  for (const entry of seen) {
    if (entry.resource !== 'pods' || entry.object.metadata.name !== name) continue
    const waiting = containerStatus(entry.object as Pod)?.state.waiting
    if (waiting && JSON.stringify(states.at(-1)) !== JSON.stringify(waiting)) states.push(waiting)
  }
  return states
}

describe('pure parts', () => {
  test('pod-template-hash is stable, ignores the hash label, and changes with the template', () => {
    const template = {
      metadata: { labels: { app: 'a' } },
      spec: { containers: [{ name: 'c', image: 'x:1' }] }
    }
    const labelled = { metadata: { labels: { app: 'a', 'pod-template-hash': 'zzz' } }, spec: template.spec }
    const changed = { ...template, spec: { containers: [{ name: 'c', image: 'x:2' }] } }
    expect(templateHash(template)).toBe(templateHash(labelled))
    expect(templateHash(template)).not.toBe(templateHash(changed))
    expect(templateHash(template)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/)
  })

  test('image references parse like the runtime; invalid ones are rejected', () => {
    expect(parseImageReference('nginx')).toEqual({ domain: 'docker.io', path: 'library/nginx' })
    expect(parseImageReference('registry.invalid:5000/team/app:v1')).toEqual({
      domain: 'registry.invalid:5000',
      path: 'team/app',
      tag: 'v1'
    })
    expect(parseImageReference('Nginx:latest')).toBeUndefined()
    expect(parseImageReference('nginx::1')).toBeUndefined()
    expect(parseImageReference('nginx 1')).toBeUndefined()
  })

  test('quantities parse and print canonically', () => {
    expect(parseQuantity('500m')).toBe(0.5)
    expect(parseQuantity('1Gi')).toBe(2 ** 30)
    expect(formatQuantity(2, 'requests.cpu')).toBe('2')
    expect(formatQuantity(1.5, 'cpu')).toBe('1500m')
    expect(formatQuantity(512 * 2 ** 20, 'memory')).toBe('512Mi')
    expect(formatQuantity(0, 'cpu')).toBe('0')
  })

  test('restart back-off doubles from 10 s and caps at 300 s; SIM_LOG splits on real and literal newlines', () => {
    let entry = nextBackoff(undefined, 0)
    const seen = [entry.seconds]
    for (let i = 0; i < 7; i++) {
      entry = nextBackoff(entry, 0)
      seen.push(entry.seconds)
    }
    expect(seen).toEqual([10, 20, 40, 80, 160, 300, 300, 300])
    expect(seen.map(goSeconds)).toEqual(['10s', '20s', '40s', '1m20s', '2m40s', '5m0s', '5m0s', '5m0s'])
    expect(splitLog('a\nb\\nc\n')).toEqual(['a', 'b', 'c'])
  })
})

describe('deployments', () => {
  test('a rollout reaches Available and NewReplicaSetAvailable with observedGeneration', async () => {
    const { store } = cluster()
    store.create('deployments', deployment('web', {}, { replicas: 2 }))
    const done = await waitFor('deployment complete', () => {
      const d = store.get('deployments', 'ns1', 'web')
      return condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && d
    })
    expect(statusField(done, 'observedGeneration')).toBe(done.metadata.generation)
    expect(statusField(done, 'replicas')).toBe(2)
    expect(statusField(done, 'updatedReplicas')).toBe(2)
    expect(statusField(done, 'readyReplicas')).toBe(2)
    expect(statusField(done, 'availableReplicas')).toBe(2)
    expect(condition(done, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' })
    expect(done.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1')
    // What helm's legacy wait checks: a controlled RS whose template equals the deployment's minus the hash label.
    const [rs] = store.list('replicasets', 'ns1')
    const hash = rs?.metadata.labels?.['pod-template-hash'] ?? ''
    expect(rs?.metadata.name).toBe(`web-${hash}`)
    expect(rs?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Deployment',
      uid: done.metadata.uid,
      controller: true
    })
    const rsTemplate = structuredClone(
      (rs?.spec as { template: { metadata: { labels: Record<string, string> } } }).template
    )
    delete rsTemplate.metadata.labels['pod-template-hash']
    expect(rsTemplate).toEqual((done.spec as { template: unknown }).template)
    expect(statusField(rs, 'readyReplicas')).toBe(2)
    // What helm v4 lists: pods by selector plus the hash.
    expect(pods(store, 'web').filter(p => p.metadata.labels?.['pod-template-hash'] === hash)).toHaveLength(2)
    expect(events(store, { reason: 'ScalingReplicaSet' }).map(e => e.message)).toEqual([
      `Scaled up replica set web-${hash} from 0 to 2`
    ])
    const created = events(store, { reason: 'SuccessfulCreate' })
    expect(created).toHaveLength(2)
    expect(created[0]?.source.component).toBe('replicaset-controller')
    expect(events(store, { reason: 'Scheduled' })[0]?.message).toMatch(
      /^Successfully assigned ns1\/web-\w+-\w{5} to test-node$/
    )
  })

  test('a new template rolls out a new ReplicaSet; going back reuses the old one as a new revision', async () => {
    const { store } = cluster()
    store.create('deployments', deployment('web', { VERSION: '1' }))
    const complete = (revision: string) => () => {
      const d = store.get('deployments', 'ns1', 'web')
      return (
        condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' &&
        statusField(d, 'replicas') === 1 &&
        d?.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision &&
        d
      )
    }
    await waitFor('revision 1', complete('1'))
    const firstRs = store.list('replicasets', 'ns1')[0]?.metadata.name
    const update = (version: string): void => {
      const current = store.get('deployments', 'ns1', 'web')
      if (!current) throw new Error('gone')
      const next = deployment('web', { VERSION: version })
      store.update('deployments', { ...current, spec: next.spec })
    }
    update('2')
    const second = await waitFor('revision 2', complete('2'))
    expect(second.metadata.generation).toBe(2)
    expect(statusField(second, 'observedGeneration')).toBe(2)
    const sets = store.list('replicasets', 'ns1')
    expect(sets).toHaveLength(2)
    const old = sets.find(rs => rs.metadata.name === firstRs)
    expect((old?.spec as { replicas: number }).replicas).toBe(0)
    // Complete while the old pod may still be terminating (it is no replica any more); then it is gone.
    expect(pods(store, 'web').filter(p => !p.metadata.deletionTimestamp)).toHaveLength(1)
    await waitFor('old pod gone', () => pods(store, 'web').length === 1)
    expect(events(store, { reason: 'ScalingReplicaSet' }).map(e => e.message)).toContain(
      `Scaled down replica set ${firstRs} from 1 to 0`
    )
    update('1')
    await waitFor('revision 3', complete('3'))
    const reused = store.get('replicasets', 'ns1', firstRs ?? '')
    expect(reused?.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3')
    expect(store.list('replicasets', 'ns1')).toHaveLength(2)
  })

  test('a Deployment re-created after an orphaning delete adopts its old ReplicaSet', async () => {
    const { store } = cluster()
    store.create('deployments', deployment('phoenix'))
    await waitFor(
      'available',
      () => statusField(store.get('deployments', 'ns1', 'phoenix'), 'availableReplicas') === 1
    )
    const [rs] = store.list('replicasets', 'ns1')
    store.delete('deployments', 'ns1', 'phoenix', 'Orphan')
    expect(store.get('replicasets', 'ns1', rs?.metadata.name ?? '')?.metadata.ownerReferences).toBeUndefined()
    const again = store.create('deployments', deployment('phoenix'))
    await waitFor('adopted', () => {
      const adopted = store.get('replicasets', 'ns1', rs?.metadata.name ?? '')
      return adopted?.metadata.ownerReferences?.[0]?.uid === again.metadata.uid
    })
    await waitFor(
      'complete',
      () =>
        condition(store.get('deployments', 'ns1', 'phoenix'), 'Progressing')?.reason ===
        'NewReplicaSetAvailable'
    )
    expect(store.list('replicasets', 'ns1')).toHaveLength(1)
    expect(pods(store, 'phoenix')).toHaveLength(1)
  })

  test('the Recreate strategy takes the old pods down before the new ReplicaSet scales up', async () => {
    const { store } = cluster()
    store.create(
      'deployments',
      deployment('rec', { VERSION: '1' }, { replicas: 2, spec: { strategy: { type: 'Recreate' } } })
    )
    await waitFor(
      'ready',
      () => statusField(store.get('deployments', 'ns1', 'rec'), 'availableReplicas') === 2
    )
    const current = store.get('deployments', 'ns1', 'rec')
    if (!current) throw new Error('gone')
    const next = deployment(
      'rec',
      { VERSION: '2' },
      { replicas: 2, spec: { strategy: { type: 'Recreate' } } }
    )
    store.update('deployments', { ...current, spec: next.spec })
    await waitFor('revision 2 complete', () => {
      const d = store.get('deployments', 'ns1', 'rec')
      return (
        d?.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' &&
        condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' &&
        statusField(d, 'replicas') === 2
      )
    })
    const scaling = events(store, { reason: 'ScalingReplicaSet' }).map(e => e.message)
    const down = scaling.findIndex(m => m.startsWith('Scaled down'))
    const up = scaling.findIndex((m, i) => i > 0 && m.startsWith('Scaled up'))
    expect(down).toBeGreaterThan(0)
    expect(up).toBeGreaterThan(down)
  })

  test('no progress within progressDeadlineSeconds gives Progressing=False ProgressDeadlineExceeded', async () => {
    const { store } = cluster(0.05)
    store.create(
      'deployments',
      deployment('stuck', { SIM_NEVER_READY: '1' }, { spec: { progressDeadlineSeconds: 6 } })
    )
    const stuck = await waitFor('deadline', () => {
      const d = store.get('deployments', 'ns1', 'stuck')
      return condition(d, 'Progressing')?.status === 'False' && d
    })
    expect(condition(stuck, 'Progressing')).toMatchObject({
      reason: 'ProgressDeadlineExceeded',
      message: expect.stringMatching(/^ReplicaSet "stuck-\w+" has timed out progressing\.$/) as unknown
    })
    expect(condition(stuck, 'Available')).toMatchObject({
      status: 'False',
      reason: 'MinimumReplicasUnavailable'
    })
    expect(statusField(stuck, 'unavailableReplicas')).toBe(1)
  })
})

describe('kubelet', () => {
  test('a crashing container restarts with back-off: CrashLoopBackOff, lastState, BackOff count, logs', async () => {
    const { store, sim } = cluster(0.02)
    store.create(
      'deployments',
      deployment('crash', {
        SIM_EXIT_CODE: '3',
        SIM_RUN_SECONDS: '0.5',
        SIM_LOG: 'starting\\nloading config\\nfatal: boom'
      })
    )
    const pod = await waitFor('three restarts in back-off', () => {
      const found = pods(store, 'crash')[0]
      const status = containerStatus(found)
      return (
        status && status.restartCount >= 3 && status.state.waiting?.reason === 'CrashLoopBackOff' && found
      )
    })
    const status = containerStatus(pod)
    const name = pod.metadata.name
    expect(status?.state.waiting?.message).toBe(
      `back-off ${goSeconds(Math.min(10 * 2 ** ((status?.restartCount ?? 1) - 1), 300))} restarting failed container=app pod=${name}_ns1(${pod.metadata.uid ?? ''})`
    )
    expect(status?.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' })
    expect(status?.lastState.terminated?.startedAt).toMatch(/Z$/)
    expect(status?.ready).toBe(false)
    expect(pod.status?.phase).toBe('Running')
    const backOff = events(store, { reason: 'BackOff', name })
    expect(backOff).toHaveLength(1)
    expect(backOff[0]).toMatchObject({
      type: 'Warning',
      message: `Back-off restarting failed container app in pod ${name}_ns1(${pod.metadata.uid ?? ''})`,
      involvedObject: { kind: 'Pod', fieldPath: 'spec.containers{app}' },
      source: { component: 'kubelet', host: 'test-node' }
    })
    expect(backOff[0]?.count).toBeGreaterThanOrEqual(2)
    const started = events(store, { reason: 'Started', name })[0]
    expect(started?.count).toBeGreaterThanOrEqual(4)
    expect(sim.readLog('ns1', name, { previous: true })).toBe('starting\nloading config\nfatal: boom\n')
    expect(sim.readLog('ns1', name, { previous: true, tailLines: 2 })).toBe('loading config\nfatal: boom\n')
    // In CrashLoopBackOff the current log is the last terminated instance's, as the kubelet serves it.
    expect(sim.readLog('ns1', name, { previous: false, container: 'app', tailLines: 1 })).toBe(
      'fatal: boom\n'
    )
    // Briefly Ready while each instance runs (no readiness probe), unavailable while it backs off.
    await waitFor(
      'deployment unavailable',
      () => condition(store.get('deployments', 'ns1', 'crash'), 'Available')?.status === 'False'
    )
  })

  test('SIM_EXIT_REASON names the termination (OOMKilled)', async () => {
    const { store } = cluster(0.02)
    store.create('deployments', deployment('oom', { SIM_EXIT_CODE: '137', SIM_EXIT_REASON: 'OOMKilled' }))
    const status = await waitFor('restarted', () => {
      const found = containerStatus(pods(store, 'oom')[0])
      return (found?.restartCount ?? 0) >= 1 && found
    })
    expect(status.lastState.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' })
  })

  test('an unreachable registry: ErrImagePull until the next pod sync, then ImagePullBackOff; pulls only on syncs', async () => {
    const { store, sim } = cluster(0.05)
    const seen = observe(store)
    const image = 'registry.invalid/team/app:1.0'
    store.create('deployments', deployment('nopull', {}, { extra: { image } }))
    const pod = await waitFor('ImagePullBackOff', () => {
      const found = pods(store, 'nopull')[0]
      return containerStatus(found)?.state.waiting?.reason === 'ImagePullBackOff' && found
    })
    const name = pod.metadata.name
    const cause = `rpc error: code = Unknown desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to do request: Head "https://registry.invalid/v2/team/app/manifests/1.0": dial tcp: lookup registry.invalid: no such host`
    const messages = events(store, { name }).map(e => `${e.type} ${e.reason} ${e.message}`)
    expect(messages).toContain(`Normal Pulling Pulling image "${image}"`)
    expect(messages).toContain(`Warning Failed Failed to pull image "${image}": ${cause}`)
    expect(messages).toContain('Warning Failed Error: ErrImagePull')
    expect(messages).toContain('Warning Failed Error: ImagePullBackOff')
    expect(messages).toContain(`Normal BackOff Back-off pulling image "${image}"`)
    // Since kubelet 1.32 the back-off message carries the pull error.
    expect(containerStatus(pod)?.state.waiting?.message).toBe(
      `Back-off pulling image "${image}": ErrImagePull: ${cause}`
    )
    expect(logError(() => sim.readLog('ns1', name, { previous: false })).message).toBe(
      `container "app" in pod "${name}" is waiting to start: trying and failing to pull image`
    )
    // The next pull comes with a pod worker resync once the 10 s back-off is over; ErrImagePull is back.
    const again = await waitFor('second pull failure', () => {
      const found = store.get('pods', 'ns1', name) as Pod | undefined
      return containerStatus(found)?.state.waiting?.reason === 'ErrImagePull' && found
    })
    expect(containerStatus(again)?.state.waiting?.message).toBe(cause)
    const pulls = occurrences(seen, 'Pulling', name)
    const failures = occurrences(seen, 'Failed', name, `Failed to pull image "${image}": ${cause}`)
    expect(pulls.length).toBeGreaterThanOrEqual(2)
    expect((pulls[1] ?? 0) - (failures[0] ?? 0)).toBeGreaterThanOrEqual(simMs(10, 0.05) - SLACK_MS)
  })

  test('SIM_PULL_FAILURES: the first pulls fail with a registry 503, back off 10 s then 20 s, then the pull works', async () => {
    const { store } = cluster(0.05)
    const seen = observe(store)
    const image = 'registry.example.com/flaky/app:2.0'
    store.create('deployments', deployment('flaky', { SIM_PULL_FAILURES: '2' }, { extra: { image } }))
    const pod = await waitFor(
      'running after two failed pulls',
      () => {
        const found = pods(store, 'flaky')[0]
        return containerStatus(found)?.ready && found
      },
      10_000
    )
    const name = pod.metadata.name
    const cause = `rpc error: code = Unknown desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": unexpected status from HEAD request to https://registry.example.com/v2/flaky/app/manifests/2.0: 503 Service Unavailable`
    const failed = events(store, { name }).find(
      e => e.message === `Failed to pull image "${image}": ${cause}`
    )
    expect(failed).toMatchObject({ type: 'Warning', reason: 'Failed', count: 2 })
    expect(events(store, { name }).find(e => e.message === 'Error: ErrImagePull')?.count).toBe(2)
    expect(events(store, { name }).find(e => e.reason === 'Pulling')?.count).toBe(3)
    expect(events(store, { name }).map(e => e.reason)).toEqual(expect.arrayContaining(['BackOff', 'Pulled']))
    const waiting = seenWaiting(seen, name)
    expect(waiting).toContainEqual({ reason: 'ErrImagePull', message: cause })
    expect(waiting).toContainEqual({
      reason: 'ImagePullBackOff',
      message: `Back-off pulling image "${image}": ErrImagePull: ${cause}`
    })
    // Pulls only after the image back-off: 10 s after the first failure, 20 s after the second.
    const pulls = occurrences(seen, 'Pulling', name)
    const failures = occurrences(seen, 'Failed', name, `Failed to pull image "${image}": ${cause}`)
    expect((pulls[1] ?? 0) - (failures[0] ?? 0)).toBeGreaterThanOrEqual(simMs(10, 0.05) - SLACK_MS)
    expect((pulls[2] ?? 0) - (failures[1] ?? 0)).toBeGreaterThanOrEqual(simMs(20, 0.05) - SLACK_MS)
  })

  test('an invalid image reference gives InvalidImageName', async () => {
    const { store } = cluster()
    store.create('deployments', deployment('badref', {}, { extra: { image: 'Registry.example.com/App::1' } }))
    const pod = await waitFor('InvalidImageName', () => {
      const found = pods(store, 'badref')[0]
      return containerStatus(found)?.state.waiting?.reason === 'InvalidImageName' && found
    })
    expect(containerStatus(pod)?.state.waiting?.message).toContain('invalid reference format')
    expect(events(store, { name: pod.metadata.name }).map(e => e.message)).toContain(
      'Error: InvalidImageName'
    )
  })

  test('SIM_NEVER_READY keeps a running container unready with Unhealthy events', async () => {
    const { store } = cluster(0.02)
    store.create(
      'deployments',
      deployment(
        'unready',
        { SIM_NEVER_READY: '1' },
        { extra: { readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 } } }
      )
    )
    const event = await waitFor('two Unhealthy probes', () =>
      events(store, { reason: 'Unhealthy' }).find(e => e.count >= 2)
    )
    expect(event).toMatchObject({
      type: 'Warning',
      message: 'Readiness probe failed: HTTP probe failed with statuscode: 503'
    })
    const pod = pods(store, 'unready')[0]
    expect(pod?.status?.phase).toBe('Running')
    expect(containerStatus(pod)).toMatchObject({ ready: false, started: true })
    expect(condition(pod, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [app]'
    })
  })

  test('SIM_LIVENESS_FAIL_AFTER_SECONDS gets the container killed and restarted (exit 137)', async () => {
    const { store } = cluster(0.02)
    store.create(
      'deployments',
      deployment(
        'zombie',
        { SIM_LIVENESS_FAIL_AFTER_SECONDS: '5' },
        {
          extra: {
            livenessProbe: {
              httpGet: { path: '/healthz', port: 8080 },
              periodSeconds: 2,
              failureThreshold: 2
            }
          }
        }
      )
    )
    const pod = await waitFor('restarted', () => {
      const found = pods(store, 'zombie')[0]
      return (containerStatus(found)?.restartCount ?? 0) >= 1 && found
    })
    expect(containerStatus(pod)?.lastState.terminated).toMatchObject({ exitCode: 137, reason: 'Error' })
    const messages = events(store, { name: pod.metadata.name }).map(e => `${e.type} ${e.reason} ${e.message}`)
    expect(messages).toContain(
      'Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 503'
    )
    expect(messages).toContain('Normal Killing Container app failed liveness probe, will be restarted')
  })

  test('SIM_READY_AFTER_SECONDS delays readiness', async () => {
    const { store } = cluster(0.05)
    const createdAt = Date.now()
    store.create('deployments', deployment('slow', { SIM_READY_AFTER_SECONDS: '10' }))
    const running = await waitFor('running', () => {
      const found = pods(store, 'slow')[0]
      return containerStatus(found)?.state.running && found
    })
    expect(containerStatus(running)?.ready).toBe(false)
    expect(condition(running, 'Ready')?.status).toBe('False')
    await waitFor('ready', () => containerStatus(pods(store, 'slow')[0])?.ready)
    // 1 s pull + 10 s to ready at timeScale 0.05: at least 550 ms after the create.
    expect(Date.now() - createdAt).toBeGreaterThanOrEqual(550)
  })

  test('requests beyond the node give FailedScheduling; freed room lets the pod in', async () => {
    const { store } = cluster()
    const resources = (cpu: string, memory: string) => ({ resources: { requests: { cpu, memory } } })
    store.create('deployments', deployment('big', {}, { extra: resources('3', '1Gi') }))
    await waitFor('big running', () => containerStatus(pods(store, 'big')[0])?.ready)
    store.create('deployments', deployment('huge', {}, { extra: resources('2', '9Gi') }))
    const pending = await waitFor('unschedulable', () => {
      const found = pods(store, 'huge')[0]
      return condition(found, 'PodScheduled')?.reason === 'Unschedulable' && found
    })
    const message =
      '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.'
    expect(condition(pending, 'PodScheduled')).toMatchObject({ status: 'False', message })
    expect(pending.status?.phase).toBe('Pending')
    expect(events(store, { reason: 'FailedScheduling' })[0]).toMatchObject({
      type: 'Warning',
      message,
      reportingComponent: 'default-scheduler'
    })
    const current = store.get('deployments', 'ns1', 'huge')
    if (!current) throw new Error('gone')
    const smaller = deployment('huge', {}, { extra: resources('1', '1Gi') })
    store.update('deployments', { ...current, spec: smaller.spec })
    await waitFor('smaller pod scheduled', () => pods(store, 'huge').find(p => containerStatus(p)?.ready))
  })

  test('a missing ConfigMap gives CreateContainerConfigError until it appears', async () => {
    const { store } = cluster()
    store.create(
      'deployments',
      deployment('cfg', {}, { extra: { envFrom: [{ configMapRef: { name: 'app-config' } }] } })
    )
    const pod = await waitFor('CreateContainerConfigError', () => {
      const found = pods(store, 'cfg')[0]
      return containerStatus(found)?.state.waiting?.reason === 'CreateContainerConfigError' && found
    })
    expect(containerStatus(pod)?.state.waiting?.message).toBe('configmap "app-config" not found')
    expect(events(store, { reason: 'Failed' })[0]).toMatchObject({
      type: 'Warning',
      message: 'Error: configmap "app-config" not found'
    })
    store.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app-config', namespace: 'ns1' },
      data: { a: 'b' }
    })
    await waitFor('healed', () => containerStatus(pods(store, 'cfg')[0])?.ready)
  })

  test('a missing Secret volume gives FailedMount and ContainerCreating; a missing key a config error', async () => {
    const { store } = cluster()
    store.create(
      'deployments',
      deployment('vol', {}, { extra: { volumeMounts: [{ name: 'creds', mountPath: '/creds' }] } })
    )
    const current = store.get('deployments', 'ns1', 'vol')
    if (!current) throw new Error('gone')
    const spec = structuredClone(current.spec) as { template: { spec: Record<string, unknown> } }
    spec.template.spec.volumes = [{ name: 'creds', secret: { secretName: 'db-creds' } }]
    store.update('deployments', { ...current, spec })
    const mount = await waitFor('FailedMount', () => events(store, { reason: 'FailedMount' })[0])
    expect(mount).toMatchObject({
      type: 'Warning',
      message: 'MountVolume.SetUp failed for volume "creds" : secret "db-creds" not found'
    })
    const pod = pods(store, 'vol').find(
      p => events(store, { reason: 'FailedMount', name: p.metadata.name }).length > 0
    )
    expect(containerStatus(pod)?.state.waiting?.reason).toBe('ContainerCreating')
    store.create('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db-creds', namespace: 'ns1' },
      stringData: { user: 'app' }
    })
    await waitFor('rolled out', () => {
      const d = store.get('deployments', 'ns1', 'vol')
      return (
        condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && statusField(d, 'replicas') === 1
      )
    })
    store.create(
      'deployments',
      deployment(
        'key',
        {},
        {
          extra: {
            env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db-creds', key: 'password' } } }]
          }
        }
      )
    )
    const waiting = await waitFor('missing key', () => {
      const state = containerStatus(pods(store, 'key')[0])?.state.waiting
      return state?.reason === 'CreateContainerConfigError' && state
    })
    expect(waiting).toEqual({
      reason: 'CreateContainerConfigError',
      message: "couldn't find key password in Secret ns1/db-creds"
    })
  })

  test('a config error is retried only on the pod worker resync (10-15 s), not when the Secret appears', async () => {
    const { store } = cluster(0.05)
    const seen = observe(store)
    store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'late-secret', namespace: 'ns1' },
      spec: {
        containers: [
          container(
            {},
            { env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api-token', key: 'token' } } }] }
          )
        ]
      }
    })
    // The first sync fails, and so does the one the sandbox's PLEG event brings a relist later.
    await waitFor('two failed syncs', () =>
      events(store, { name: 'late-secret' }).find(
        e => e.message === 'Error: secret "api-token" not found' && e.count >= 2
      )
    )
    // What ExternalSecrets would do: the Secret shows up a moment after the pod failed.
    store.create('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'api-token', namespace: 'ns1' },
      stringData: { token: 't0ken' }
    })
    const createdAt = Date.now()
    await waitFor('running', () => containerStatus(store.get('pods', 'ns1', 'late-secret') as Pod)?.ready)
    const runningAt =
      seen.find(
        e => e.object.metadata.name === 'late-secret' && containerStatus(e.object as Pod)?.state.running
      )?.at ?? 0
    const lastFailure = occurrences(seen, 'Failed', 'late-secret').at(-1) ?? 0
    // The pod kept failing with the Secret missing; it healed at the resync 10 s (+ up to 5 s jitter) after
    // that failure, however soon the Secret appeared.
    expect(lastFailure).toBeLessThan(createdAt)
    expect(runningAt - lastFailure).toBeGreaterThanOrEqual(simMs(10, 0.05) - SLACK_MS)
  })

  test('a failed volume mount is retried by the volume manager, 0.5 s doubling, not when the object appears', async () => {
    const { store } = cluster(0.05)
    const seen = observe(store)
    store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'late-config', namespace: 'ns1' },
      spec: {
        volumes: [{ name: 'settings', configMap: { name: 'app-settings' } }],
        containers: [container({}, { volumeMounts: [{ name: 'settings', mountPath: '/etc/app' }] })]
      }
    })
    const mountMessage = 'MountVolume.SetUp failed for volume "settings" : configmap "app-settings" not found'
    await waitFor('five failed mounts', () =>
      events(store, { name: 'late-config' }).find(e => e.message === mountMessage && e.count >= 5)
    )
    const pod = store.get('pods', 'ns1', 'late-config') as Pod
    expect(containerStatus(pod)?.state.waiting?.reason).toBe('ContainerCreating')
    expect(condition(pod, 'PodReadyToStartContainers')?.status).toBe('False')
    store.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app-settings', namespace: 'ns1' },
      data: { mode: 'prod' }
    })
    // The next retry can be seconds away if this test saw the failures late (the back-off keeps doubling).
    await waitFor(
      'running',
      () => containerStatus(store.get('pods', 'ns1', 'late-config') as Pod)?.ready,
      15_000
    )
    const attempts = occurrences(seen, 'FailedMount', 'late-config', mountMessage)
    // Each retry waits longer than the last: 0.5 s, 1 s, 2 s, 4 s ... (checked from 2 s on, 100 ms real).
    expect(attempts.length).toBeGreaterThanOrEqual(5)
    for (let i = 3; i < attempts.length; i++) {
      expect((attempts[i] ?? 0) - (attempts[i - 1] ?? 0)).toBeGreaterThanOrEqual(
        simMs(0.5 * 2 ** (i - 1), 0.05) - SLACK_MS
      )
    }
    const runningAt =
      seen.find(
        e => e.object.metadata.name === 'late-config' && containerStatus(e.object as Pod)?.state.running
      )?.at ?? 0
    const lastFailure = attempts.at(-1) ?? 0
    // The mount succeeded on the retry after the back-off of the last failure, 2^(n-1) / 2 seconds later.
    expect(runningAt - lastFailure).toBeGreaterThanOrEqual(
      simMs(0.5 * 2 ** (attempts.length - 1), 0.05) - SLACK_MS
    )
  })

  test('the crash loop back-off starts over after a container ran for 10 minutes', async () => {
    const { store } = cluster(0.001)
    const seen = observe(store)
    store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'long-runner', namespace: 'ns1' },
      spec: { containers: [container({ SIM_EXIT_CODE: '1', SIM_RUN_SECONDS: '610' })] }
    })
    await waitFor(
      'three restarts',
      () => (containerStatus(store.get('pods', 'ns1', 'long-runner') as Pod)?.restartCount ?? 0) >= 3,
      15_000
    )
    // Each instance ran 700 s (> 2 x 300 s): every restart is immediate, never CrashLoopBackOff.
    expect(seenWaiting(seen, 'long-runner').map(w => w.reason)).not.toContain('CrashLoopBackOff')
    expect(events(store, { reason: 'BackOff', name: 'long-runner' })).toHaveLength(0)
  })

  test('logs: container choice, previous, waiting and missing pod errors', async () => {
    const { store, sim } = cluster()
    store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'two', namespace: 'ns1' },
      spec: {
        containers: [
          container(
            { SIM_LOG: 'one\ntwo\nthree' },
            { name: 'a', envFrom: [{ configMapRef: { name: 'late' } }] }
          ),
          container({}, { name: 'b', image: 'registry.example.com/slow:1' })
        ]
      }
    })
    expect(logError(() => sim.readLog('ns1', 'two', { previous: false })).message).toBe(
      'a container name must be specified for pod two, choose one of: [a b]'
    )
    expect(logError(() => sim.readLog('ns1', 'two', { previous: false, container: 'c' })).message).toBe(
      'container c is not valid for pod two'
    )
    // Held back by a missing ConfigMap, so the waiting state lasts as long as the test needs.
    await waitFor('config error', () => {
      const found = store.get('pods', 'ns1', 'two') as Pod | undefined
      return found?.status?.containerStatuses?.[0]?.state.waiting?.reason === 'CreateContainerConfigError'
    })
    const error = logError(() => sim.readLog('ns1', 'two', { previous: false, container: 'a' }))
    expect(error.code).toBe(400)
    expect(error.reason).toBe('BadRequest')
    expect(error.message).toBe('container "a" in pod "two" is waiting to start: CreateContainerConfigError')
    store.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'late', namespace: 'ns1' },
      data: {}
    })
    await waitFor(
      'running',
      () => (store.get('pods', 'ns1', 'two') as Pod | undefined)?.status?.phase === 'Running'
    )
    expect(sim.readLog('ns1', 'two', { previous: false, container: 'a' })).toBe('one\ntwo\nthree\n')
    expect(sim.readLog('ns1', 'two', { previous: false, container: 'a', tailLines: 2 })).toBe('two\nthree\n')
    expect(sim.readLog('ns1', 'two', { previous: false, container: 'b' })).toBe('')
    expect(logError(() => sim.readLog('ns1', 'two', { previous: true, container: 'a' })).message).toBe(
      'previous terminated container "a" in pod "two" not found'
    )
    // A pod stuck before its containers are created (missing volume source), and one never scheduled.
    store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'mountless', namespace: 'ns1' },
      spec: { containers: [container()], volumes: [{ name: 'cfg', configMap: { name: 'absent' } }] }
    })
    store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'homeless', namespace: 'ns1' },
      spec: { containers: [container({}, { resources: { requests: { cpu: '64' } } })] }
    })
    await waitFor('mount failure', () => events(store, { reason: 'FailedMount', name: 'mountless' })[0])
    expect(logError(() => sim.readLog('ns1', 'mountless', { previous: false })).message).toBe(
      'container "app" in pod "mountless" is waiting to start: ContainerCreating'
    )
    await waitFor('unschedulable', () => events(store, { reason: 'FailedScheduling', name: 'homeless' })[0])
    expect(sim.readLog('ns1', 'homeless', { previous: false })).toBe('')
    const missing = logError(() => sim.readLog('ns1', 'nope', { previous: false }))
    expect(missing.code).toBe(404)
    expect(missing.message).toBe('pods "nope" not found')
  })

  test('init containers run to completion first; a failing one fails a Never pod', async () => {
    const { store } = cluster()
    const pod = (name: string, initEnv: Env, restartPolicy: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'ns1' },
      spec: {
        restartPolicy,
        initContainers: [container(initEnv, { name: 'init' })],
        containers: [container()]
      }
    })
    store.create('pods', pod('inits', { SIM_RUN_SECONDS: '10' }, 'Always'))
    store.create('pods', pod('badinit', { SIM_EXIT_CODE: '1' }, 'Never'))
    const initializing = await waitFor('init running', () => {
      const found = store.get('pods', 'ns1', 'inits') as Pod | undefined
      return found?.status?.initContainerStatuses?.[0]?.state.running && found
    })
    expect(initializing.status?.phase).toBe('Pending')
    expect(condition(initializing, 'Initialized')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with incomplete status: [init]'
    })
    const ready = await waitFor('main ready', () => {
      const found = store.get('pods', 'ns1', 'inits') as Pod | undefined
      return containerStatus(found)?.ready && found
    })
    expect(ready.status?.initContainerStatuses?.[0]?.state.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed'
    })
    expect(condition(ready, 'Initialized')?.status).toBe('True')
    const failed = await waitFor('init failed', () => {
      const found = store.get('pods', 'ns1', 'badinit') as Pod | undefined
      return found?.status?.phase === 'Failed' && found
    })
    expect(containerStatus(failed)?.state.waiting?.reason).toBe('PodInitializing')
    expect(failed.status?.initContainerStatuses?.[0]?.state.terminated?.exitCode).toBe(1)
  })

  test('deleting a pod records Killing for its running containers', async () => {
    const { store } = cluster()
    store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'solo', namespace: 'ns1' },
      spec: { containers: [container()] }
    })
    await waitFor(
      'running',
      () => (store.get('pods', 'ns1', 'solo') as Pod | undefined)?.status?.phase === 'Running'
    )
    store.delete('pods', 'ns1', 'solo')
    const killing = await waitFor('Killing', () => events(store, { reason: 'Killing' })[0])
    expect(killing.message).toBe('Stopping container app')
    expect(killing.involvedObject.fieldPath).toBe('spec.containers{app}')
  })
})

describe('graceful pod deletion', () => {
  function runningPod(store: Store, name: string, env: Env = {}, spec: Record<string, unknown> = {}) {
    store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'ns1' },
      spec: { containers: [container(env)], ...spec }
    })
    return waitFor(`${name} running`, () => {
      const found = store.get('pods', 'ns1', name) as Pod | undefined
      return found?.status?.phase === 'Running' && found
    })
  }

  test('a deleted pod stays, Terminating, until its container stopped (1 s), then the kubelet removes it', async () => {
    const { store } = cluster(0.05)
    const seen = observe(store)
    await runningPod(store, 'web-1')
    const marked = store.delete('pods', 'ns1', 'web-1')
    expect(marked.metadata.deletionTimestamp).toEqual(expect.any(String))
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(30)
    const deadline = Date.parse(marked.metadata.deletionTimestamp ?? '')
    expect(deadline - Date.now()).toBeGreaterThan(25_000)
    expect(store.get('pods', 'ns1', 'web-1')?.metadata.deletionTimestamp).toBe(
      marked.metadata.deletionTimestamp
    )
    // Deleting again neither extends nor restarts the grace period.
    expect(store.delete('pods', 'ns1', 'web-1').metadata.deletionTimestamp).toBe(
      marked.metadata.deletionTimestamp
    )
    await waitFor('gone', () => !store.get('pods', 'ns1', 'web-1'))
    const last = seen.filter(e => e.resource === 'pods' && e.object.metadata.name === 'web-1').at(-1)
      ?.object as Pod
    expect(last.status?.phase).toBe('Succeeded')
    expect(containerStatus(last)?.state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' })
    const killing = occurrences(seen, 'Killing', 'web-1')[0] ?? 0
    const goneAt = seen.filter(e => e.object.metadata.name === 'web-1').at(-1)?.at ?? 0
    expect(goneAt - killing).toBeGreaterThanOrEqual(simMs(1, 0.05) - SLACK_MS)
  })

  test('SIM_STOP_SECONDS longer than the grace period: killed (137) when the grace period ends', async () => {
    const { store } = cluster(0.05)
    const seen = observe(store)
    await runningPod(store, 'stubborn', { SIM_STOP_SECONDS: '600' }, { terminationGracePeriodSeconds: 4 })
    const deletedAt = Date.now()
    store.delete('pods', 'ns1', 'stubborn')
    const terminating = await waitFor('listed as terminating', () => {
      const found = store.get('pods', 'ns1', 'stubborn') as Pod | undefined
      return found?.metadata.deletionTimestamp ? found : undefined
    })
    expect(terminating.metadata.deletionGracePeriodSeconds).toBe(4)
    await waitFor('gone', () => !store.get('pods', 'ns1', 'stubborn'))
    const writes = seen.filter(e => e.resource === 'pods' && e.object.metadata.name === 'stubborn')
    const last = writes.at(-1)?.object as Pod
    expect(containerStatus(last)?.state.terminated).toMatchObject({ exitCode: 137, reason: 'Error' })
    expect(last.status?.phase).toBe('Failed')
    expect((writes.at(-1)?.at ?? 0) - deletedAt).toBeGreaterThanOrEqual(simMs(4, 0.05) - SLACK_MS)
  })

  test('gracePeriodSeconds=0, a pod never scheduled, or a finished pod go at once; a later delete may shorten', async () => {
    const { store } = cluster(0.05)
    await runningPod(store, 'forced')
    store.delete('pods', 'ns1', 'forced', undefined, { gracePeriodSeconds: 0 })
    expect(store.get('pods', 'ns1', 'forced')).toBeUndefined()
    // The kubelet still stops what ran.
    await waitFor('Killing', () => events(store, { reason: 'Killing', name: 'forced' })[0])
    store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'nowhere', namespace: 'ns1' },
      spec: { containers: [container({}, { resources: { requests: { cpu: '64' } } })] }
    })
    store.delete('pods', 'ns1', 'nowhere')
    expect(store.get('pods', 'ns1', 'nowhere')).toBeUndefined()
    store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'done', namespace: 'ns1' },
      spec: { restartPolicy: 'Never', containers: [container({ SIM_EXIT_CODE: '0', SIM_RUN_SECONDS: '0' })] }
    })
    await waitFor(
      'Succeeded',
      () => (store.get('pods', 'ns1', 'done') as Pod | undefined)?.status?.phase === 'Succeeded'
    )
    store.delete('pods', 'ns1', 'done')
    expect(store.get('pods', 'ns1', 'done')).toBeUndefined()
    await runningPod(store, 'slow', { SIM_STOP_SECONDS: '600' }, { terminationGracePeriodSeconds: 600 })
    const first = store.delete('pods', 'ns1', 'slow')
    const shortened = store.delete('pods', 'ns1', 'slow', undefined, { gracePeriodSeconds: 2 })
    expect(shortened.metadata.deletionGracePeriodSeconds).toBe(2)
    expect(Date.parse(shortened.metadata.deletionTimestamp ?? '')).toBeLessThan(
      Date.parse(first.metadata.deletionTimestamp ?? '')
    )
    // The kubelet honours the shorter period too: killed 2 s (not 600 s) after the delete.
    await waitFor('gone after the shortened period', () => !store.get('pods', 'ns1', 'slow'))
  })

  test('over HTTP: DELETE answers with the terminating pod; gracePeriodSeconds in the query or the body', async () => {
    const testCluster = await startTestCluster({ timeScale: 0.05 })
    try {
      const { store, url } = testCluster
      store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gd' } })
      for (const name of ['a', 'b', 'c'])
        store.create('pods', {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace: 'gd' },
          spec: { containers: [container({ SIM_STOP_SECONDS: '600' })], terminationGracePeriodSeconds: 600 }
        })
      await waitFor('running', () =>
        ['a', 'b', 'c'].every(
          n => (store.get('pods', 'gd', n) as Pod | undefined)?.status?.phase === 'Running'
        )
      )
      const remove = async (path: string, body?: unknown): Promise<{ status: number; pod: Pod }> => {
        const response = await fetch(`${url}/api/v1/namespaces/gd/pods/${path}`, {
          method: 'DELETE',
          headers: { 'Content-Type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) })
        })
        return { status: response.status, pod: (await response.json()) as Pod }
      }
      const graceful = await remove('a', {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        propagationPolicy: 'Background'
      })
      expect(graceful.status).toBe(200)
      expect(graceful.pod.metadata).toMatchObject({ name: 'a', deletionGracePeriodSeconds: 600 })
      expect(store.get('pods', 'gd', 'a')?.metadata.deletionTimestamp).toEqual(expect.any(String))
      expect((await remove('b?gracePeriodSeconds=0')).status).toBe(200)
      expect(store.get('pods', 'gd', 'b')).toBeUndefined()
      await remove('c', { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 3 })
      expect(store.get('pods', 'gd', 'c')?.metadata.deletionGracePeriodSeconds).toBe(3)
      await waitFor('c killed after its 3 s', () => !store.get('pods', 'gd', 'c'))
      expect(store.get('pods', 'gd', 'a')).toBeDefined()
    } finally {
      await testCluster.stop()
    }
  })

  test('a ReplicaSet replaces a terminating pod at once and does not count it', async () => {
    const { store } = cluster(0.05)
    store.create('deployments', deployment('slowstop', { SIM_STOP_SECONDS: '20' }, { replicas: 1 }))
    const first = await waitFor('ready', () => pods(store, 'slowstop').find(p => containerStatus(p)?.ready))
    store.delete('pods', 'ns1', first.metadata.name)
    const replacement = await waitFor('replacement', () =>
      pods(store, 'slowstop').find(p => p.metadata.name !== first.metadata.name)
    )
    expect(store.get('pods', 'ns1', first.metadata.name)?.metadata.deletionTimestamp).toEqual(
      expect.any(String)
    )
    const [rs] = store.list('replicasets', 'ns1')
    await waitFor('one replica counted', () => {
      const current = store.get('replicasets', 'ns1', rs?.metadata.name ?? '')
      return statusField(current, 'replicas') === 1 && statusField(current, 'readyReplicas') === 1
    })
    expect(
      pods(store, 'slowstop')
        .map(p => p.metadata.name)
        .sort()
    ).toEqual([first.metadata.name, replacement.metadata.name].sort())
    await waitFor('old pod gone', () => !store.get('pods', 'ns1', first.metadata.name), 8000)
  })

  test('a StatefulSet recreates a pod under the same name only once the old one is gone', async () => {
    const { store } = cluster(0.05)
    const seen = observe(store)
    store.create('statefulsets', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'ns1' },
      spec: {
        replicas: 1,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [container({ SIM_STOP_SECONDS: '5' })] }
        }
      }
    })
    const original = await waitFor('db-0 ready', () => {
      const pod = store.get('pods', 'ns1', 'db-0') as Pod | undefined
      return containerStatus(pod)?.ready && pod
    })
    const deletedAt = Date.now()
    store.delete('pods', 'ns1', 'db-0')
    const again = await waitFor('db-0 recreated', () => {
      const pod = store.get('pods', 'ns1', 'db-0')
      return pod && pod.metadata.uid !== original.metadata.uid ? pod : undefined
    })
    const removedAt = seen.find(
      e => e.type === 'DELETED' && e.object.metadata.uid === original.metadata.uid
    )?.at
    const createdAt = seen.find(e => e.type === 'ADDED' && e.object.metadata.uid === again.metadata.uid)?.at
    expect(removedAt).toBeDefined()
    expect(createdAt ?? 0).toBeGreaterThanOrEqual(removedAt ?? Infinity)
    // The old db-0 took its 5 s to stop first.
    expect((createdAt ?? 0) - deletedAt).toBeGreaterThanOrEqual(simMs(5, 0.05) - SLACK_MS)
    expect(events(store, { reason: 'FailedCreate' })).toHaveLength(0)
  })
})

describe('jobs', () => {
  function job(name: string, env: Env, spec: Record<string, unknown> = {}): KubeObject {
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: 'ns1' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [container(env)] } }, ...spec }
    }
  }

  test('a pod exiting 0 completes the Job', async () => {
    const { store } = cluster()
    const created = store.create('jobs', job('migrate', { SIM_EXIT_CODE: '0' }))
    expect(created.spec).toMatchObject({ backoffLimit: 6, completions: 1, parallelism: 1 })
    const done = await waitFor('Complete', () => {
      const j = store.get('jobs', 'ns1', 'migrate')
      return condition(j, 'Complete')?.status === 'True' && j
    })
    expect(statusField(done, 'succeeded')).toBe(1)
    expect(statusField(done, 'completionTime')).toEqual(expect.any(String))
    expect(statusField(done, 'startTime')).toEqual(expect.any(String))
    const pod = store.list('pods', 'ns1')[0] as Pod | undefined
    expect(pod?.status?.phase).toBe('Succeeded')
    expect(containerStatus(pod)?.state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' })
    expect(pod?.metadata.labels?.['job-name']).toBe('migrate')
    expect(events(store, { name: 'migrate' }).map(e => e.reason)).toEqual(['SuccessfulCreate', 'Completed'])
  })

  test('failing pods beyond backoffLimit fail the Job with BackoffLimitExceeded', async () => {
    const { store } = cluster(0.02)
    store.create('jobs', job('broken', { SIM_EXIT_CODE: '2' }, { backoffLimit: 1 }))
    const failed = await waitFor('Failed', () => {
      const j = store.get('jobs', 'ns1', 'broken')
      return condition(j, 'Failed')?.status === 'True' && j
    })
    expect(condition(failed, 'Failed')).toMatchObject({
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit'
    })
    expect(statusField(failed, 'failed')).toBe(2)
    const jobPods = store.list('pods', 'ns1') as Pod[]
    expect(jobPods.map(p => p.status?.phase)).toEqual(['Failed', 'Failed'])
    expect(containerStatus(jobPods[0])?.state.terminated).toMatchObject({ exitCode: 2, reason: 'Error' })
    expect(events(store, { reason: 'BackoffLimitExceeded' })[0]?.type).toBe('Warning')
  })

  test('activeDeadlineSeconds: FailureTarget at once, Failed only after the deleted pod has stopped', async () => {
    const { store } = cluster(0.02)
    const seen = observe(store)
    store.create(
      'jobs',
      job('slowjob', { SIM_RUN_SECONDS: '600', SIM_STOP_SECONDS: '10' }, { activeDeadlineSeconds: 10 })
    )
    const target = await waitFor('FailureTarget', () => {
      const j = store.get('jobs', 'ns1', 'slowjob')
      return condition(j, 'FailureTarget')?.status === 'True' && j
    })
    expect(condition(target, 'FailureTarget')).toMatchObject({
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline'
    })
    expect(condition(target, 'Failed')).toBeUndefined()
    await waitFor(
      'terminating counted',
      () => statusField(store.get('jobs', 'ns1', 'slowjob'), 'terminating') === 1
    )
    const failed = await waitFor('Failed', () => condition(store.get('jobs', 'ns1', 'slowjob'), 'Failed'))
    expect(failed).toMatchObject({
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline'
    })
    const done = store.get('jobs', 'ns1', 'slowjob')
    expect(statusField(done, 'failed')).toBe(1)
    expect(statusField(done, 'terminating')).toBe(0)
    expect(statusField(done, 'completionTime')).toBeUndefined()
    expect(store.list('pods', 'ns1')).toHaveLength(0)
    expect(events(store, { reason: 'DeadlineExceeded' })[0]?.type).toBe('Warning')
    // The pod took its 10 s to stop between the two conditions.
    const jobWrites = seen.filter(e => e.resource === 'jobs')
    const targetAt = jobWrites.find(e => condition(e.object, 'FailureTarget'))?.at ?? 0
    const failedAt = jobWrites.find(e => condition(e.object, 'Failed'))?.at ?? 0
    expect(failedAt - targetAt).toBeGreaterThanOrEqual(simMs(10, 0.02) - SLACK_MS)
  })

  test('OnFailure: the Job fails when the restarts reach backoffLimit', async () => {
    const { store } = cluster(0.01)
    const seen = observe(store)
    const crashing = container({ SIM_EXIT_CODE: '1', SIM_RUN_SECONDS: '0.5' })
    store.create('jobs', {
      ...job('restarter', {}),
      spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure', containers: [crashing] } } }
    })
    const target = await waitFor('FailureTarget', () => {
      const j = store.get('jobs', 'ns1', 'restarter')
      return condition(j, 'FailureTarget') && j
    })
    expect(condition(target, 'FailureTarget')?.reason).toBe('BackoffLimitExceeded')
    await waitFor('Failed', () => condition(store.get('jobs', 'ns1', 'restarter'), 'Failed'))
    // restarts >= backoffLimit, not failures + restarts > backoffLimit.
    const restarts = seen
      .filter(e => e.resource === 'pods')
      .map(e => containerStatus(e.object as Pod)?.restartCount ?? 0)
    expect(Math.max(...restarts)).toBe(2)
  })

  test('the pod re-creation back-off doubles from 10 s to at most 10 minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(podFailureBackoffSeconds)).toEqual([
      10, 20, 40, 80, 160, 320, 600, 600
    ])
    expect(podFailureBackoffSeconds(0)).toBe(0)
  })

  test('a Job whose pods would restart forever is refused', () => {
    const { store } = cluster()
    const spec = { template: { spec: { containers: [container()] } } }
    const error = logError(() => store.create('jobs', { ...job('bad', {}), spec }))
    expect(error.code).toBe(422)
    expect(error.message).toBe(
      'Job "bad" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'
    )
  })
})

describe('scheduler', () => {
  const cpu = (amount: string): Record<string, unknown> => ({ resources: { requests: { cpu: amount } } })

  function pod(name: string, extra: Record<string, unknown> = {}, env: Env = {}): KubeObject {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'ns1' },
      spec: { containers: [container(env, extra)] }
    }
  }

  function running(store: Store, name: string): Promise<Pod> {
    return waitFor(`${name} running`, () => {
      const found = store.get('pods', 'ns1', name) as Pod | undefined
      return containerStatus(found)?.ready && found
    })
  }

  function failedScheduling(store: Store, name: string): (EventView & { metadata: { name: string } })[] {
    return events(store, { reason: 'FailedScheduling', name }) as (EventView & {
      metadata: { name: string }
    })[]
  }

  test('the FitError message counts reasons over nodes, sorted, with the preemption verdict per node', () => {
    expect(
      fitErrorMessage(2, [
        { reasons: ['Insufficient cpu'], resolvable: true },
        { reasons: ["node(s) didn't match Pod's node affinity/selector"], resolvable: false }
      ])
    ).toBe(
      "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling."
    )
    expect(fitErrorMessage(2, [], 'persistentvolumeclaim "data" not found')).toBe(
      '0/2 nodes are available: persistentvolumeclaim "data" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.'
    )
  })

  test('an unschedulable pod is retried on the 5-minute flush or when an assigned pod goes, not every 10 s', async () => {
    const { store } = cluster(0.005)
    const seen = observe(store)
    store.create('pods', pod('big', cpu('3')))
    await running(store, 'big')
    store.create('pods', pod('huge', cpu('2')))
    const first = await waitFor('first attempt', () => failedScheduling(store, 'huge')[0])
    await sleep(simMs(60, 0.005))
    expect(failedScheduling(store, 'huge')).toHaveLength(1)
    // The first attempt's event names the pod before its PodScheduled condition was written, so the retry
    // (about the updated pod) is a new Event object.
    const retried = await waitFor('flushed after 5 minutes', () => failedScheduling(store, 'huge')[1], 10_000)
    expect(retried.involvedObject.resourceVersion).not.toBe(first.involvedObject.resourceVersion)
    const [firstAt, retriedAt] = occurrences(seen, 'FailedScheduling', 'huge')
    expect((retriedAt ?? 0) - (firstAt ?? 0)).toBeGreaterThanOrEqual(simMs(300, 0.005) - SLACK_MS)
    // Room freed by a deleted pod: the pod is retried after its back-off and placed.
    store.delete('pods', 'ns1', 'big')
    await running(store, 'huge')
    expect(events(store, { reason: 'Scheduled', name: 'huge' })[0]?.message).toBe(
      'Successfully assigned ns1/huge to test-node'
    )
  })

  test('repeats form an events.k8s.io series: count 2 written at once, later counts only every 30 minutes', async () => {
    const startedAt = Date.now()
    const { store } = cluster(0.001)
    const seen = observe(store)
    store.create('pods', pod('big', cpu('3')))
    await running(store, 'big')
    store.create('pods', pod('huge', cpu('2')))
    // Left alone, the pod is retried by the 5-minute flush: the second attempt (about the pod with its
    // condition written) starts the Event that becomes a series.
    const series = await waitFor(
      'refreshed series',
      () => {
        const event = failedScheduling(store, 'huge')[1]
        return (event?.series?.count ?? 0) > 2 && event
      },
      15_000
    )
    const writes = seen.filter(
      e => e.resource === 'events' && e.object.metadata.name === series.metadata.name
    )
    const counts = writes.map(e => (e.object.series as { count?: number } | undefined)?.count)
    // Created, the first repeat (count 2) at once, and then nothing until the 30-minute refresh.
    expect(counts.slice(0, 2)).toEqual([undefined, 2])
    expect(counts[2]).toBeGreaterThan(2)
    expect((writes[2]?.at ?? 0) - startedAt).toBeGreaterThanOrEqual(simMs(30 * 60, 0.001) - SLACK_MS)
    const stored = store.list('events', 'ns1').find(e => e.metadata.name === series.metadata.name)
    expect(stored).toMatchObject({
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      action: 'Scheduling',
      reportingComponent: 'default-scheduler',
      reportingInstance: 'default-scheduler-test-node',
      series: {
        lastObservedTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/) as unknown
      }
    })
    expect(stored?.eventTime).toMatch(/\.\d{6}Z$/)
    expect(stored?.count).toBeUndefined()
  })

  test('the API serves the same Events through events.k8s.io/v1 and core/v1, converted', async () => {
    const testCluster = await startTestCluster({ timeScale: 0.05 })
    try {
      const { store, url } = testCluster
      const get = async (path: string): Promise<Record<string, unknown>> =>
        (await (await fetch(`${url}${path}`)).json()) as Record<string, unknown>
      store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ev' } })
      store.create('pods', { ...pod('pending', cpu('64')), metadata: { name: 'pending', namespace: 'ev' } })
      store.create('pods', { ...pod('ok'), metadata: { name: 'ok', namespace: 'ev' } })
      await waitFor('kubelet and scheduler events', () => {
        const reasons = store.list('events', 'ev').map(e => e.reason)
        return reasons.includes('FailedScheduling') && reasons.includes('Started')
      })
      const v1 = (await get('/apis/events.k8s.io/v1/namespaces/ev/events')) as {
        kind: string
        items: KubeObject[]
      }
      expect(v1.kind).toBe('EventList')
      const failed = v1.items.find(e => e.reason === 'FailedScheduling')
      expect(failed).toMatchObject({
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        regarding: { kind: 'Pod', name: 'pending', namespace: 'ev' },
        note: expect.stringMatching(/^0\/1 nodes are available: 1 Insufficient cpu\./) as unknown,
        reportingController: 'default-scheduler',
        reportingInstance: 'default-scheduler-test-node',
        action: 'Scheduling',
        type: 'Warning',
        deprecatedSource: {},
        deprecatedFirstTimestamp: null,
        deprecatedLastTimestamp: null
      })
      expect(failed?.eventTime).toMatch(/\.\d{6}Z$/)
      expect(failed?.deprecatedCount).toBeUndefined()
      const started = v1.items.find(e => e.reason === 'Started')
      expect(started).toMatchObject({
        regarding: { name: 'ok', fieldPath: 'spec.containers{app}' },
        reportingController: 'kubelet',
        reportingInstance: 'test-node',
        deprecatedSource: { component: 'kubelet', host: 'test-node' },
        deprecatedCount: 1,
        eventTime: null
      })
      const core = (await get('/api/v1/namespaces/ev/events')) as { items: KubeObject[] }
      expect(core.items.find(e => e.reason === 'FailedScheduling')).toMatchObject({
        apiVersion: 'v1',
        involvedObject: { name: 'pending' },
        source: {},
        firstTimestamp: null,
        lastTimestamp: null,
        reportingComponent: 'default-scheduler'
      })
      const selected = (await get(
        '/apis/events.k8s.io/v1/namespaces/ev/events?fieldSelector=regarding.name%3Dpending'
      )) as { items: KubeObject[] }
      expect(selected.items.map(e => e.reason)).toEqual(['FailedScheduling'])
      // A client writing events.k8s.io/v1 is read back through core/v1.
      const posted = await fetch(`${url}/apis/events.k8s.io/v1/namespaces/ev/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { name: 'custom.1' },
          eventTime: '2025-01-01T00:00:00.000000Z',
          reportingController: 'example.com/operator',
          reportingInstance: 'operator-0',
          action: 'Reconcile',
          reason: 'Synced',
          note: 'all good',
          type: 'Normal',
          regarding: { kind: 'Pod', name: 'ok', namespace: 'ev' }
        })
      })
      expect(posted.status).toBe(201)
      expect(await get('/api/v1/namespaces/ev/events/custom.1')).toMatchObject({
        involvedObject: { name: 'ok' },
        message: 'all good',
        reportingComponent: 'example.com/operator',
        reportingInstance: 'operator-0',
        action: 'Reconcile',
        eventTime: '2025-01-01T00:00:00.000000Z'
      })
      const resources = (await get('/apis/events.k8s.io/v1')) as { resources: { name: string }[] }
      expect(resources.resources.map(r => r.name)).toEqual(['events'])
    } finally {
      await testCluster.stop()
    }
  })
})

describe('cluster autoscaler', () => {
  const cpu = (amount: string): Record<string, unknown> => ({ resources: { requests: { cpu: amount } } })

  function pod(name: string, env: Env, extra: Record<string, unknown>): KubeObject {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'ns1' },
      spec: { containers: [container(env, extra)] }
    }
  }

  test('SIM_SCALE_UP_AFTER_SECONDS: TriggeredScaleUp, a second node after that long, and the pod runs there', async () => {
    const { store } = cluster(0.02)
    const seen = observe(store)
    store.create('daemonsets', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'ns1' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [container()] } }
      }
    })
    store.create('pods', pod('big', {}, cpu('3')))
    await waitFor('big running', () => containerStatus(store.get('pods', 'ns1', 'big') as Pod)?.ready)
    store.create('pods', pod('burst', { SIM_SCALE_UP_AFTER_SECONDS: '30' }, cpu('2')))
    const triggered = await waitFor(
      'TriggeredScaleUp',
      () => events(store, { reason: 'TriggeredScaleUp' })[0]
    )
    expect(triggered).toMatchObject({
      type: 'Normal',
      message: 'pod triggered scale-up: [{test-node-group 1->2 (max: 10)}]',
      involvedObject: { kind: 'Pod', name: 'burst' },
      source: { component: 'cluster-autoscaler' },
      reportingComponent: 'cluster-autoscaler'
    })
    expect(events(store, { reason: 'FailedScheduling', name: 'burst' })[0]?.message).toBe(
      '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.'
    )
    const burst = await waitFor('burst running', () => {
      const found = store.get('pods', 'ns1', 'burst') as Pod | undefined
      return containerStatus(found)?.ready && found
    })
    expect(burst.spec.nodeName).toBe('test-node-2')
    const node = store.get('nodes', undefined, 'test-node-2')
    expect(node?.metadata.labels?.['kubernetes.io/hostname']).toBe('test-node-2')
    expect(node?.status).toMatchObject({ capacity: { cpu: '4', memory: '8Gi' } })
    expect(burst.status?.hostIP).toBe('10.0.0.11')
    expect(burst.status?.podIP).toMatch(/^10\.244\.1\.\d+$/)
    expect(events(store, { reason: 'Scheduled', name: 'burst' })[0]?.message).toBe(
      'Successfully assigned ns1/burst to test-node-2'
    )
    expect(events(store, { reason: 'Started', name: 'burst' })[0]?.source).toEqual({
      component: 'kubelet',
      host: 'test-node-2'
    })
    const triggeredAt = occurrences(seen, 'TriggeredScaleUp', 'burst')[0] ?? 0
    const nodeAt =
      seen.find(e => e.resource === 'nodes' && e.type === 'ADDED' && e.object.metadata.name === 'test-node-2')
        ?.at ?? 0
    expect(nodeAt - triggeredAt).toBeGreaterThanOrEqual(simMs(30, 0.02) - SLACK_MS)
    expect(events(store, { reason: 'TriggeredScaleUp' })).toHaveLength(1)
    // The DaemonSet follows the new node.
    await waitFor(
      'a daemon pod per node',
      () => statusField(store.get('daemonsets', 'ns1', 'agent'), 'numberReady') === 2
    )
  })

  test('SIM_NO_SCALE_UP: NotTriggerScaleUp on the 10 s loop, written once per 5 minutes with the count so far', async () => {
    const { store } = cluster(0.005)
    const seen = observe(store)
    store.create('pods', pod('big', {}, cpu('3')))
    await waitFor('big running', () => containerStatus(store.get('pods', 'ns1', 'big') as Pod)?.ready)
    store.create('pods', pod('capped', { SIM_NO_SCALE_UP: '1' }, cpu('2')))
    store.create('pods', pod('giant', { SIM_SCALE_UP_AFTER_SECONDS: '10' }, cpu('64')))
    const capped = await waitFor(
      'NotTriggerScaleUp',
      () => events(store, { reason: 'NotTriggerScaleUp', name: 'capped' })[0]
    )
    expect(capped).toMatchObject({
      type: 'Normal',
      message: "pod didn't trigger scale-up: 1 max node group size reached",
      count: 1,
      source: { component: 'cluster-autoscaler' }
    })
    const giant = await waitFor(
      'giant NotTriggerScaleUp',
      () => events(store, { reason: 'NotTriggerScaleUp', name: 'giant' })[0]
    )
    expect(giant.message).toBe("pod didn't trigger scale-up: 1 Insufficient cpu")
    const again = await waitFor(
      'written again',
      () => {
        const event = events(store, { reason: 'NotTriggerScaleUp', name: 'capped' })[0]
        return event && event.count > 1 && event
      },
      10_000
    )
    // Every loop counted, one write per 5 minutes.
    expect(again.count).toBeGreaterThan(2)
    const writes = seen.filter(
      e =>
        e.resource === 'events' &&
        e.object.reason === 'NotTriggerScaleUp' &&
        (e.object.involvedObject as { name?: string }).name === 'capped'
    )
    expect(writes).toHaveLength(2)
    expect((writes[1]?.at ?? 0) - (writes[0]?.at ?? 0)).toBeGreaterThanOrEqual(simMs(300, 0.005) - SLACK_MS)
    expect(store.list('nodes')).toHaveLength(1)
    expect(events(store, { reason: 'TriggeredScaleUp' })).toHaveLength(0)
  })
})

describe('quota and storage', () => {
  test('a pod over the ResourceQuota is refused and the ReplicaSet records FailedCreate', async () => {
    const { store } = cluster()
    store.create('resourcequotas', {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'compute', namespace: 'ns1' },
      spec: { hard: { 'requests.cpu': '1', pods: '10' } }
    })
    store.create(
      'deployments',
      deployment('greedy', {}, { extra: { resources: { requests: { cpu: '2' } } } })
    )
    const failed = await waitFor('FailedCreate', () => events(store, { reason: 'FailedCreate' })[0])
    expect(failed.type).toBe('Warning')
    expect(failed.involvedObject.kind).toBe('ReplicaSet')
    expect(failed.message).toMatch(
      /^Error creating: pods "greedy-\w+-\w{5}" is forbidden: exceeded quota: compute, requested: requests\.cpu=2, used: requests\.cpu=0, limited: requests\.cpu=1$/
    )
    const direct = logError(() =>
      store.create('pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', namespace: 'ns1' },
        spec: { containers: [container({}, { resources: { requests: { cpu: '1500m' } } })] }
      })
    )
    expect(direct.code).toBe(403)
    expect(direct.reason).toBe('Forbidden')
    expect(direct.message).toBe(
      'pods "p" is forbidden: exceeded quota: compute, requested: requests.cpu=1500m, used: requests.cpu=0, limited: requests.cpu=1'
    )
    const noRequest = logError(() =>
      store.create('pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'q', namespace: 'ns1' },
        spec: { containers: [container()] }
      })
    )
    expect(noRequest.message).toBe(
      'pods "q" is forbidden: failed quota: compute: must specify requests.cpu for: app'
    )
    store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'fits', namespace: 'ns1' },
      spec: { containers: [container({}, { resources: { requests: { cpu: '500m' } } })] }
    })
    await waitFor('quota used', () => {
      const quota = store.get('resourcequotas', 'ns1', 'compute')
      const used = (quota?.status as { used?: Record<string, string> } | undefined)?.used
      return used?.['requests.cpu'] === '500m' && used.pods === '1'
    })
    const deploy = await waitFor('ReplicaFailure', () =>
      condition(store.get('deployments', 'ns1', 'greedy'), 'ReplicaFailure')
    )
    expect(deploy).toMatchObject({ status: 'True', reason: 'FailedCreate' })
  })

  test('a pod naming a missing service account is refused until it exists; namespaces get `default`', async () => {
    const { store } = cluster()
    await waitFor('default service account', () => store.get('serviceaccounts', 'ns1', 'default'))
    store.create('deployments', deployment('sa', {}, { spec: {} }))
    const current = store.get('deployments', 'ns1', 'sa')
    if (!current) throw new Error('gone')
    const spec = structuredClone(current.spec) as { template: { spec: Record<string, unknown> } }
    spec.template.spec.serviceAccountName = 'app-runner'
    store.update('deployments', { ...current, spec })
    const failed = await waitFor('FailedCreate', () => events(store, { reason: 'FailedCreate' })[0])
    expect(failed.message).toMatch(
      /^Error creating: pods "sa-\w+-" is forbidden: error looking up service account ns1\/app-runner: serviceaccount "app-runner" not found$/
    )
    store.create('serviceaccounts', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'app-runner', namespace: 'ns1' }
    })
    await waitFor('rolled out', () => {
      const d = store.get('deployments', 'ns1', 'sa')
      return (
        d?.metadata.generation === 2 &&
        condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' &&
        statusField(d, 'replicas') === 1
      )
    })
  })

  test('claims of the standard (or no) class bind; an unknown class stays Pending with ProvisioningFailed', async () => {
    const { store } = cluster()
    const claim = (name: string, storageClassName?: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name, namespace: 'ns1' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
        ...(storageClassName ? { storageClassName } : {})
      }
    })
    store.create('persistentvolumeclaims', claim('data'))
    store.create('persistentvolumeclaims', claim('fast-data', 'fast'))
    const bound = await waitFor('bound', () => {
      const c = store.get('persistentvolumeclaims', 'ns1', 'data')
      return statusField(c, 'phase') === 'Bound' && c
    })
    expect(bound.spec).toMatchObject({
      storageClassName: 'standard',
      volumeName: `pvc-${bound.metadata.uid ?? ''}`
    })
    expect(statusField(bound, 'capacity')).toEqual({ storage: '1Gi' })
    const warning = await waitFor(
      'ProvisioningFailed',
      () => events(store, { reason: 'ProvisioningFailed' })[0]
    )
    expect(warning).toMatchObject({
      type: 'Warning',
      message: 'storageclass.storage.k8s.io "fast" not found',
      source: { component: 'persistentvolume-controller' }
    })
    expect(statusField(store.get('persistentvolumeclaims', 'ns1', 'fast-data'), 'phase')).toBe('Pending')
  })
})

describe('statefulsets and daemonsets', () => {
  test('a StatefulSet starts its pods in order and reports ready revisions', async () => {
    const { store } = cluster()
    store.create('statefulsets', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'ns1' },
      spec: {
        replicas: 3,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [container()] } },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }
          }
        ]
      }
    })
    const ready = await waitFor('3 ready', () => {
      const s = store.get('statefulsets', 'ns1', 'db')
      return statusField(s, 'readyReplicas') === 3 && s
    })
    expect(statusField(ready, 'observedGeneration')).toBe(1)
    expect(statusField(ready, 'currentReplicas')).toBe(3)
    expect(statusField(ready, 'updatedReplicas')).toBe(3)
    expect(statusField(ready, 'currentRevision')).toBe(statusField(ready, 'updateRevision'))
    expect(pods(store, 'db').map(p => p.metadata.name)).toEqual(['db-0', 'db-1', 'db-2'])
    expect(store.list('persistentvolumeclaims', 'ns1').map(c => c.metadata.name)).toEqual([
      'data-db-0',
      'data-db-1',
      'data-db-2'
    ])
    const created = events(store, { reason: 'SuccessfulCreate', name: 'db' }).map(e => e.message)
    expect(created).toContain('create Pod db-0 in StatefulSet db successful')
    // Ordered: db-1 was created only after db-0 was ready.
    const first = store.get('pods', 'ns1', 'db-0')
    const second = store.get('pods', 'ns1', 'db-1')
    const readyAt = condition(first, 'Ready')?.lastTransitionTime ?? ''
    expect((second?.metadata.creationTimestamp ?? '') >= readyAt).toBe(true)
  })

  test('a DaemonSet runs one ready pod on the node', async () => {
    const { store } = cluster()
    store.create('daemonsets', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'ns1' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [container()] } }
      }
    })
    const ready = await waitFor('ready', () => {
      const d = store.get('daemonsets', 'ns1', 'agent')
      return statusField(d, 'numberReady') === 1 && d
    })
    expect(ready.status).toMatchObject({
      desiredNumberScheduled: 1,
      currentNumberScheduled: 1,
      updatedNumberScheduled: 1,
      numberAvailable: 1,
      observedGeneration: 1
    })
    expect(pods(store, 'agent')[0]?.spec.nodeName).toBe('test-node')
  })
})

describe('events', () => {
  test('repeats of one (object, reason, message) bump count and lastTimestamp on one Event', async () => {
    const { store } = cluster(0.01)
    store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'flappy', namespace: 'ns1' },
      spec: { containers: [container({ SIM_EXIT_CODE: '1', SIM_RUN_SECONDS: '0' })] }
    })
    const started = await waitFor('started 3 times', () =>
      events(store, { reason: 'Started' }).find(e => e.count >= 3)
    )
    expect(events(store, { reason: 'Started' })).toHaveLength(1)
    const raw = store.list('events', 'ns1').find(e => e.reason === 'Started')
    expect(raw?.metadata.name).toMatch(/^flappy\.[0-9a-f]+$/)
    expect(raw).toMatchObject({ reportingComponent: 'kubelet', reportingInstance: 'test-node' })
    expect(raw?.firstTimestamp).toEqual(expect.any(String))
    expect(started.involvedObject.uid).toBe(store.get('pods', 'ns1', 'flappy')?.metadata.uid)
  })

  test('stop() ends all activity', async () => {
    const { store, sim } = cluster()
    store.create('deployments', deployment('late'))
    sim.stop()
    await sleep(200)
    expect(store.list('replicasets', 'ns1')).toHaveLength(0)
  })
})

describe('disruption controller', () => {
  function budget(name: string, spec: Record<string, unknown>): KubeObject {
    return {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name, namespace: 'ns1' },
      spec
    }
  }

  function workload(kind: 'StatefulSet' | 'DaemonSet', name: string, env: Env = {}): KubeObject {
    return {
      apiVersion: 'apps/v1',
      kind,
      metadata: { name, namespace: 'ns1' },
      spec: {
        ...(kind === 'StatefulSet' ? { replicas: 2, serviceName: name } : {}),
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [container(env)] } }
      }
    }
  }

  async function settledBudget(store: Store, name: string, done: (s: Record<string, unknown>) => boolean) {
    return waitFor(`budget ${name}`, () => {
      const pdb = store.get('poddisruptionbudgets', 'ns1', name)
      const status = pdb?.status as Record<string, unknown> | undefined
      return status && done(status) && pdb
    })
  }

  test.each([
    // integer minAvailable: expected = the selected pods; anything else: the controllers' replicas
    {
      spec: { minAvailable: 2 },
      want: { expectedPods: 3, desiredHealthy: 2, disruptionsAllowed: 1 }
    },
    { spec: { maxUnavailable: 1 }, want: { expectedPods: 3, desiredHealthy: 2, disruptionsAllowed: 1 } },
    { spec: { minAvailable: '50%' }, want: { expectedPods: 3, desiredHealthy: 2, disruptionsAllowed: 1 } },
    { spec: { maxUnavailable: '34%' }, want: { expectedPods: 3, desiredHealthy: 1, disruptionsAllowed: 2 } },
    { spec: { minAvailable: 3 }, want: { expectedPods: 3, desiredHealthy: 3, disruptionsAllowed: 0 } }
  ])('a Deployment of 3 under $spec', async ({ spec, want }) => {
    const { store } = cluster()
    store.create('deployments', deployment('web', {}, { replicas: 3 }))
    store.create(
      'poddisruptionbudgets',
      budget('web', { ...spec, selector: { matchLabels: { app: 'web' } } })
    )
    const pdb = await settledBudget(store, 'web', s => s.currentHealthy === 3)
    const allowed = want.disruptionsAllowed > 0
    expect(pdb.status).toEqual({
      observedGeneration: 1,
      currentHealthy: 3,
      ...want,
      conditions: [
        {
          type: 'DisruptionAllowed',
          status: allowed ? 'True' : 'False',
          observedGeneration: 1,
          lastTransitionTime: expect.any(String) as string,
          reason: allowed ? 'SufficientPods' : 'InsufficientPods',
          message: ''
        }
      ]
    })
  })

  test('pods not ready or being deleted are not healthy; the condition follows the count', async () => {
    const { store } = cluster()
    store.create('deployments', deployment('slow', { SIM_NEVER_READY: '1' }, { replicas: 2 }))
    store.create(
      'poddisruptionbudgets',
      budget('slow', { minAvailable: 1, selector: { matchLabels: { app: 'slow' } } })
    )
    const waiting = await settledBudget(store, 'slow', s => s.expectedPods === 2)
    expect(waiting.status).toMatchObject({ currentHealthy: 0, desiredHealthy: 1, disruptionsAllowed: 0 })
    expect(condition(waiting, 'DisruptionAllowed')).toMatchObject({
      status: 'False',
      reason: 'InsufficientPods'
    })

    // A StatefulSet of 2, one pod deleted: while it terminates (20 s, 1 s real) it counts in expected, not in healthy.
    store.create('statefulsets', workload('StatefulSet', 'db', { SIM_STOP_SECONDS: '20' }))
    store.create(
      'poddisruptionbudgets',
      budget('db', { maxUnavailable: 1, selector: { matchLabels: { app: 'db' } } })
    )
    const healthy = await settledBudget(store, 'db', s => s.currentHealthy === 2)
    expect(healthy.status).toMatchObject({ expectedPods: 2, desiredHealthy: 1, disruptionsAllowed: 1 })
    store.delete('pods', 'ns1', 'db-1')
    const disrupted = await settledBudget(store, 'db', s => s.currentHealthy === 1)
    expect(disrupted.status).toMatchObject({ expectedPods: 2, disruptionsAllowed: 0 })
    expect(condition(disrupted, 'DisruptionAllowed')).toMatchObject({
      status: 'False',
      reason: 'InsufficientPods'
    })
    const back = await settledBudget(store, 'db', s => s.currentHealthy === 2)
    expect(condition(back, 'DisruptionAllowed')).toMatchObject({ status: 'True', reason: 'SufficientPods' })
  })

  test('a spec change is observed: observedGeneration follows generation', async () => {
    const { store } = cluster()
    store.create('deployments', deployment('web', {}, { replicas: 2 }))
    const created = store.create(
      'poddisruptionbudgets',
      budget('web', { minAvailable: 1, selector: { matchLabels: { app: 'web' } } })
    )
    await settledBudget(store, 'web', s => s.currentHealthy === 2)
    const stored = store.get('poddisruptionbudgets', 'ns1', 'web') ?? created
    store.update('poddisruptionbudgets', { ...stored, spec: { ...(stored.spec as object), minAvailable: 2 } })
    const updated = await settledBudget(store, 'web', s => s.observedGeneration === 2)
    expect(updated.status).toMatchObject({ desiredHealthy: 2, disruptionsAllowed: 0 })
    expect(condition(updated, 'DisruptionAllowed')).toMatchObject({
      observedGeneration: 2,
      reason: 'InsufficientPods'
    })
  })

  test('a budget that selects nothing records NoPods and allows nothing', async () => {
    const { store } = cluster()
    store.create(
      'poddisruptionbudgets',
      budget('none', { minAvailable: 1, selector: { matchLabels: { app: 'none' } } })
    )
    const pdb = await settledBudget(store, 'none', s => s.observedGeneration === 1)
    expect(pdb.status).toMatchObject({
      currentHealthy: 0,
      desiredHealthy: 1,
      expectedPods: 0,
      disruptionsAllowed: 0
    })
    const noPods = await waitFor('NoPods', () => events(store, { reason: 'NoPods', name: 'none' })[0])
    expect(noPods).toMatchObject({
      type: 'Normal',
      message: 'No matching pods found',
      source: { component: 'controllermanager' }
    })
  })

  test('maxUnavailable over DaemonSet pods cannot be computed: SyncFailed and a warning; minAvailable: 1 can', async () => {
    const { store } = cluster()
    store.create('daemonsets', workload('DaemonSet', 'agent'))
    store.create(
      'poddisruptionbudgets',
      budget('agent', { maxUnavailable: 1, selector: { matchLabels: { app: 'agent' } } })
    )
    const failed = await settledBudget(store, 'agent', () => {
      const c = condition(store.get('poddisruptionbudgets', 'ns1', 'agent'), 'DisruptionAllowed')
      return c?.reason === 'SyncFailed'
    })
    expect(failed.status).toMatchObject({ disruptionsAllowed: 0, currentHealthy: 0, expectedPods: 0 })
    // failSafe keeps the observedGeneration it had: none yet.
    expect(statusField(failed, 'observedGeneration')).toBeUndefined()
    expect(condition(failed, 'DisruptionAllowed')).toMatchObject({
      status: 'False',
      message: 'daemonsets.apps does not implement the scale subresource'
    })
    const warning = await waitFor(
      'warning',
      () => events(store, { reason: 'CalculateExpectedPodCountFailed' })[0]
    )
    expect(warning).toMatchObject({
      type: 'Warning',
      message:
        'Failed to calculate the number of expected pods: daemonsets.apps does not implement the scale subresource'
    })

    store.create(
      'poddisruptionbudgets',
      budget('agent-min', { minAvailable: 1, selector: { matchLabels: { app: 'agent' } } })
    )
    const counted = await settledBudget(store, 'agent-min', s => s.currentHealthy === 1)
    expect(counted.status).toMatchObject({ expectedPods: 1, desiredHealthy: 1, disruptionsAllowed: 0 })
  })

  test('a pod without a controller is unmanaged: a warning, and it adds nothing to the expected count', async () => {
    const { store } = cluster()
    store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'lonely', namespace: 'ns1', labels: { app: 'lonely' } },
      spec: { containers: [container()] }
    })
    store.create(
      'poddisruptionbudgets',
      budget('lonely', { maxUnavailable: 0, selector: { matchLabels: { app: 'lonely' } } })
    )
    const pdb = await settledBudget(store, 'lonely', s => s.currentHealthy === 1)
    expect(pdb.status).toMatchObject({ expectedPods: 0, desiredHealthy: 0, disruptionsAllowed: 0 })
    const warning = await waitFor('warning', () => events(store, { reason: 'UnmanagedPods' })[0])
    expect(warning.message).toBe(
      'Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:map[string]string{app: lonely,},MatchExpressions:[]LabelSelectorRequirement{},}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.'
    )
  })
})
