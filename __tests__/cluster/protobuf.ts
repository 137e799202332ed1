/**
 * Decoder for the Kubernetes protobuf request bodies the typed Go clients send (helm's release Secrets):
 * the `k8s\0` magic, a runtime.Unknown envelope, then Secret, ConfigMap, Namespace, ServiceAccount or
 * DeleteOptions (what helm's release storage and kubectl's `create namespace|secret|configmap|sa` send).
 * Field numbers are those of k8s.io/api and apimachinery's generated.proto.
 */
import { badRequest } from './errors.js'
import { timestamp } from './json.js'
import type { KubeObject, ObjectMeta, OwnerReference } from './types.js'

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00])

interface Field {
  number: number
  /** Set for varint fields. */
  varint?: number
  /** Set for length-delimited fields. */
  bytes?: Buffer
}

class Reader {
  private offset = 0
  constructor(private readonly buffer: Buffer) {}

  private varint(): number {
    let result = 0
    let multiplier = 1
    for (;;) {
      const byte = this.buffer[this.offset++]
      if (byte === undefined) throw badRequest('protobuf: truncated varint')
      result += (byte & 0x7f) * multiplier
      if ((byte & 0x80) === 0) return result
      multiplier *= 128
    }
  }

  *fields(): Generator<Field> {
    while (this.offset < this.buffer.length) {
      const tag = this.varint()
      const number = Math.floor(tag / 8)
      const wireType = tag & 7
      if (wireType === 0) yield { number, varint: this.varint() }
      else if (wireType === 2) {
        const length = this.varint()
        const bytes = this.buffer.subarray(this.offset, this.offset + length)
        if (bytes.length !== length) throw badRequest('protobuf: truncated field')
        this.offset += length
        yield { number, bytes }
      } else if (wireType === 1) this.offset += 8
      else if (wireType === 5) this.offset += 4
      else throw badRequest(`protobuf: unsupported wire type ${wireType}`)
    }
  }
}

function fieldsOf(buffer: Buffer): Field[] {
  return [...new Reader(buffer).fields()]
}

function text(field: Field): string {
  return field.bytes ? field.bytes.toString('utf8') : ''
}

/** map<string, X> entries are messages {1: key, 2: value}. */
function mapEntry(field: Field): { key: string; value: Buffer } {
  let key = ''
  let value: Buffer = Buffer.alloc(0)
  for (const part of fieldsOf(field.bytes ?? Buffer.alloc(0))) {
    if (part.number === 1) key = text(part)
    else if (part.number === 2) value = part.bytes ?? Buffer.alloc(0)
  }
  return { key, value }
}

function decodeTime(buffer: Buffer): string | undefined {
  let seconds = 0
  for (const field of fieldsOf(buffer)) if (field.number === 1) seconds = field.varint ?? 0
  // Gogo encodes a zero time as an empty message: that means "unset".
  return seconds > 0 ? timestamp(new Date(seconds * 1000)) : undefined
}

function decodeOwnerReference(buffer: Buffer): OwnerReference {
  const ref: OwnerReference = { apiVersion: '', kind: '', name: '', uid: '' }
  for (const field of fieldsOf(buffer)) {
    if (field.number === 1) ref.kind = text(field)
    else if (field.number === 3) ref.name = text(field)
    else if (field.number === 4) ref.uid = text(field)
    else if (field.number === 5) ref.apiVersion = text(field)
    else if (field.number === 6) ref.controller = field.varint === 1
    else if (field.number === 7) ref.blockOwnerDeletion = field.varint === 1
  }
  return ref
}

function decodeObjectMeta(buffer: Buffer): ObjectMeta {
  const meta: ObjectMeta = { name: '' }
  for (const field of fieldsOf(buffer)) {
    switch (field.number) {
      case 1:
        meta.name = text(field)
        break
      case 2:
        if (text(field)) meta.generateName = text(field)
        break
      case 3:
        if (text(field)) meta.namespace = text(field)
        break
      case 5:
        if (text(field)) meta.uid = text(field)
        break
      case 6:
        if (text(field)) meta.resourceVersion = text(field)
        break
      case 7:
        if (field.varint) meta.generation = field.varint
        break
      case 8: {
        const created = decodeTime(field.bytes ?? Buffer.alloc(0))
        if (created) meta.creationTimestamp = created
        break
      }
      case 11: {
        const { key, value } = mapEntry(field)
        meta.labels = { ...meta.labels, [key]: value.toString('utf8') }
        break
      }
      case 12: {
        const { key, value } = mapEntry(field)
        meta.annotations = { ...meta.annotations, [key]: value.toString('utf8') }
        break
      }
      case 13:
        meta.ownerReferences = [
          ...(meta.ownerReferences ?? []),
          decodeOwnerReference(field.bytes ?? Buffer.alloc(0))
        ]
        break
      case 14:
        meta.finalizers = [...(meta.finalizers ?? []), text(field)]
        break
    }
  }
  return meta
}

function decodeSecret(buffer: Buffer, apiVersion: string, kind: string): KubeObject {
  const secret: KubeObject = { apiVersion, kind, metadata: { name: '' } }
  const data: Record<string, string> = {}
  const stringData: Record<string, string> = {}
  for (const field of fieldsOf(buffer)) {
    if (field.number === 1) secret.metadata = decodeObjectMeta(field.bytes ?? Buffer.alloc(0))
    else if (field.number === 2) {
      const { key, value } = mapEntry(field)
      data[key] = value.toString('base64')
    } else if (field.number === 3) {
      if (text(field)) secret.type = text(field)
    } else if (field.number === 4) {
      const { key, value } = mapEntry(field)
      stringData[key] = value.toString('utf8')
    } else if (field.number === 5) secret.immutable = field.varint === 1
  }
  if (Object.keys(data).length) secret.data = data
  if (Object.keys(stringData).length) secret.stringData = stringData
  return secret
}

function decodeConfigMap(buffer: Buffer, apiVersion: string, kind: string): KubeObject {
  const configMap: KubeObject = { apiVersion, kind, metadata: { name: '' } }
  const data: Record<string, string> = {}
  const binaryData: Record<string, string> = {}
  for (const field of fieldsOf(buffer)) {
    if (field.number === 1) configMap.metadata = decodeObjectMeta(field.bytes ?? Buffer.alloc(0))
    else if (field.number === 2) {
      const { key, value } = mapEntry(field)
      data[key] = value.toString('utf8')
    } else if (field.number === 3) {
      const { key, value } = mapEntry(field)
      binaryData[key] = value.toString('base64')
    } else if (field.number === 4) configMap.immutable = field.varint === 1
  }
  if (Object.keys(data).length) configMap.data = data
  if (Object.keys(binaryData).length) configMap.binaryData = binaryData
  return configMap
}

function decodeNamespace(buffer: Buffer, apiVersion: string, kind: string): KubeObject {
  const namespace: KubeObject = { apiVersion, kind, metadata: { name: '' } }
  for (const field of fieldsOf(buffer)) {
    if (field.number === 1) namespace.metadata = decodeObjectMeta(field.bytes ?? Buffer.alloc(0))
    else if (field.number === 2) {
      const finalizers = fieldsOf(field.bytes ?? Buffer.alloc(0))
        .filter(f => f.number === 1)
        .map(text)
      if (finalizers.length) namespace.spec = { finalizers }
    }
  }
  return namespace
}

function decodeServiceAccount(buffer: Buffer, apiVersion: string, kind: string): KubeObject {
  const account: KubeObject = { apiVersion, kind, metadata: { name: '' } }
  const pullSecrets: { name: string }[] = []
  for (const field of fieldsOf(buffer)) {
    if (field.number === 1) account.metadata = decodeObjectMeta(field.bytes ?? Buffer.alloc(0))
    else if (field.number === 3) {
      const name = fieldsOf(field.bytes ?? Buffer.alloc(0)).find(f => f.number === 1)
      if (name) pullSecrets.push({ name: text(name) })
    } else if (field.number === 4) account.automountServiceAccountToken = field.varint === 1
  }
  if (pullSecrets.length) account.imagePullSecrets = pullSecrets
  return account
}

function decodeDeleteOptions(buffer: Buffer, apiVersion: string, kind: string): Record<string, unknown> {
  const options: Record<string, unknown> = { apiVersion, kind }
  for (const field of fieldsOf(buffer)) {
    if (field.number === 1 && field.varint !== undefined) options.gracePeriodSeconds = field.varint
    else if (field.number === 3 && field.varint !== undefined) options.orphanDependents = field.varint === 1
    else if (field.number === 4 && text(field)) options.propagationPolicy = text(field)
    else if (field.number === 5)
      options.dryRun = [...((options.dryRun as string[] | undefined) ?? []), text(field)]
  }
  return options
}

export function isProtobuf(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim() === 'application/vnd.kubernetes.protobuf'
}

/** Decodes a protobuf request body into the JSON shape the API would have received. */
export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC))
    throw badRequest('protobuf: missing k8s magic prefix')
  let apiVersion = ''
  let kind = ''
  let raw: Buffer = Buffer.alloc(0)
  for (const field of fieldsOf(body.subarray(4))) {
    if (field.number === 1) {
      for (const typeField of fieldsOf(field.bytes ?? Buffer.alloc(0))) {
        if (typeField.number === 1) apiVersion = text(typeField)
        else if (typeField.number === 2) kind = text(typeField)
      }
    } else if (field.number === 2) raw = field.bytes ?? Buffer.alloc(0)
  }
  switch (kind) {
    case 'Secret':
      return decodeSecret(raw, apiVersion || 'v1', kind)
    case 'ConfigMap':
      return decodeConfigMap(raw, apiVersion || 'v1', kind)
    case 'Namespace':
      return decodeNamespace(raw, apiVersion || 'v1', kind)
    case 'ServiceAccount':
      return decodeServiceAccount(raw, apiVersion || 'v1', kind)
    case 'DeleteOptions':
      return decodeDeleteOptions(raw, apiVersion || 'v1', kind)
    default:
      throw new UnsupportedMediaType(kind)
  }
}

/** A protobuf body of a kind this decoder does not know; the server answers 415. */
export class UnsupportedMediaType extends Error {
  constructor(readonly kind: string) {
    super(
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/apply-patch+yaml, application/merge-patch+json, application/strategic-merge-patch+json, application/json-patch+json (protobuf kind ${kind || 'unknown'} is not supported by the test cluster)`
    )
  }
}
