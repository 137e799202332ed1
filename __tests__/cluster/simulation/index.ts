/**
 * The simulation half of the test cluster: controllers, scheduler, kubelet, events, quota and defaulting
 * admission, pod logs. It sees the cluster only through the ClusterStore; see README.md beside this file.
 */
import type {
  ClusterStore,
  KubeObject,
  ResourceName,
  Simulation,
  SimulationOptions,
  StartSimulation,
  StoreEvent
} from '../types.js'
import { guarded, type Controller, type SimContext } from './context.js'
import { defaultingAdmission } from './defaults.js'
import { DeploymentController } from './deployment.js'
import { EventRecorder } from './events.js'
import { Kubelet, NODE_IP } from './kubelet.js'
import { QuotaController, quotaAdmission } from './quota.js'
import { ReplicaSetController } from './replicaset.js'
import { NODE_CPU, NODE_MEMORY, NODE_PODS, Scheduler } from './scheduler.js'
import { StatefulSetController } from './statefulset.js'
import { DaemonSetController } from './daemonset.js'
import { JobController } from './job.js'
import { PvcController } from './pvc.js'
import { ServiceAccountController } from './serviceaccounts.js'
import { asPod, type Pod } from './model.js'
import { ClusterAutoscaler } from './autoscaler.js'
import { DisruptionController } from './disruption.js'

/** Real milliseconds between a store change and the reconcile pass it triggers (batches bursts of writes). */
const DEBOUNCE_MS = 10
/** A pass at least this often, whatever happens: a safety net for a missed wake-up. */
const SAFETY_TICK_MS = 1000

function nodeObject(name: string): KubeObject {
  const capacity = {
    cpu: NODE_CPU,
    memory: NODE_MEMORY,
    pods: String(NODE_PODS),
    'ephemeral-storage': '100Gi'
  }
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/control-plane': ''
      }
    },
    spec: {},
    status: {
      capacity,
      allocatable: capacity,
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      ],
      addresses: [
        { type: 'InternalIP', address: NODE_IP },
        { type: 'Hostname', address: name }
      ],
      nodeInfo: {
        kubeletVersion: 'v1.32.0',
        containerRuntimeVersion: 'containerd://1.7.24',
        operatingSystem: 'linux',
        architecture: 'amd64'
      }
    }
  }
}

/** A controller's scheduling state: whether an input changed, and the earliest time it asked to be woken. */
interface ControllerState {
  controller: Controller
  dirty: boolean
  wake: number
}

class Engine {
  private stopped = false
  private running = false
  private dirty = false
  private full = true
  private debounce: NodeJS.Timeout | undefined
  private wakeTimer: NodeJS.Timeout | undefined
  private wakeTime = Infinity
  private readonly states: ControllerState[] = []
  private current: ControllerState | undefined
  private readonly safety: NodeJS.Timeout

  constructor() {
    this.safety = setInterval(() => {
      this.full = true
      this.request()
    }, SAFETY_TICK_MS)
    this.safety.unref()
  }

  add(...controllers: Controller[]): void {
    for (const controller of controllers) this.states.push({ controller, dirty: true, wake: Infinity })
  }

  /** A store change: marks the controllers that read this resource. */
  changed(resource: ResourceName): void {
    for (const state of this.states) {
      if (state.controller.inputs?.includes(resource)) state.dirty = true
    }
    this.request()
  }

  request(): void {
    if (this.stopped) return
    if (this.running) {
      this.dirty = true
      return
    }
    if (this.debounce) return
    this.debounce = setTimeout(() => {
      this.debounce = undefined
      this.pass()
    }, DEBOUNCE_MS)
    // The simulation alone never keeps a process alive (an API server or a test does).
    this.debounce.unref()
  }

  /** Called by controllers during their sync (and by anyone else, which wakes every controller). */
  wakeAt(at: number): void {
    const targets = this.current ? [this.current] : this.states
    for (const state of targets) if (at < state.wake) state.wake = at
    if (!this.running) this.armWake()
  }

  private armWake(): void {
    const at = Math.min(...this.states.map(s => s.wake))
    if (at === Infinity || at >= this.wakeTime) return
    if (this.wakeTimer) clearTimeout(this.wakeTimer)
    this.wakeTime = at
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined
        this.wakeTime = Infinity
        this.pass()
      },
      Math.max(0, at - Date.now()) + 1
    )
    this.wakeTimer.unref()
  }

  private pass(): void {
    if (this.stopped) return
    this.running = true
    const full = this.full
    this.full = false
    const now = Date.now()
    try {
      for (const state of this.states) {
        const always = state.controller.inputs === undefined
        if (!full && !always && !state.dirty && now < state.wake) continue
        state.dirty = false
        state.wake = Infinity
        this.current = state
        guarded(state.controller.constructor.name, () => state.controller.sync(now))
      }
    } finally {
      this.current = undefined
      this.running = false
    }
    if (this.stopped) return
    // The previous wake timer may be later than what this pass asked for: re-arm from scratch.
    const next = Math.min(...this.states.map(s => s.wake))
    if (this.wakeTimer && next < this.wakeTime) {
      clearTimeout(this.wakeTimer)
      this.wakeTimer = undefined
      this.wakeTime = Infinity
    }
    if (!this.wakeTimer) this.wakeTime = Infinity
    this.armWake()
    if (this.dirty || this.states.some(s => s.dirty)) {
      this.dirty = false
      this.request()
    }
  }

  stop(): void {
    this.stopped = true
    clearInterval(this.safety)
    if (this.debounce) clearTimeout(this.debounce)
    if (this.wakeTimer) clearTimeout(this.wakeTimer)
    this.debounce = undefined
    this.wakeTimer = undefined
  }
}

export const startSimulation: StartSimulation = (
  store: ClusterStore,
  options: SimulationOptions
): Simulation => {
  const engine = new Engine()
  let podSnapshot: Pod[] | undefined
  const context: SimContext = {
    pods: () =>
      (podSnapshot ??= store
        .list('pods')
        .map(asPod)
        .filter((pod): pod is Pod => pod !== undefined)),
    store,
    events: new EventRecorder(store, seconds => seconds * 1000 * options.timeScale),
    nodeName: options.nodeName,
    ms: seconds => seconds * 1000 * options.timeScale,
    wakeAt: at => engine.wakeAt(at)
  }
  const scheduler = new Scheduler(context)
  const kubelet = new Kubelet(context)
  engine.add(
    new ServiceAccountController(store),
    new PvcController(context),
    new DeploymentController(context),
    new ReplicaSetController(context),
    new StatefulSetController(context),
    new DaemonSetController(context),
    new JobController(context),
    new DisruptionController(context),
    scheduler,
    new ClusterAutoscaler(context),
    kubelet,
    new QuotaController(store)
  )
  if (!store.get('nodes', undefined, options.nodeName)) {
    guarded('register node', () => {
      store.create('nodes', nodeObject(options.nodeName))
    })
  }
  const unsubscribe = store.subscribe((event: StoreEvent) => {
    // Our own Event writes change nothing any controller reads.
    if (event.resource === 'events') return
    if (event.resource === 'pods') podSnapshot = undefined
    if (event.resource === 'pods' && event.type === 'DELETED') kubelet.podDeleted(event.object)
    scheduler.observe(event)
    engine.changed(event.resource)
  })
  engine.request()
  return {
    admission: [defaultingAdmission, quotaAdmission],
    readLog: (namespace, pod, request) => kubelet.readLog(namespace, pod, request),
    stop: () => {
      unsubscribe()
      engine.stop()
    }
  }
}
