/**
 * An in-process fake Kubernetes cluster for tests: the API server (plain http on 127.0.0.1) over an
 * in-memory store, with the simulation (controllers, kubelet, events, logs) running against that store.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCrdController } from './crd.js'
import { Faults, RequestLog } from './faults.js'
import { KUBERNETES_VERSION } from './discovery.js'
import { timestamp } from './json.js'
import { createApiHandler } from './server.js'
import { startSimulation } from './simulation/index.js'
import { createStore, type Store } from './store.js'
import { WatchHub } from './watch.js'

export { Faults, RequestLog } from './faults.js'
export type { FaultAction, FaultRule, RequestLogEntry } from './faults.js'
export type { Store } from './store.js'

export const NODE_NAME = 'test-node'
export const CLUSTER_NAME = 'test-cluster'

export interface TestClusterOptions {
  /** Multiplies every simulated duration (0.1 = ten times faster than a real kubelet). Default 1. */
  timeScale?: number
  /** Port to listen on; a free random one when absent. */
  port?: number
  /** How long a new CustomResourceDefinition takes to be Established and served. Default 200 ms. */
  crdEstablishDelayMs?: number
}

export interface TestCluster {
  /** http://127.0.0.1:<port> */
  url: string
  port: number
  /** A kubeconfig for this cluster (context `test-cluster`, namespace `default`), inside `home`. */
  kubeconfigPath: string
  /** A fresh directory to use as HOME for helm and kubectl (their discovery caches live there). */
  home: string
  /** Environment for child processes: HOME, KUBECONFIG, HELM_*_HOME, NO_COLOR, and the current PATH. */
  env: NodeJS.ProcessEnv
  store: Store
  faults: Faults
  requestLog: RequestLog
  /** Closes every connection (open watches included), stops the simulation, removes `home`. */
  stop(): Promise<void>
  /** An API outage: closes the listener and every connection, then listens again on the same port. */
  restart(options?: { downtimeMs?: number }): Promise<void>
}

export function kubeconfigYaml(url: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${CLUSTER_NAME}`,
    '  cluster:',
    `    server: ${url}`,
    'contexts:',
    `- name: ${CLUSTER_NAME}`,
    '  context:',
    `    cluster: ${CLUSTER_NAME}`,
    `    user: ${CLUSTER_NAME}`,
    '    namespace: default',
    `current-context: ${CLUSTER_NAME}`,
    'users:',
    `- name: ${CLUSTER_NAME}`,
    '  user: {}',
    'preferences: {}',
    ''
  ].join('\n')
}

function seed(store: Store): void {
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } })
  }
  const resources = { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi' }
  const now = timestamp()
  store.create('nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: NODE_NAME,
      labels: {
        'kubernetes.io/hostname': NODE_NAME,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/control-plane': ''
      }
    },
    spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
    status: {
      capacity: { ...resources },
      allocatable: { ...resources },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
          lastHeartbeatTime: now,
          lastTransitionTime: now
        }
      ],
      addresses: [
        { type: 'InternalIP', address: '172.18.0.2' },
        { type: 'Hostname', address: NODE_NAME }
      ],
      nodeInfo: {
        kubeletVersion: KUBERNETES_VERSION,
        kubeProxyVersion: KUBERNETES_VERSION,
        containerRuntimeVersion: 'containerd://2.1.0',
        operatingSystem: 'linux',
        architecture: 'amd64',
        osImage: 'Test Cluster',
        kernelVersion: '6.8.0'
      }
    }
  })
  // What a kind cluster has: its default StorageClass, the system PriorityClasses, an APIService per
  // built-in group version (served locally).
  store.create('storageclasses', {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'rancher.io/local-path',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer'
  })
  for (const [name, value] of [
    ['system-cluster-critical', 2000000000],
    ['system-node-critical', 2000001000]
  ] as const) {
    store.create('priorityclasses', {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name },
      value,
      globalDefault: false,
      preemptionPolicy: 'PreemptLowerPriority',
      description:
        'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.'
    })
  }
  for (const { group, version } of store.registry.groupVersions()) {
    store.create('apiservices', {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: {
        name: `${version}.${group}`,
        labels: { 'kube-aggregator.kubernetes.io/automanaged': 'onstart' }
      },
      spec: { group, version, groupPriorityMinimum: 18000, versionPriority: 15 },
      status: {
        conditions: [
          {
            type: 'Available',
            status: 'True',
            reason: 'Local',
            message: 'Local APIServices are always available',
            lastTransitionTime: now
          }
        ]
      }
    })
  }
  store.create('services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { component: 'apiserver', provider: 'kubernetes' }
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.96.0.1',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]
    }
  })
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error)
    server.once('error', onError)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError)
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    })
  })
}

export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const store = createStore()
  seed(store)
  const simulation = startSimulation(store, { timeScale: options.timeScale ?? 1, nodeName: NODE_NAME })
  store.admission.push(...simulation.admission)
  const stopCrdController = startCrdController(store, { establishDelayMs: options.crdEstablishDelayMs })
  const hub = new WatchHub(store)
  const faults = new Faults()
  const requestLog = new RequestLog()
  let port = options.port ?? 0
  const handler = createApiHandler({
    store,
    hub,
    faults,
    requestLog,
    readLog: (namespace, pod, request) => simulation.readLog(namespace, pod, request),
    serverAddress: () => `127.0.0.1:${port}`
  })

  const sockets = new Set<Socket>()
  let server = createServer(handler)
  const track = (target: Server): void => {
    target.on('connection', socket => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
  }
  track(server)
  try {
    port = await listen(server, port)
  } catch (error) {
    simulation.stop()
    stopCrdController()
    hub.dispose()
    throw error
  }

  const home = mkdtempSync(join(tmpdir(), 'test-cluster-'))
  const url = `http://127.0.0.1:${port}`
  const kubeconfigPath = join(home, '.kube', 'config')
  mkdirSync(join(home, '.kube'), { recursive: true })
  writeFileSync(kubeconfigPath, kubeconfigYaml(url), { mode: 0o600 })
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    KUBECONFIG: kubeconfigPath,
    HELM_CACHE_HOME: join(home, '.cache', 'helm'),
    HELM_CONFIG_HOME: join(home, '.config', 'helm'),
    HELM_DATA_HOME: join(home, '.local', 'share', 'helm'),
    NO_COLOR: '1'
  }

  async function closeServer(): Promise<void> {
    hub.closeAll()
    const closed = new Promise<void>(resolve => server.close(() => resolve()))
    for (const socket of sockets) socket.destroy()
    sockets.clear()
    await closed
  }

  let stopped = false
  return {
    url,
    port,
    kubeconfigPath,
    home,
    env,
    store,
    faults,
    requestLog,
    async stop() {
      if (stopped) return
      stopped = true
      await closeServer()
      hub.dispose()
      simulation.stop()
      stopCrdController()
      rmSync(home, { recursive: true, force: true })
    },
    async restart(restartOptions = {}) {
      if (stopped) throw new Error('test cluster: restart after stop')
      await closeServer()
      if (restartOptions.downtimeMs)
        await new Promise(resolve => setTimeout(resolve, restartOptions.downtimeMs))
      server = createServer(handler)
      track(server)
      await listen(server, port)
    }
  }
}
