/** deployment-controller: one ReplicaSet per template, rolling updates, revisions, status and conditions. */
import { clone, deepEqual, isObject, timestamp } from '../json.js'
import type { KubeObject } from '../types.js'
import { guarded, type Controller, type SimContext } from './context.js'
import {
  asWorkload,
  conditionOf,
  controllerOf,
  intOrPercent,
  isControlledBy,
  isPodTerminal,
  omitZero,
  ownerReference,
  POD_TEMPLATE_HASH,
  templateHash,
  templatesEqual,
  type Condition,
  type Workload
} from './model.js'

const COMPONENT = 'deployment-controller'
export const REVISION = 'deployment.kubernetes.io/revision'
const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas'
const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas'

interface RsCounts {
  replicas: number
  readyReplicas: number
  availableReplicas: number
}

function counts(rs: Workload): RsCounts {
  const status = rs.status ?? {}
  const read = (key: string): number => (typeof status[key] === 'number' ? status[key] : 0)
  return {
    replicas: read('replicas'),
    readyReplicas: read('readyReplicas'),
    availableReplicas: read('availableReplicas')
  }
}

function revisionOf(object: KubeObject): number {
  const value = Number(object.metadata.annotations?.[REVISION] ?? '0')
  return Number.isFinite(value) ? value : 0
}

function specReplicas(rs: Workload): number {
  return rs.spec.replicas ?? 0
}

interface Strategy {
  recreate: boolean
  maxSurge: number
  maxUnavailable: number
}

function strategyOf(deployment: Workload, desired: number): Strategy {
  const strategy = isObject(deployment.spec.strategy) ? deployment.spec.strategy : {}
  if (strategy.type === 'Recreate') return { recreate: true, maxSurge: 0, maxUnavailable: desired }
  const rolling = isObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {}
  const maxSurge = intOrPercent(rolling.maxSurge ?? '25%', desired, true, 1)
  let maxUnavailable = intOrPercent(rolling.maxUnavailable ?? '25%', desired, false, 0)
  // Both zero would deadlock a rollout; the controller then allows one unavailable pod.
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1
  return { recreate: false, maxSurge, maxUnavailable: Math.min(maxUnavailable, desired) }
}

export class DeploymentController implements Controller {
  readonly inputs = ['deployments', 'replicasets'] as const
  /** ReplicaSet writes so far. */
  private writes = 0

  constructor(private readonly context: SimContext) {}

  sync(now: number): void {
    const replicaSets = this.context.store
      .list('replicasets')
      .map(asWorkload)
      .filter((rs): rs is Workload => rs !== undefined)
    for (const object of this.context.store.list('deployments')) {
      const deployment = asWorkload(object)
      if (!deployment || deployment.metadata.deletionTimestamp) continue
      const owned = replicaSets.filter(rs => isControlledBy(rs, deployment) && !rs.metadata.deletionTimestamp)
      guarded(`deployment ${deployment.metadata.name}`, () => this.syncDeployment(deployment, owned, now))
    }
  }

  private syncDeployment(deployment: Workload, owned: Workload[], now: number): void {
    const writesBefore = this.writes
    const desired = deployment.spec.replicas ?? 1
    const strategy = strategyOf(deployment, desired)
    let newRS = owned.find(rs => templatesEqual(rs.spec.template, deployment.spec.template))
    const oldRSs = () => owned.filter(rs => rs !== newRS).sort((a, b) => revisionOf(a) - revisionOf(b))
    const maxOldRevision = Math.max(0, ...oldRSs().map(revisionOf))
    let progressing: Condition | undefined
    if (!newRS) {
      newRS = this.createReplicaSet(deployment, owned, strategy, desired, maxOldRevision + 1)
      owned.push(newRS)
      progressing = {
        type: 'Progressing',
        status: 'True',
        reason: 'NewReplicaSetCreated',
        message: `Created new replica set "${newRS.metadata.name}"`
      }
    } else if (revisionOf(newRS) <= maxOldRevision) {
      // A rollback: the old ReplicaSet becomes the newest revision again.
      newRS = this.updateRs(newRS, rs => {
        rs.metadata.annotations = { ...rs.metadata.annotations, [REVISION]: String(maxOldRevision + 1) }
      })
      owned.splice(
        owned.findIndex(rs => rs.metadata.uid === newRS?.metadata.uid),
        1,
        newRS
      )
    }
    if (
      !conditionOf(deployment.status?.conditions as Condition[] | undefined, 'Progressing') &&
      !progressing
    ) {
      progressing = {
        type: 'Progressing',
        status: 'True',
        reason: 'FoundNewReplicaSet',
        message: `Found new replica set "${newRS.metadata.name}"`
      }
    }
    this.syncRevisionAnnotation(deployment, newRS)
    const current = newRS
    const olds = owned.filter(rs => rs !== current).sort((a, b) => revisionOf(a) - revisionOf(b))
    if (deployment.spec.paused !== true) {
      if (strategy.recreate) this.recreate(deployment, current, olds, desired, now)
      else this.rolling(deployment, current, olds, desired, strategy)
    }
    // Re-read the ReplicaSets only when this sync wrote one (listing them all per Deployment is the costly part).
    const fresh = this.writes === writesBefore ? owned : this.freshReplicaSets(deployment)
    const freshNew = fresh.find(rs => rs.metadata.uid === current.metadata.uid) ?? current
    const freshOld = fresh.filter(rs => rs.metadata.uid !== current.metadata.uid)
    const complete = this.writeStatus(deployment, freshNew, freshOld, desired, strategy, progressing, now)
    if (complete) this.cleanup(deployment, freshOld)
  }

  private freshReplicaSets(deployment: Workload): Workload[] {
    return this.context.store
      .list('replicasets', deployment.metadata.namespace)
      .map(asWorkload)
      .filter((rs): rs is Workload => rs !== undefined && isControlledBy(rs, deployment))
  }

  private createReplicaSet(
    deployment: Workload,
    owned: Workload[],
    strategy: Strategy,
    desired: number,
    revision: number
  ): Workload {
    const oldReplicas = owned.reduce((sum, rs) => sum + specReplicas(rs), 0)
    let replicas: number
    if (strategy.recreate) replicas = oldReplicas > 0 ? 0 : desired
    else replicas = Math.max(0, Math.min(desired, desired + strategy.maxSurge - oldReplicas))
    // A name taken by a ReplicaSet that is not ours: adopt it when it is an orphan with our template,
    // otherwise try the next collisionCount, as the controller does.
    for (let collisionCount = 0; ; collisionCount++) {
      const hash = templateHash(deployment.spec.template, collisionCount)
      const template = clone(deployment.spec.template)
      template.metadata = {
        ...template.metadata,
        labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH]: hash }
      }
      const selector = clone(deployment.spec.selector ?? {})
      selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH]: hash }
      const spec: Record<string, unknown> = { replicas, selector, template }
      if (deployment.spec.minReadySeconds !== undefined)
        spec.minReadySeconds = deployment.spec.minReadySeconds
      const name = `${deployment.metadata.name}-${hash}`
      const existing = this.context.store.get('replicasets', deployment.metadata.namespace, name)
      if (existing) {
        const taken = asWorkload(existing)
        if (!taken || controllerOf(existing) || !templatesEqual(taken.spec.template, template)) {
          if (collisionCount >= 10) throw new Error(`no free ReplicaSet name for ${deployment.metadata.name}`)
          continue
        }
        return this.updateRs(taken, rs => {
          rs.metadata.ownerReferences = [...(rs.metadata.ownerReferences ?? []), ownerReference(deployment)]
          rs.metadata.annotations = { ...rs.metadata.annotations, [REVISION]: String(revision) }
        })
      }
      this.writes += 1
      const created = this.context.store.create('replicasets', {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name,
          namespace: deployment.metadata.namespace,
          labels: { ...template.metadata.labels },
          annotations: {
            [DESIRED_REPLICAS]: String(desired),
            [MAX_REPLICAS]: String(desired + strategy.maxSurge),
            [REVISION]: String(revision)
          },
          ownerReferences: [ownerReference(deployment)]
        },
        spec
      })
      if (replicas > 0) this.scaledEvent(deployment, created.metadata.name, 0, replicas)
      return created as Workload
    }
  }

  private syncRevisionAnnotation(deployment: Workload, newRS: Workload): void {
    const revision = String(revisionOf(newRS))
    if (deployment.metadata.annotations?.[REVISION] === revision) return
    const fresh = this.context.store.get(
      'deployments',
      deployment.metadata.namespace,
      deployment.metadata.name
    )
    if (!fresh) return
    fresh.metadata.annotations = { ...fresh.metadata.annotations, [REVISION]: revision }
    const updated = this.context.store.update('deployments', fresh)
    deployment.metadata = updated.metadata
  }

  private updateRs(rs: Workload, change: (rs: Workload) => void): Workload {
    this.writes += 1
    const fresh = this.context.store.get('replicasets', rs.metadata.namespace, rs.metadata.name)
    const target = (fresh && asWorkload(fresh)) ?? rs
    change(target)
    return this.context.store.update('replicasets', target) as Workload
  }

  private scale(deployment: Workload, rs: Workload, replicas: number): Workload {
    const from = specReplicas(rs)
    if (from === replicas) return rs
    const desired = deployment.spec.replicas ?? 1
    const updated = this.updateRs(rs, target => {
      target.spec.replicas = replicas
      target.metadata.annotations = { ...target.metadata.annotations, [DESIRED_REPLICAS]: String(desired) }
    })
    this.scaledEvent(deployment, rs.metadata.name, from, replicas)
    return updated
  }

  private scaledEvent(deployment: Workload, rsName: string, from: number, to: number): void {
    const direction = to > from ? 'up' : 'down'
    this.context.events.record(
      deployment,
      { component: COMPONENT },
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${direction} replica set ${rsName} from ${from} to ${to}`
    )
  }

  /** Recreate: old ReplicaSets to 0, and the new one up only once no old pod runs (terminating ones count). */
  private recreate(
    deployment: Workload,
    newRS: Workload,
    olds: Workload[],
    desired: number,
    now: number
  ): void {
    for (const rs of olds) if (specReplicas(rs) > 0) this.scale(deployment, rs, 0)
    const pods = this.context.pods()
    const oldPodsRunning = olds.some(rs => pods.some(pod => isControlledBy(pod, rs) && !isPodTerminal(pod)))
    // Pods are not this controller's input: look again in a (simulated) second while old ones terminate.
    if (oldPodsRunning) this.context.wakeAt(now + this.context.ms(1))
    else if (specReplicas(newRS) !== desired) this.scale(deployment, newRS, desired)
  }

  /** The rolling-update arithmetic of reconcileNewReplicaSet / reconcileOldReplicaSets. */
  private rolling(
    deployment: Workload,
    newRS: Workload,
    olds: Workload[],
    desired: number,
    strategy: Strategy
  ): void {
    const all = (): Workload[] => [newRS, ...olds]
    const total = (): number => all().reduce((sum, rs) => sum + specReplicas(rs), 0)
    if (specReplicas(newRS) > desired) {
      newRS = this.scale(deployment, newRS, desired)
    } else if (specReplicas(newRS) < desired) {
      const room = desired + strategy.maxSurge - total()
      const up = Math.min(room, desired - specReplicas(newRS))
      if (up > 0) newRS = this.scale(deployment, newRS, specReplicas(newRS) + up)
    }
    const oldTotal = olds.reduce((sum, rs) => sum + specReplicas(rs), 0)
    if (oldTotal === 0) return
    const minAvailable = desired - strategy.maxUnavailable
    const newUnavailable = specReplicas(newRS) - counts(newRS).availableReplicas
    const maxScaledDown = total() - minAvailable - newUnavailable
    if (maxScaledDown <= 0) return
    // First drop old pods that are not available anyway, then available ones down to minAvailable.
    let scaledDown = 0
    for (let i = 0; i < olds.length && scaledDown < maxScaledDown; i++) {
      const rs = olds[i]
      if (!rs) continue
      const unhealthy = specReplicas(rs) - counts(rs).availableReplicas
      if (unhealthy <= 0) continue
      const down = Math.min(maxScaledDown - scaledDown, unhealthy)
      olds[i] = this.scale(deployment, rs, specReplicas(rs) - down)
      scaledDown += down
    }
    const available = all().reduce((sum, rs) => sum + counts(rs).availableReplicas, 0)
    let budget = Math.min(available - minAvailable, maxScaledDown - scaledDown)
    for (let i = 0; i < olds.length && budget > 0; i++) {
      const rs = olds[i]
      if (!rs || specReplicas(rs) === 0) continue
      const down = Math.min(budget, specReplicas(rs))
      olds[i] = this.scale(deployment, rs, specReplicas(rs) - down)
      budget -= down
    }
  }

  /** Deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit. */
  private cleanup(deployment: Workload, olds: Workload[]): void {
    const limit =
      typeof deployment.spec.revisionHistoryLimit === 'number' ? deployment.spec.revisionHistoryLimit : 10
    const idle = olds
      .filter(rs => specReplicas(rs) === 0 && counts(rs).replicas === 0)
      .sort((a, b) => revisionOf(a) - revisionOf(b))
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      guarded(`delete replicaset ${rs.metadata.name}`, () => {
        this.context.store.delete('replicasets', rs.metadata.namespace, rs.metadata.name)
      })
    }
  }

  /** calculateStatus + syncRolloutStatus; returns whether the rollout is complete. */
  private writeStatus(
    deployment: Workload,
    newRS: Workload,
    olds: Workload[],
    desired: number,
    strategy: Strategy,
    created: Condition | undefined,
    now: number
  ): boolean {
    const fresh = this.context.store.get(
      'deployments',
      deployment.metadata.namespace,
      deployment.metadata.name
    )
    const current = (fresh && asWorkload(fresh)) ?? deployment
    const oldStatus = current.status ?? {}
    const all = [newRS, ...olds]
    const sum = (pick: (rs: Workload) => number): number => all.reduce((total, rs) => total + pick(rs), 0)
    const replicas = sum(rs => counts(rs).replicas)
    const updatedReplicas = counts(newRS).replicas
    const readyReplicas = sum(rs => counts(rs).readyReplicas)
    const availableReplicas = sum(rs => counts(rs).availableReplicas)
    const totalSpec = sum(specReplicas)
    const generation = current.metadata.generation ?? 1
    const stamp = timestamp(new Date(now))
    let conditions = ((oldStatus.conditions ?? []) as Condition[]).map(c => ({ ...c }))
    const setCondition = (condition: Condition, refresh: boolean): void => {
      const existing = conditionOf(conditions, condition.type)
      if (
        !refresh &&
        existing &&
        existing.status === condition.status &&
        existing.reason === condition.reason
      )
        return
      const next: Condition = {
        ...condition,
        lastUpdateTime: stamp,
        lastTransitionTime:
          existing?.status === condition.status ? (existing.lastTransitionTime ?? stamp) : stamp
      }
      conditions = [...conditions.filter(c => c.type !== condition.type), next]
    }
    const uid = current.metadata.uid ?? ''
    if (created) {
      setCondition(created, false)
      this.lastProgress.set(uid, now)
    }
    const minAvailable = desired - strategy.maxUnavailable
    if (availableReplicas >= minAvailable) {
      setCondition(
        {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.'
        },
        false
      )
    } else {
      setCondition(
        {
          type: 'Available',
          status: 'False',
          reason: 'MinimumReplicasUnavailable',
          message: 'Deployment does not have minimum availability.'
        },
        false
      )
    }
    const complete =
      updatedReplicas === desired &&
      replicas === desired &&
      availableReplicas === desired &&
      specReplicas(newRS) === desired
    const read = (key: string): number => (typeof oldStatus[key] === 'number' ? oldStatus[key] : 0)
    const progressed =
      updatedReplicas > read('updatedReplicas') ||
      readyReplicas > read('readyReplicas') ||
      availableReplicas > read('availableReplicas') ||
      replicas - updatedReplicas < read('replicas') - read('updatedReplicas')
    const progressDeadline =
      typeof current.spec.progressDeadlineSeconds === 'number'
        ? current.spec.progressDeadlineSeconds
        : undefined
    if (progressDeadline !== undefined && current.spec.paused !== true) {
      const progressing = conditionOf(conditions, 'Progressing')
      if (complete) {
        setCondition(
          {
            type: 'Progressing',
            status: 'True',
            reason: 'NewReplicaSetAvailable',
            message: `ReplicaSet "${newRS.metadata.name}" has successfully progressed.`
          },
          false
        )
      } else if (progressed && !created) {
        setCondition(
          {
            type: 'Progressing',
            status: 'True',
            reason: 'ReplicaSetUpdated',
            message: `ReplicaSet "${newRS.metadata.name}" is progressing.`
          },
          true
        )
        this.lastProgress.set(uid, now)
      } else if (
        progressing &&
        progressing.reason !== 'NewReplicaSetAvailable' &&
        progressing.reason !== 'ProgressDeadlineExceeded'
      ) {
        const since = Date.parse(progressing.lastUpdateTime ?? progressing.lastTransitionTime ?? stamp)
        // Timestamps have whole seconds: measure from the real moment we last saw progress when we have it.
        const deadline = Math.max(since, this.lastProgress.get(uid) ?? 0) + this.context.ms(progressDeadline)
        if (now >= deadline) {
          setCondition(
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message: `ReplicaSet "${newRS.metadata.name}" has timed out progressing.`
            },
            false
          )
        } else this.context.wakeAt(deadline)
      }
    }
    const failure = conditionOf((newRS.status?.conditions ?? []) as Condition[], 'ReplicaFailure')
    if (failure) {
      setCondition(
        {
          type: 'ReplicaFailure',
          status: 'True',
          reason: failure.reason ?? 'FailedCreate',
          message: failure.message ?? ''
        },
        false
      )
    } else conditions = conditions.filter(c => c.type !== 'ReplicaFailure')
    const order = ['Available', 'Progressing', 'ReplicaFailure']
    conditions.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type))
    const status: Record<string, unknown> = {
      observedGeneration: generation,
      ...omitZero({
        replicas,
        updatedReplicas,
        readyReplicas,
        availableReplicas,
        unavailableReplicas: Math.max(0, totalSpec - availableReplicas)
      }),
      conditions
    }
    if (!deepEqual(status, current.status)) {
      this.context.store.updateStatus('deployments', { ...current, status })
    }
    return complete
  }

  private readonly lastProgress = new Map<string, number>()
}
