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
import type { KubeObject } from './types.js'

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

// --- the wider built-in API, CRDs, and server-side apply ----------------------------------------------------

const KINDS_NAMESPACE = 'kc-kinds'

const KINDS_MANIFEST = `
apiVersion: v1
kind: Namespace
metadata:
  name: ${KINDS_NAMESPACE}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: ${KINDS_NAMESPACE}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 4
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: ${KINDS_NAMESPACE}}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: job, image: registry.example.com/job:1}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: ${KINDS_NAMESPACE}}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: ${KINDS_NAMESPACE}}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: ${KINDS_NAMESPACE}}
spec:
  ingressClassName: nginx
  rules:
    - host: web.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kc-reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: kc-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kc-reader}
subjects: [{kind: ServiceAccount, name: default, namespace: ${KINDS_NAMESPACE}}]
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: kc-high}
value: 1000
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: kc-fast}
provisioner: csi.example.com
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: kc-pv}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /data}
---
apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: ${KINDS_NAMESPACE}}
spec:
  limits: [{type: Container, default: {cpu: 500m}}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: web, namespace: ${KINDS_NAMESPACE}}
subsets:
  - addresses: [{ip: 10.244.0.9}]
    ports: [{port: 8080}]
---
apiVersion: v1
kind: ReplicationController
metadata: {name: legacy, namespace: ${KINDS_NAMESPACE}}
spec:
  replicas: 0
  selector: {app: legacy}
  template:
    metadata: {labels: {app: legacy}}
    spec:
      containers: [{name: web, image: registry.example.com/legacy:1}]
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: leader, namespace: ${KINDS_NAMESPACE}}
spec: {holderIdentity: pod-a}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abc, namespace: ${KINDS_NAMESPACE}}
addressType: IPv4
ports: [{port: 8080}]
endpoints: [{addresses: [10.244.0.9]}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: kc-policy}
webhooks: []
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: kc-defaults}
webhooks: []
---
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {name: kc-user}
spec:
  request: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K
  signerName: kubernetes.io/kube-apiserver-client
  usages: [client auth]
`

interface KindCase {
  /** What kubectl is asked for (short names where the kind has one: discovery must give them). */
  resource: string
  name: string
  namespaced: boolean
  header: string[]
}

const KIND_CASES: KindCase[] = [
  {
    resource: 'hpa',
    name: 'web',
    namespaced: true,
    header: ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']
  },
  {
    resource: 'cj',
    name: 'nightly',
    namespaced: true,
    header: ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']
  },
  {
    resource: 'pdb',
    name: 'web',
    namespaced: true,
    header: ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']
  },
  { resource: 'netpol', name: 'deny', namespaced: true, header: ['NAME', 'POD-SELECTOR', 'AGE'] },
  {
    resource: 'ingressclasses',
    name: 'nginx',
    namespaced: false,
    header: ['NAME', 'CONTROLLER', 'PARAMETERS', 'AGE']
  },
  {
    resource: 'ing',
    name: 'web',
    namespaced: true,
    header: ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']
  },
  { resource: 'clusterroles', name: 'kc-reader', namespaced: false, header: ['NAME', 'CREATED AT'] },
  { resource: 'clusterrolebindings', name: 'kc-reader', namespaced: false, header: ['NAME', 'ROLE', 'AGE'] },
  {
    resource: 'pc',
    name: 'kc-high',
    namespaced: false,
    header: ['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE', 'PREEMPTIONPOLICY']
  },
  {
    resource: 'sc',
    name: 'kc-fast',
    namespaced: false,
    header: ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE']
  },
  {
    resource: 'pv',
    name: 'kc-pv',
    namespaced: false,
    header: [
      'NAME',
      'CAPACITY',
      'ACCESS MODES',
      'RECLAIM POLICY',
      'STATUS',
      'CLAIM',
      'STORAGECLASS',
      'VOLUMEATTRIBUTESCLASS',
      'REASON',
      'AGE'
    ]
  },
  { resource: 'limits', name: 'limits', namespaced: true, header: ['NAME', 'CREATED AT'] },
  { resource: 'ep', name: 'web', namespaced: true, header: ['NAME', 'ENDPOINTS', 'AGE'] },
  {
    resource: 'rc',
    name: 'legacy',
    namespaced: true,
    header: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']
  },
  { resource: 'leases', name: 'leader', namespaced: true, header: ['NAME', 'HOLDER', 'AGE'] },
  {
    resource: 'endpointslices',
    name: 'web-abc',
    namespaced: true,
    header: ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']
  },
  {
    resource: 'validatingwebhookconfigurations',
    name: 'kc-policy',
    namespaced: false,
    header: ['NAME', 'WEBHOOKS', 'AGE']
  },
  {
    resource: 'mutatingwebhookconfigurations',
    name: 'kc-defaults',
    namespaced: false,
    header: ['NAME', 'WEBHOOKS', 'AGE']
  },
  {
    resource: 'apiservices',
    name: 'v2.autoscaling',
    namespaced: false,
    header: ['NAME', 'SERVICE', 'AVAILABLE', 'AGE']
  },
  {
    resource: 'csr',
    name: 'kc-user',
    namespaced: false,
    header: ['NAME', 'AGE', 'SIGNERNAME', 'REQUESTOR', 'REQUESTEDDURATION', 'CONDITION']
  }
]

interface CustomKind {
  group: string
  kind: string
  plural: string
  short: string
}

/**
 * A kind per kubectl version: both share the discovery cache, where a deleted CRD's kind stays until a miss
 * refreshes it (kubectl then lists the deleted kind and gets a 404, as against a real cluster).
 */
const CUSTOM_KINDS: Record<KubectlFixtureVersion, CustomKind> = {
  'v1.32.0': { group: 'k132.example.com', kind: 'Gadget', plural: 'gadgets', short: 'gd' },
  'v1.35.2': { group: 'k135.example.com', kind: 'Gizmo', plural: 'gizmos', short: 'gz' }
}

function customCrd({ group, kind, plural, short }: CustomKind): string {
  return `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${plural}.${group}}
spec:
  group: ${group}
  scope: Namespaced
  names: {plural: ${plural}, singular: ${kind.toLowerCase()}, kind: ${kind}, shortNames: [${short}]}
  versions:
    - name: v1
      served: true
      storage: true
      additionalPrinterColumns:
        - {name: Size, type: integer, jsonPath: .spec.size}
        - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties: {size: {type: integer}}
`
}

function splitColumns(line: string | undefined): string[] {
  return (line ?? '').trim().split(/\s{2,}/)
}

describe('the wider API through kubectl', () => {
  beforeAll(async () => {
    const manifest = join(manifestDir, 'kinds.yaml')
    writeFileSync(manifest, KINDS_MANIFEST)
    await ok('v1.35.2', ['apply', '-f', manifest])
  })

  describe.each(VERSIONS)('kubectl %s', version => {
    test.concurrent.each(KIND_CASES)('get $resource prints the real columns', async c => {
      const scope = c.namespaced ? ['-n', KINDS_NAMESPACE] : []
      const text = await ok(version, ['get', c.resource, ...scope])
      const [header, ...rows] = text.trimEnd().split('\n')
      expect(splitColumns(header)).toEqual(c.header)
      expect(rows.map(r => splitColumns(r)[0])).toContain(c.name)
    })

    test('get hpa shows reference, targets and bounds as the printer does', async () => {
      const text = await ok(version, ['get', 'hpa', 'web', '-n', KINDS_NAMESPACE])
      expect(splitColumns(text.trimEnd().split('\n')[1])).toEqual([
        'web',
        'Deployment/web',
        'cpu: <unknown>/80%',
        '1',
        '4',
        '0',
        expect.stringMatching(/^\d+s$/)
      ])
      const v1 = JSON.parse(
        await ok(version, [
          'get',
          'horizontalpodautoscalers.v1.autoscaling',
          'web',
          '-n',
          KINDS_NAMESPACE,
          '-o',
          'json'
        ])
      ) as { apiVersion: string; spec: { targetCPUUtilizationPercentage: number } }
      expect(v1).toMatchObject({ apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 80 } })
    })

    test('sees a new CRD kind without a restart, serves its custom resources and refuses strategic merge', async () => {
      const custom = CUSTOM_KINDS[version]
      const { group, kind, plural, short } = custom
      const crd = join(manifestDir, `crd-${group}.yaml`)
      writeFileSync(crd, customCrd(custom))
      // Discovery is cached from the earlier commands; the new kind is found by refreshing it on a miss.
      await ok(version, ['apply', '-f', crd])
      await ok(version, ['wait', '--for=condition=Established', `crd/${plural}.${group}`, '--timeout=10s'])
      const none = await kubectl(version, ['get', plural, '-n', KINDS_NAMESPACE])
      expect(none).toMatchObject({ code: 0, stderr: `No resources found in ${KINDS_NAMESPACE} namespace.\n` })
      const cr = join(manifestDir, `cr-${group}.yaml`)
      writeFileSync(
        cr,
        `apiVersion: ${group}/v1\nkind: ${kind}\nmetadata: {name: small, namespace: ${KINDS_NAMESPACE}}\nspec: {size: 1}\n`
      )
      expect(await ok(version, ['apply', '-f', cr])).toBe(`${kind.toLowerCase()}.${group}/small created\n`)
      const table = (await ok(version, ['get', short, '-n', KINDS_NAMESPACE])).trimEnd().split('\n')
      expect(splitColumns(table[0])).toEqual(['NAME', 'SIZE', 'AGE'])
      expect(splitColumns(table[1]).slice(0, 2)).toEqual(['small', '1'])
      const strategic = await kubectl(version, [
        'patch',
        short,
        'small',
        '-n',
        KINDS_NAMESPACE,
        '-p',
        '{"spec":{"size":2}}'
      ])
      expect(strategic.code).toBe(1)
      expect(strategic.stderr).toContain(
        `application/strategic-merge-patch+json is not supported by ${group}/v1, Kind=${kind}: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`
      )
      await ok(version, [
        'patch',
        short,
        'small',
        '-n',
        KINDS_NAMESPACE,
        '--type=merge',
        '-p',
        '{"spec":{"size":2}}'
      ])
      expect(cluster.store.get(`${plural}.${group}`, KINDS_NAMESPACE, 'small')?.spec).toEqual({ size: 2 })
      await ok(version, ['delete', 'crd', `${plural}.${group}`])
      expect(cluster.store.registry.find(`${plural}.${group}`)).toBeUndefined()
      expect(cluster.store.get('customresourcedefinitions', undefined, `${plural}.${group}`)).toBeUndefined()
    })

    test('apply --server-side reports another manager’s field as a conflict; --force-conflicts takes it', async () => {
      const name = `owned-${version.replace(/\D/g, '')}`
      const file = (value: string): string => {
        const path = join(manifestDir, `${name}-${value}.yaml`)
        writeFileSync(
          path,
          `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: ${KINDS_NAMESPACE}}\ndata: {key: "${value}"}\n`
        )
        return path
      }
      await ok(version, ['apply', '--server-side', '--field-manager=team-a', '-f', file('a')])
      const refused = await kubectl(version, [
        'apply',
        '--server-side',
        '--field-manager=team-b',
        '-f',
        file('b')
      ])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain('Apply failed with 1 conflict: conflict with "team-a": .data.key')
      expect(refused.stderr).toContain('Please review the fields above--they currently have other managers.')
      await ok(version, [
        'apply',
        '--server-side',
        '--field-manager=team-b',
        '--force-conflicts',
        '-f',
        file('b')
      ])
      const live = JSON.parse(
        await ok(version, ['get', 'cm', name, '-n', KINDS_NAMESPACE, '-o', 'json', '--show-managed-fields'])
      ) as {
        data: Record<string, string>
        metadata: { managedFields: { manager: string; operation: string }[] }
      }
      expect(live.data).toEqual({ key: 'b' })
      expect(live.metadata.managedFields.map(m => [m.manager, m.operation])).toEqual([['team-b', 'Apply']])
    })

    test('client-side apply still patches, recorded as kubectl-client-side-apply', async () => {
      const name = `csa-${version.replace(/\D/g, '')}`
      const path = join(manifestDir, `${name}.yaml`)
      const write = (value: string): void =>
        writeFileSync(
          path,
          `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: ${KINDS_NAMESPACE}}\ndata: {key: "${value}"}\n`
        )
      write('1')
      expect(await ok(version, ['apply', '-f', path])).toBe(`configmap/${name} created\n`)
      write('2')
      expect(await ok(version, ['apply', '-f', path])).toBe(`configmap/${name} configured\n`)
      const live = cluster.store.get('configmaps', KINDS_NAMESPACE, name) as KubeObject
      expect(live.data).toEqual({ key: '2' })
      const managers = (live.metadata.managedFields ?? []) as { manager: string; operation: string }[]
      expect(managers.map(m => [m.manager, m.operation])).toEqual([['kubectl-client-side-apply', 'Update']])
    })
  })
})
