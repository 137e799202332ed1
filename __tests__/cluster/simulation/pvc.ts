/** persistentvolume-controller: claims of the `standard` class bind at once; other classes do not exist. */
import { deepEqual, isObject } from '../json.js'
import type { KubeObject } from '../types.js'
import { guarded, type Controller, type SimContext } from './context.js'

const COMPONENT = 'persistentvolume-controller'
export const STORAGE_CLASS = 'standard'
/** Seconds between the controller's retries of an unbindable claim (its resync period). */
const RETRY_SECONDS = 15

export class PvcController implements Controller {
  readonly inputs = ['persistentvolumeclaims'] as const
  private readonly nextWarning = new Map<string, number>()

  constructor(private readonly context: SimContext) {}

  sync(now: number): void {
    for (const claim of this.context.store.list('persistentvolumeclaims')) {
      if (claim.metadata.deletionTimestamp) continue
      guarded(`claim ${claim.metadata.name}`, () => this.syncClaim(claim, now))
    }
  }

  private syncClaim(claim: KubeObject, now: number): void {
    const spec = isObject(claim.spec) ? claim.spec : {}
    const status = isObject(claim.status) ? claim.status : {}
    if (status.phase === 'Bound') return
    const storageClass = typeof spec.storageClassName === 'string' ? spec.storageClassName : STORAGE_CLASS
    if (storageClass === STORAGE_CLASS) {
      this.bind(claim, spec)
      return
    }
    const pending = { ...status, phase: 'Pending' }
    if (!deepEqual(pending, claim.status))
      this.context.store.updateStatus('persistentvolumeclaims', { ...claim, status: pending })
    const uid = claim.metadata.uid ?? ''
    const due = this.nextWarning.get(uid)
    if (due === undefined || now >= due) {
      const [reason, message] =
        storageClass === ''
          ? ['FailedBinding', 'no persistent volumes available for this claim and no storage class is set']
          : ['ProvisioningFailed', `storageclass.storage.k8s.io "${storageClass}" not found`]
      this.context.events.record(claim, { component: COMPONENT }, 'Warning', reason, message)
      this.nextWarning.set(uid, now + this.context.ms(RETRY_SECONDS))
    }
    this.context.wakeAt(this.nextWarning.get(uid) ?? now)
  }

  private bind(claim: KubeObject, spec: Record<string, unknown>): void {
    const { store } = this.context
    const volumeName = `pvc-${claim.metadata.uid ?? ''}`
    let current = claim
    if (spec.volumeName !== volumeName) {
      current = store.update('persistentvolumeclaims', {
        ...claim,
        metadata: {
          ...claim.metadata,
          annotations: {
            ...claim.metadata.annotations,
            'pv.kubernetes.io/bind-completed': 'yes',
            'pv.kubernetes.io/bound-by-controller': 'yes',
            'volume.beta.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
            'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path'
          }
        },
        spec: { ...spec, volumeName }
      })
    }
    const requests =
      isObject(spec.resources) && isObject(spec.resources.requests) ? spec.resources.requests : {}
    const status: Record<string, unknown> = {
      phase: 'Bound',
      accessModes: Array.isArray(spec.accessModes) ? spec.accessModes : ['ReadWriteOnce']
    }
    if (requests.storage !== undefined) status.capacity = { storage: requests.storage }
    store.updateStatus('persistentvolumeclaims', { ...current, status })
  }
}
