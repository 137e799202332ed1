/** Creating and deleting a controller's pods, with the events and the create back-off every controller shares. */
import { clone } from '../json.js'
import { StatusError, type KubeObject } from '../types.js'
import type { SimContext } from './context.js'
import type { Component } from './events.js'
import { isControlledBy, ownerReference, randomSuffix, type Pod, type PodTemplate } from './model.js'

export interface PodOptions {
  /** Fixed name (StatefulSet); otherwise `<owner>-<5 random>`. */
  name?: string
  labels?: Record<string, string>
  /** Merged into the pod spec (hostname, affinity, ...). */
  spec?: Record<string, unknown>
}

/** Pods whose controller ownerReference is `owner`, by the owner's uid. */
export function podsOwnedBy(pods: Pod[], owner: KubeObject): Pod[] {
  return pods.filter(pod => isControlledBy(pod, owner))
}

export function allPods(context: SimContext, namespace?: string): Pod[] {
  const pods = context.pods()
  return namespace === undefined ? [...pods] : pods.filter(pod => pod.metadata.namespace === namespace)
}

/** The pod a controller would create from its template. */
export function podFromTemplate(
  owner: KubeObject,
  template: PodTemplate,
  options: PodOptions,
  name: string
): KubeObject {
  const metadata: KubeObject['metadata'] = {
    name,
    // The controllers ask for a generated name; we pick it ourselves to keep `<owner>-<5 chars>`.
    ...(options.name ? {} : { generateName: `${owner.metadata.name}-` }),
    namespace: owner.metadata.namespace,
    labels: { ...(template.metadata?.labels ?? {}), ...(options.labels ?? {}) },
    ownerReferences: [ownerReference(owner)]
  }
  if (template.metadata?.annotations) metadata.annotations = { ...template.metadata.annotations }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata,
    spec: { ...clone(template.spec), ...(options.spec ?? {}) }
  }
}

/** Per-owner back-off after a refused create (quota), as the controllers' rate-limited work queues give. */
export class CreateBackoff {
  private readonly failures = new Map<string, { count: number; retryAt: number }>()

  constructor(private readonly context: SimContext) {}

  /** false while `owner` must wait; asks for a wake-up at the retry time. */
  mayCreate(owner: KubeObject, now: number): boolean {
    const entry = this.failures.get(owner.metadata.uid ?? '')
    if (!entry || now >= entry.retryAt) return true
    this.context.wakeAt(entry.retryAt)
    return false
  }

  failed(owner: KubeObject, now: number): void {
    const uid = owner.metadata.uid ?? ''
    const count = (this.failures.get(uid)?.count ?? 0) + 1
    // 1 s, 2 s, 4 s ... capped at 60 s (simulated).
    const retryAt = now + this.context.ms(Math.min(2 ** (count - 1), 60))
    this.failures.set(uid, { count, retryAt })
    this.context.wakeAt(retryAt)
  }

  succeeded(owner: KubeObject): void {
    this.failures.delete(owner.metadata.uid ?? '')
  }

  hasFailed(owner: KubeObject): boolean {
    return this.failures.has(owner.metadata.uid ?? '')
  }
}

/**
 * Creates one pod; on a refusal records the controller's `FailedCreate` warning and returns the error.
 * `created` and `failed` word the events (the controllers differ).
 */
export function createPod(
  context: SimContext,
  owner: KubeObject,
  template: PodTemplate,
  options: PodOptions,
  component: Component,
  words: { created: (pod: string) => string; failed: (error: string) => string }
): { pod?: KubeObject; error?: StatusError } {
  let name = options.name
  if (!name) {
    do name = `${owner.metadata.name}-${randomSuffix()}`
    while (context.store.get('pods', owner.metadata.namespace, name))
  }
  try {
    const pod = context.store.create('pods', podFromTemplate(owner, template, options, name))
    context.events.record(owner, { component }, 'Normal', 'SuccessfulCreate', words.created(name))
    return { pod }
  } catch (error) {
    if (!(error instanceof StatusError)) throw error
    context.events.record(owner, { component }, 'Warning', 'FailedCreate', words.failed(error.message))
    return { error }
  }
}

export function deletePod(
  context: SimContext,
  owner: KubeObject,
  pod: Pod,
  component: Component,
  message: string
): void {
  try {
    context.store.delete('pods', pod.metadata.namespace, pod.metadata.name)
  } catch (error) {
    if (error instanceof StatusError && error.code === 404) return
    throw error
  }
  context.events.record(owner, { component }, 'Normal', 'SuccessfulDelete', message)
}
