/**
 * The release's objects besides its workloads and pods, from the attempted revision's manifest: listed in the
 * report by kind and name whatever the kind, custom resources with their Ready condition. Pure.
 */
import type { ReleaseResource } from './diagnostics.js'
import type { KubeItem } from './objects.js'

/** Kinds the watcher follows itself (workloads, their pods and claims): shown in their own tables. */
const WATCHED_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'ReplicaSet',
  'Pod',
  'PersistentVolumeClaim'
])

export const MAX_RESOURCES = 200

export interface ManifestObject {
  apiVersion: string
  kind: string
  name: string
  namespace: string
}

export function releaseResources(objects: readonly ManifestObject[]): ReleaseResource[] {
  return objects
    .filter(o => !WATCHED_KINDS.has(o.kind))
    .map(o => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.name, namespace: o.namespace }))
    .sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`))
    .slice(0, MAX_RESOURCES)
}

/** A custom resource's group is a DNS name outside Kubernetes' own (`*.k8s.io`). */
export function isCustomResource(apiVersion: string): boolean {
  const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : ''
  return group.includes('.') && !group.endsWith('.k8s.io') && group !== 'k8s.io'
}

/** `Kind.version.group`: how kubectl names a kind of any group without discovery's short names. */
export function kubectlResource(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
  return group ? `${kind}.${version}.${group}` : kind
}

/** `True`, or `False Reason: message`, from the object's Ready condition; undefined without one. */
export function readyOf(item: KubeItem): string | undefined {
  const status = (item as { status?: { conditions?: unknown } }).status
  const conditions = Array.isArray(status?.conditions) ? (status.conditions as Record<string, unknown>[]) : []
  const ready = conditions.find(c => c.type === 'Ready')
  if (!ready) return undefined
  const text = (v: unknown): string => (typeof v === 'string' ? v : '')
  const detail = [text(ready.reason), text(ready.message)].filter(Boolean).join(': ')
  return `${text(ready.status) || 'Unknown'}${detail ? ` ${detail}` : ''}`
}
