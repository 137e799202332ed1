/**
 * cluster-autoscaler, only for pods that ask for it (SIM_SCALE_UP_AFTER_SECONDS, SIM_NO_SCALE_UP): one node
 * group of nodes like the first node, max 10. Its loop runs every scan interval (10 s) from the start; each
 * run records TriggeredScaleUp / NotTriggerScaleUp on the unschedulable pods it considered
 * (processors/status/eventing_scale_up_processor.go) through the core/v1 recorder with its own spam filter
 * (one event per pod and reason, refilled every 5 min: utils/kubernetes/events.go), and the new nodes
 * register, Ready, after the pod's seconds.
 */
import { clone, isObject, timestamp } from '../json.js'
import type { KubeObject } from '../types.js'
import { guarded, type Controller, type SimContext } from './context.js'
import { numberKnob, isTrueKnob, simEnv } from './kubelet.js'
import { conditionOf, type Pod } from './model.js'
import { podResources } from './resources.js'
import { filterNode, nodeInfo, type NodeInfo } from './scheduler.js'

const COMPONENT = 'cluster-autoscaler'
export const NODE_GROUP = 'test-node-group'
export const NODE_GROUP_MAX = 10
/** --scan-interval. */
const SCAN_INTERVAL_SECONDS = 10
/** defaultQPS 1/300 with defaultBurstSize 1, keyed by reason and pod (getCustomSpamKeyFunc). */
const SPAM = { burst: 1, refillSeconds: 300 }

interface Knobs {
  /** SIM_SCALE_UP_AFTER_SECONDS: a scale-up that registers the node this long after it was triggered. */
  scaleUpAfterSeconds?: number
  /** SIM_NO_SCALE_UP: the node group is at its maximum. */
  noScaleUp: boolean
}

function knobsOf(pod: Pod): Knobs | undefined {
  let scaleUpAfterSeconds: number | undefined
  let noScaleUp = false
  for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    const env = simEnv(container)
    const seconds = numberKnob(env, 'SIM_SCALE_UP_AFTER_SECONDS')
    if (seconds !== undefined) scaleUpAfterSeconds = Math.max(scaleUpAfterSeconds ?? 0, seconds)
    if (isTrueKnob(env.get('SIM_NO_SCALE_UP'))) noScaleUp = true
  }
  return scaleUpAfterSeconds === undefined && !noScaleUp ? undefined : { scaleUpAfterSeconds, noScaleUp }
}

interface Upcoming {
  name: string
  at: number
  pods: Set<string>
}

export class ClusterAutoscaler implements Controller {
  readonly inputs = ['pods', 'nodes'] as const
  private readonly started = Date.now()
  private lastLoop = -1
  private readonly upcoming: Upcoming[] = []

  constructor(private readonly context: SimContext) {}

  sync(now: number): void {
    for (const node of this.upcoming.filter(u => now >= u.at)) {
      this.upcoming.splice(this.upcoming.indexOf(node), 1)
      guarded(`register ${node.name}`, () => this.register(node.name))
    }
    for (const node of this.upcoming) this.context.wakeAt(node.at)
    const candidates = this.context
      .pods()
      .filter(
        pod =>
          !pod.spec.nodeName &&
          !pod.metadata.deletionTimestamp &&
          conditionOf(pod.status?.conditions, 'PodScheduled')?.reason === 'Unschedulable'
      )
      .map(pod => ({ pod, knobs: knobsOf(pod) }))
      .filter((c): c is { pod: Pod; knobs: Knobs } => c.knobs !== undefined)
    if (candidates.length === 0) return
    const period = this.context.ms(SCAN_INTERVAL_SECONDS)
    const loop = Math.floor((now - this.started) / period)
    if (loop > this.lastLoop) {
      this.lastLoop = loop
      guarded('cluster-autoscaler loop', () => this.runOnce(candidates, now))
    }
    this.context.wakeAt(this.started + (loop + 1) * period)
  }

  private runOnce(candidates: { pod: Pod; knobs: Knobs }[], now: number): void {
    const nodes = this.context.store.list('nodes')
    const template = nodes.find(n => n.metadata.name === this.context.nodeName) ?? nodes[0]
    if (!template) return
    const empty = { cpu: 0, memory: 0, pods: 0 }
    const templateInfo = nodeInfo(template)
    const toScale: Pod[] = []
    for (const { pod, knobs } of candidates) {
      const uid = pod.metadata.uid ?? pod.metadata.name
      if (this.upcoming.some(u => u.pods.has(uid))) continue
      // The node group's template node (a fresh node like the first one): would the pod fit there at all?
      const rejected = filterNode(pod, { ...templateInfo, ready: true, unschedulable: false }, empty)
      if (rejected.reasons.length > 0) {
        this.notTriggered(pod, rejected.reasons.map(r => `1 ${r}`).sort())
      } else if (knobs.noScaleUp || nodes.length + this.upcoming.length >= NODE_GROUP_MAX) {
        this.notTriggered(pod, ['1 max node group size reached'])
      } else toScale.push(pod)
    }
    if (toScale.length > 0) this.scaleUp(toScale, templateInfo, nodes.length, now)
  }

  /** Bin-packs the pods onto new nodes like the template (first fit), within the group's maximum. */
  private scaleUp(pods: Pod[], template: NodeInfo, nodeCount: number, now: number): void {
    const current = nodeCount + this.upcoming.length
    const bins: { pods: Pod[]; cpu: number; memory: number; seconds: number }[] = []
    const sorted = [...pods].sort(
      (a, b) => podResources(b.spec).requestsCpu - podResources(a.spec).requestsCpu
    )
    for (const pod of sorted) {
      const requests = podResources(pod.spec)
      const seconds = knobsOf(pod)?.scaleUpAfterSeconds ?? 0
      let bin = bins.find(
        b =>
          filterNode(
            pod,
            { ...template, ready: true, unschedulable: false },
            {
              cpu: b.cpu,
              memory: b.memory,
              pods: b.pods.length
            }
          ).reasons.length === 0
      )
      if (!bin) {
        if (current + bins.length >= NODE_GROUP_MAX) {
          this.notTriggered(pod, ['1 max node group size reached'])
          continue
        }
        bin = { pods: [], cpu: 0, memory: 0, seconds: 0 }
        bins.push(bin)
      }
      bin.pods.push(pod)
      bin.cpu += requests.requestsCpu
      bin.memory += requests.requestsMemory
      bin.seconds = Math.max(bin.seconds, seconds)
    }
    if (bins.length === 0) return
    const info = `[{${NODE_GROUP} ${current}->${current + bins.length} (max: ${NODE_GROUP_MAX})}]`
    for (const bin of bins) {
      this.upcoming.push({
        name: this.nextNodeName(),
        at: now + this.context.ms(bin.seconds),
        pods: new Set(bin.pods.map(p => p.metadata.uid ?? p.metadata.name))
      })
      for (const pod of bin.pods)
        this.context.events.record(
          pod,
          { component: COMPONENT },
          'Normal',
          'TriggeredScaleUp',
          `pod triggered scale-up: ${info}`,
          { spam: SPAM }
        )
    }
  }

  private notTriggered(pod: Pod, reasons: string[]): void {
    this.context.events.record(
      pod,
      { component: COMPONENT },
      'Normal',
      'NotTriggerScaleUp',
      `pod didn't trigger scale-up: ${reasons.join(', ')}`,
      { spam: SPAM }
    )
  }

  private nextNodeName(): string {
    const taken = new Set([
      ...this.context.store.list('nodes').map(n => n.metadata.name),
      ...this.upcoming.map(u => u.name)
    ])
    for (let i = 2; ; i++) {
      const name = `${this.context.nodeName}-${i}`
      if (!taken.has(name)) return name
    }
  }

  /** The new node joins Ready, a copy of the first node with its own name, address and pod range. */
  private register(name: string): void {
    const { store } = this.context
    const nodes = store.list('nodes')
    const template = nodes.find(n => n.metadata.name === this.context.nodeName) ?? nodes[0]
    if (!template) return
    const index = nodes.length
    const now = timestamp()
    const labels: Record<string, string> = {
      ...template.metadata.labels,
      'kubernetes.io/hostname': name
    }
    delete labels['node-role.kubernetes.io/control-plane']
    const status = clone(isObject(template.status) ? template.status : {})
    const addresses = Array.isArray(status.addresses) ? status.addresses.filter(isObject) : []
    status.addresses = addresses.map(address => {
      if (address.type === 'Hostname') return { ...address, address: name }
      if (address.type === 'InternalIP' && typeof address.address === 'string') {
        const parts = address.address.split('.')
        const last = Number(parts.at(-1))
        if (parts.length === 4 && Number.isFinite(last))
          return { ...address, address: [...parts.slice(0, 3), String(last + index)].join('.') }
      }
      return address
    })
    status.conditions = [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'kubelet is posting ready status',
        lastHeartbeatTime: now,
        lastTransitionTime: now
      }
    ]
    const node: KubeObject = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels },
      spec: { podCIDR: `10.244.${index}.0/24`, podCIDRs: [`10.244.${index}.0/24`] },
      status
    }
    store.create('nodes', node)
  }
}
