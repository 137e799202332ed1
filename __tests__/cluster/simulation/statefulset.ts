/** statefulset-controller: ordinal pods `<name>-N`, ordered start, claims from volumeClaimTemplates, rolling update. */
import { clone, deepEqual, isObject } from '../json.js'
import { StatusError } from '../types.js'
import { guarded, type Controller, type SimContext } from './context.js'
import {
  asWorkload,
  isPodAvailable,
  isPodReady,
  isPodTerminal,
  omitZero,
  templateHash,
  type Pod,
  type Workload
} from './model.js'
import { allPods, createPod, CreateBackoff, podsOwnedBy } from './pods.js'

const COMPONENT = 'statefulset-controller'
const REVISION_LABEL = 'controller-revision-hash'

function ordinalOf(set: Workload, pod: Pod): number | undefined {
  const prefix = `${set.metadata.name}-`
  if (!pod.metadata.name.startsWith(prefix)) return undefined
  const text = pod.metadata.name.slice(prefix.length)
  return /^\d+$/.test(text) ? Number(text) : undefined
}

export class StatefulSetController implements Controller {
  readonly inputs = ['statefulsets', 'pods', 'persistentvolumeclaims'] as const
  private readonly backoff: CreateBackoff

  constructor(private readonly context: SimContext) {
    this.backoff = new CreateBackoff(context)
  }

  sync(now: number): void {
    const pods = allPods(this.context)
    for (const object of this.context.store.list('statefulsets')) {
      const set = asWorkload(object)
      if (!set || set.metadata.deletionTimestamp) continue
      guarded(`statefulset ${set.metadata.name}`, () => this.syncSet(set, podsOwnedBy(pods, set), now))
    }
  }

  private syncSet(set: Workload, owned: Pod[], now: number): void {
    const replicas = set.spec.replicas ?? 1
    const updateRevision = `${set.metadata.name}-${templateHash(set.spec.template)}`
    const parallel = set.spec.podManagementPolicy === 'Parallel'
    const byOrdinal = new Map<number, Pod>()
    for (const pod of owned) {
      const ordinal = ordinalOf(set, pod)
      if (ordinal !== undefined) byOrdinal.set(ordinal, pod)
    }
    const healthy = (pod: Pod | undefined): boolean =>
      pod !== undefined && pod.status?.phase === 'Running' && isPodReady(pod)
    let blocked = false
    for (let ordinal = 0; ordinal < replicas && !blocked; ordinal++) {
      const pod = byOrdinal.get(ordinal)
      if (!pod) {
        if (!this.backoff.mayCreate(set, now)) return
        this.createOrdinal(set, ordinal, updateRevision, now)
        if (!parallel) blocked = true
      } else if (pod.metadata.deletionTimestamp) {
        // The same name comes back only once the old pod is gone.
        if (!parallel) blocked = true
      } else if (isPodTerminal(pod)) {
        this.deleteOrdinal(set, pod)
        if (!parallel) blocked = true
      } else if (!parallel && !healthy(pod)) blocked = true
    }
    const extra = [...byOrdinal.entries()]
      .filter(([ordinal]) => ordinal >= replicas)
      .sort((a, b) => b[0] - a[0])
    if (!blocked && extra.length > 0) {
      // Scale down one at a time from the highest ordinal, waiting for each to be gone (unless Parallel).
      const terminating = extra.some(([, pod]) => pod.metadata.deletionTimestamp)
      const live = extra.filter(([, pod]) => !pod.metadata.deletionTimestamp)
      if (parallel) for (const [, pod] of live) this.deleteOrdinal(set, pod)
      else if (!terminating && live[0]) this.deleteOrdinal(set, live[0][1])
      blocked = true
    }
    // Rolling update: highest ordinal first, one at a time, each only when the rest are ready.
    const strategy = isObject(set.spec.updateStrategy) ? set.spec.updateStrategy : {}
    const partition =
      isObject(strategy.rollingUpdate) && typeof strategy.rollingUpdate.partition === 'number'
        ? strategy.rollingUpdate.partition
        : 0
    if (!blocked && strategy.type !== 'OnDelete') {
      for (let ordinal = replicas - 1; ordinal >= partition; ordinal--) {
        const pod = byOrdinal.get(ordinal)
        if (pod?.metadata.deletionTimestamp) break
        if (pod && pod.metadata.labels?.[REVISION_LABEL] !== updateRevision) {
          this.deleteOrdinal(set, pod)
          break
        }
      }
    }
    this.writeStatus(set, updateRevision, now)
  }

  private createOrdinal(set: Workload, ordinal: number, revision: string, now: number): void {
    const name = `${set.metadata.name}-${ordinal}`
    for (const claimTemplate of Array.isArray(set.spec.volumeClaimTemplates)
      ? set.spec.volumeClaimTemplates
      : []) {
      if (!isObject(claimTemplate) || !isObject(claimTemplate.metadata)) continue
      const claimName = `${String(claimTemplate.metadata.name)}-${name}`
      if (this.context.store.get('persistentvolumeclaims', set.metadata.namespace, claimName)) continue
      try {
        this.context.store.create('persistentvolumeclaims', {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: {
            name: claimName,
            namespace: set.metadata.namespace,
            labels: { ...set.spec.selector?.matchLabels }
          },
          spec: clone(isObject(claimTemplate.spec) ? claimTemplate.spec : {})
        })
        this.context.events.record(
          set,
          { component: COMPONENT },
          'Normal',
          'SuccessfulCreate',
          `create Claim ${claimName} Pod ${name} in StatefulSet ${set.metadata.name} success`
        )
      } catch (error) {
        if (!(error instanceof StatusError)) throw error
        this.context.events.record(
          set,
          { component: COMPONENT },
          'Warning',
          'FailedCreate',
          `create Claim ${claimName} for Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${error.message}`
        )
        this.backoff.failed(set, now)
        return
      }
    }
    const serviceName = typeof set.spec.serviceName === 'string' ? set.spec.serviceName : undefined
    const volumes = [...(set.spec.template.spec.volumes ?? [])]
    for (const claimTemplate of Array.isArray(set.spec.volumeClaimTemplates)
      ? set.spec.volumeClaimTemplates
      : []) {
      if (!isObject(claimTemplate) || !isObject(claimTemplate.metadata)) continue
      const volumeName = String(claimTemplate.metadata.name)
      if (volumes.some(v => v.name === volumeName)) continue
      volumes.push({ name: volumeName, persistentVolumeClaim: { claimName: `${volumeName}-${name}` } })
    }
    const spec: Record<string, unknown> = { hostname: name }
    if (serviceName) spec.subdomain = serviceName
    if (volumes.length > 0) spec.volumes = volumes
    const result = createPod(
      this.context,
      set,
      set.spec.template,
      {
        name,
        labels: {
          [REVISION_LABEL]: revision,
          'statefulset.kubernetes.io/pod-name': name,
          'apps.kubernetes.io/pod-index': String(ordinal)
        },
        spec
      },
      COMPONENT,
      {
        created: pod => `create Pod ${pod} in StatefulSet ${set.metadata.name} successful`,
        failed: error => `create Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${error}`
      }
    )
    if (result.error) this.backoff.failed(set, now)
    else this.backoff.succeeded(set)
  }

  private deleteOrdinal(set: Workload, pod: Pod): void {
    try {
      this.context.store.delete('pods', pod.metadata.namespace, pod.metadata.name)
    } catch (error) {
      if (error instanceof StatusError && error.code === 404) return
      throw error
    }
    this.context.events.record(
      set,
      { component: COMPONENT },
      'Normal',
      'SuccessfulDelete',
      `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`
    )
  }

  private writeStatus(set: Workload, updateRevision: string, now: number): void {
    const fresh = this.context.store.get('statefulsets', set.metadata.namespace, set.metadata.name)
    const current = fresh && asWorkload(fresh)
    if (!current) return
    // computeReplicaStatus: replicas and ready count pods being deleted too; current/updated do not.
    const pods = podsOwnedBy(allPods(this.context, set.metadata.namespace), current).filter(
      p => p.status?.phase !== undefined && !isPodTerminal(p)
    )
    const live = pods.filter(p => !p.metadata.deletionTimestamp)
    const minReadyMs = this.context.ms(current.spec.minReadySeconds ?? 0)
    const updated = live.filter(p => p.metadata.labels?.[REVISION_LABEL] === updateRevision).length
    const previousCurrent =
      typeof current.status?.currentRevision === 'string' ? current.status.currentRevision : updateRevision
    const replicas = current.spec.replicas ?? 1
    const currentRevision =
      updated === replicas && pods.length === replicas ? updateRevision : previousCurrent
    const status: Record<string, unknown> = {
      observedGeneration: current.metadata.generation ?? 1,
      replicas: pods.length,
      ...omitZero({
        readyReplicas: pods.filter(isPodReady).length,
        currentReplicas: live.filter(p => p.metadata.labels?.[REVISION_LABEL] === currentRevision).length,
        updatedReplicas: updated
      }),
      availableReplicas: pods.filter(p => isPodAvailable(p, minReadyMs, now)).length,
      currentRevision,
      updateRevision,
      collisionCount: 0
    }
    if (deepEqual(status, current.status)) return
    this.context.store.updateStatus('statefulsets', { ...current, status })
  }
}
