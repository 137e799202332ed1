/**
 * The real kubectl 1.32.0 and 1.35.2 against the test cluster: what the simulation writes (events, pod status,
 * logs of crashed instances) must read back through kubectl as it would from a real cluster.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { kubectlBinary, type KubectlFixtureVersion } from '../fixtures/binaries.js'
import { startTestCluster, type TestCluster } from './index.js'
import type { Pod } from './simulation/model.js'

const VERSIONS: KubectlFixtureVersion[] = ['v1.32.0', 'v1.35.2']
const NAMESPACE = 'kc'
const LOG_LINES = ['booting', 'reading /etc/app/config.yaml', 'panic: missing DATABASE_URL']

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata:
  name: ${NAMESPACE}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: crasher
  namespace: ${NAMESPACE}
spec:
  replicas: 1
  selector:
    matchLabels: {app: crasher}
  template:
    metadata:
      labels: {app: crasher}
    spec:
      containers:
        - name: web
          image: registry.example.com/crasher:1.0
          env:
            - {name: SIM_EXIT_CODE, value: "3"}
            - {name: SIM_RUN_SECONDS, value: "0.2"}
            - {name: SIM_LOG, value: "${LOG_LINES.join('\\\\n')}"}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: stuck
  namespace: ${NAMESPACE}
spec:
  progressDeadlineSeconds: 10
  selector:
    matchLabels: {app: stuck}
  template:
    metadata:
      labels: {app: stuck}
    spec:
      containers:
        - name: web
          image: registry.example.com/stuck:1.0
          env:
            - {name: SIM_NEVER_READY, value: "1"}
---
apiVersion: v1
kind: Pod
metadata:
  name: nopull
  namespace: ${NAMESPACE}
spec:
  containers:
    - name: web
      image: registry.invalid/team/app:2.0
---
apiVersion: v1
kind: Pod
metadata:
  name: toobig
  namespace: ${NAMESPACE}
spec:
  containers:
    - name: web
      image: registry.example.com/big:1.0
      resources: {requests: {cpu: "64"}}
${['filler-1', 'filler-2']
  .map(
    name => `---
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${NAMESPACE}
spec:
  containers:
    - name: web
      image: registry.example.com/filler:1.0
      resources: {requests: {cpu: 10m}}
`
  )
  .join('')}`

interface Run {
  code: number
  stdout: string
  stderr: string
}

let cluster: TestCluster
let manifestDir: string
let podName: string

function kubectl(version: KubectlFixtureVersion, args: string[]): Promise<Run> {
  return new Promise(resolve => {
    execFile(kubectlBinary(version), args, { env: cluster.env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

async function ok(version: KubectlFixtureVersion, args: string[]): Promise<string> {
  const run = await kubectl(version, args)
  if (run.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${run.code}: ${run.stderr}`)
  return run.stdout
}

/**
 * Output taken while the pod sits in CrashLoopBackOff: each instance runs for a moment between back-offs, so a
 * read that lands in that moment is repeated (as a person would run the command again).
 */
async function inBackOff(
  version: KubectlFixtureVersion,
  args: string[],
  backingOff: RegExp
): Promise<string> {
  let text = ''
  for (let attempt = 0; attempt < 5; attempt++) {
    text = await ok(version, args)
    if (backingOff.test(text)) return text
  }
  return text
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

beforeAll(async () => {
  cluster = await startTestCluster({ timeScale: 0.02 })
  manifestDir = mkdtempSync(join(tmpdir(), 'kubectl-test-'))
  const manifest = join(manifestDir, 'crasher.yaml')
  writeFileSync(manifest, MANIFEST)
  await ok('v1.35.2', ['apply', '-f', manifest])
  // Two restarts and back in back-off: a previous instance exists and the status is CrashLoopBackOff.
  const pod = await waitFor('crash loop', () => {
    const found = cluster.store.list('pods', NAMESPACE)[0] as Pod | undefined
    const status = found?.status?.containerStatuses?.[0]
    return status && status.restartCount >= 2 && status.state.waiting?.reason === 'CrashLoopBackOff' && found
  })
  podName = pod.metadata.name
  await waitFor('image pull back-off', () => {
    const found = cluster.store.get('pods', NAMESPACE, 'nopull') as Pod | undefined
    return found?.status?.containerStatuses?.[0]?.state.waiting?.reason === 'ImagePullBackOff'
  })
  // An unschedulable pod, retried twice (each assigned pod that goes away sends it back to the scheduler):
  // the retries' events.k8s.io Event becomes a series of 2.
  await waitFor('toobig unschedulable', () => schedulerEvents('toobig').length === 1)
  for (const filler of ['filler-1', 'filler-2']) {
    cluster.store.delete('pods', NAMESPACE, filler, undefined, { gracePeriodSeconds: 0 })
    await waitFor(`retry after ${filler}`, () => schedulerEvents('toobig').length === 2)
  }
  await waitFor('series of 2', () => schedulerEvents('toobig')[1]?.series?.count === 2)
})

function schedulerEvents(pod: string): { series?: { count: number } }[] {
  return cluster.store
    .list('events', NAMESPACE)
    .filter(e => e.reason === 'FailedScheduling' && (e.involvedObject as { name?: string }).name === pod)
    .map(e => ({ series: e.series as { count: number } | undefined }))
}

afterAll(async () => {
  await cluster.stop()
  rmSync(manifestDir, { recursive: true, force: true })
})

interface EventItem {
  reason: string
  message: string
  type: string
  count: number
  involvedObject: { kind: string; name: string; fieldPath?: string }
  source: { component: string }
}

describe.each(VERSIONS)('kubectl %s', version => {
  test('get events -o json lists the controllers’ and kubelet’s core/v1 events', async () => {
    const list = JSON.parse(await ok(version, ['get', 'events', '-n', NAMESPACE, '-o', 'json'])) as {
      kind: string
      items: EventItem[]
    }
    expect(list.kind).toBe('List')
    const summary = list.items.map(e => `${e.involvedObject.kind} ${e.reason}`)
    expect(summary).toEqual(
      expect.arrayContaining([
        'Deployment ScalingReplicaSet',
        'ReplicaSet SuccessfulCreate',
        'Pod Scheduled',
        'Pod Started',
        'Pod BackOff'
      ])
    )
    const backOff = list.items.find(e => e.reason === 'BackOff')
    expect(backOff).toMatchObject({
      type: 'Warning',
      involvedObject: { name: podName, fieldPath: 'spec.containers{web}' },
      source: { component: 'kubelet' }
    })
    expect(list.items.find(e => e.reason === 'Started')?.count).toBeGreaterThanOrEqual(3)
  })

  test('get events prints the scheduler’s events.k8s.io events with the series count; -o json is core/v1', async () => {
    const wide = await ok(version, ['get', 'events', '-n', NAMESPACE, '-o', 'wide'])
    const [header, ...rows] = wide.trimEnd().split('\n')
    expect(header?.split(/\s{2,}/)).toEqual([
      'LAST SEEN',
      'TYPE',
      'REASON',
      'OBJECT',
      'SUBOBJECT',
      'SOURCE',
      'MESSAGE',
      'FIRST SEEN',
      'COUNT',
      'NAME'
    ])
    const failing = rows.filter(r => r.includes('FailedScheduling') && r.includes('pod/toobig'))
    expect(failing).toHaveLength(2)
    const cells = failing.map(r => r.split(/\s{2,}/))
    // A singleton (count 1) and the series of the retries (count 2); LAST SEEN from eventTime / the series.
    expect(cells.map(c => c.at(-2)).sort()).toEqual(['1', '2'])
    for (const row of cells) {
      expect(row[0]).toMatch(/^\d+s$/)
      expect(row[4]).toBe('default-scheduler, default-scheduler-test-node')
      expect(row[5]).toBe(
        '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.'
      )
    }
    const list = JSON.parse(await ok(version, ['get', 'events', '-n', NAMESPACE, '-o', 'json'])) as {
      items: Record<string, unknown>[]
    }
    const core = list.items.find(e => e.reason === 'FailedScheduling')
    expect(core).toMatchObject({ apiVersion: 'v1', source: {}, firstTimestamp: null, action: 'Scheduling' })
    expect(core?.count).toBeUndefined()
    const v1 = JSON.parse(
      await ok(version, ['get', 'events.v1.events.k8s.io', '-n', NAMESPACE, '-o', 'json'])
    ) as { items: Record<string, unknown>[] }
    expect(v1.items.find(e => e.reason === 'FailedScheduling')).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      reportingController: 'default-scheduler',
      regarding: { name: 'toobig' }
    })
  })

  test('a deleted pod shows Terminating while its container stops; --force --grace-period=0 removes it', async () => {
    const name = `stopping-${version.replace(/\W/g, '-')}`
    cluster.store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: NAMESPACE },
      spec: {
        terminationGracePeriodSeconds: 600,
        containers: [
          {
            name: 'web',
            image: 'registry.example.com/slow-stop:1.0',
            env: [{ name: 'SIM_STOP_SECONDS', value: '600' }]
          }
        ]
      }
    })
    await waitFor('running', () => {
      const pod = cluster.store.get('pods', NAMESPACE, name) as Pod | undefined
      return pod?.status?.phase === 'Running'
    })
    expect(await ok(version, ['delete', 'pod', name, '-n', NAMESPACE, '--wait=false'])).toContain(
      `pod "${name}" deleted`
    )
    const table = await ok(version, ['get', 'pod', name, '-n', NAMESPACE])
    expect(table.split('\n')[1]?.split(/\s{2,}/)[2]).toBe('Terminating')
    const forced = await kubectl(version, [
      'delete',
      'pod',
      name,
      '-n',
      NAMESPACE,
      '--grace-period=0',
      '--force'
    ])
    expect(forced.code).toBe(0)
    expect(forced.stderr).toContain('Immediate deletion does not wait for confirmation')
    expect(cluster.store.get('pods', NAMESPACE, name)).toBeUndefined()
  })

  test('get pods -l -o json shows the crash-looping container status', async () => {
    const list = JSON.parse(
      await ok(version, ['get', 'pods', '-n', NAMESPACE, '-l', 'app=crasher', '-o', 'json'])
    ) as { items: Pod[] }
    expect(list.items.map(p => p.metadata.name)).toEqual([podName])
    const status = list.items[0]?.status?.containerStatuses?.[0]
    expect(status?.restartCount).toBeGreaterThanOrEqual(2)
    expect(status?.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' })
    expect(list.items[0]?.metadata.labels?.['pod-template-hash']).toEqual(expect.any(String))
  })

  test('logs --previous --tail shows the crashed instance’s last lines', async () => {
    const previous = await ok(version, ['logs', podName, '-n', NAMESPACE, '--previous', '--tail=2'])
    expect(previous).toBe(`${LOG_LINES.slice(-2).join('\n')}\n`)
    const missing = await kubectl(version, ['logs', 'no-such-pod', '-n', NAMESPACE])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('(NotFound): pods "no-such-pod" not found')
    const waiting = await kubectl(version, ['logs', 'nopull', '-n', NAMESPACE])
    expect(waiting.code).toBe(1)
    // ImagePullBackOff most of the time; ErrImagePull for a moment after each retried pull.
    expect(waiting.stderr).toMatch(
      /Error from server \(BadRequest\): container "web" in pod "nopull" is waiting to start: (trying and failing to pull image|image can't be pulled)/
    )
  })

  test('describe pod shows state, last state, exit code and events', async () => {
    const text = await inBackOff(
      version,
      ['describe', 'pod', podName, '-n', NAMESPACE],
      /Reason:\s+CrashLoopBackOff/
    )
    expect(text).toMatch(/State:\s+Waiting\n\s+Reason:\s+CrashLoopBackOff/)
    expect(text).toMatch(/Last State:\s+Terminated\n\s+Reason:\s+Error\n\s+Exit Code:\s+3/)
    expect(text).toMatch(/Restart Count:\s+[2-9]/)
    expect(text).toMatch(/Node:\s+test-node\//)
    expect(text).toContain('Events:')
    // kubectl 1.35 prefixes the message with the event's fieldPath.
    expect(text).toMatch(
      /Warning\s+BackOff\s+.*kubelet\s+(spec\.containers\{web\}: )?Back-off restarting failed container web in pod/
    )
    expect(text).toMatch(/Normal\s+Scheduled\s+.*default-scheduler\s+Successfully assigned kc\//)
  })

  test('rollout status reports the exceeded progress deadline', async () => {
    const run = await kubectl(version, [
      'rollout',
      'status',
      'deployment/stuck',
      '-n',
      NAMESPACE,
      '--timeout=20s'
    ])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('error: deployment "stuck" exceeded its progress deadline')
  })

  test('get pods prints the table with real columns and CrashLoopBackOff', async () => {
    const text = await inBackOff(version, ['get', 'pods', '-n', NAMESPACE], /CrashLoopBackOff/)
    const [header, ...rows] = text.trimEnd().split('\n')
    expect(header?.split(/\s+/)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'])
    const row = rows.find(r => r.startsWith(`${podName} `))
    const pullRow = rows.find(r => r.startsWith('nopull '))?.split(/\s{2,}/) ?? []
    // The kubelet alternates the two while it retries the pull.
    expect(pullRow[2]).toMatch(/^(ImagePullBackOff|ErrImagePull)$/)
    const cells = row?.split(/\s{2,}/) ?? []
    expect(cells[0]).toBe(podName)
    expect(cells[1]).toBe('0/1')
    expect(cells[2]).toBe('CrashLoopBackOff')
    expect(cells[3]).toMatch(/^\d+( \(.+ ago\))?$/)
  })
})
