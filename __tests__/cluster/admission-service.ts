/**
 * Service defaulting and allocation, as the API server's service registry does it: a ClusterIP from
 * 10.96.0.0/16 and node ports from 30000-32767, unique cluster-wide, kept across updates.
 */
import { invalid, invalidValue, type FieldError } from './errors.js'
import { asArray, asNumber, asObject, asString, isObject, type JsonObject } from './json.js'
import { resourceInfo } from './resources.js'
import type { AdmissionHook, ClusterStore, KubeObject } from './types.js'

const NODE_PORT_MIN = 30000
const NODE_PORT_MAX = 32767

function portsOf(service: KubeObject): JsonObject[] {
  return asArray(asObject(service.spec)?.ports).filter(isObject)
}

function sameService(a: KubeObject, b: KubeObject): boolean {
  return a.metadata.namespace === b.metadata.namespace && a.metadata.name === b.metadata.name
}

function usedByOthers(
  store: ClusterStore,
  service: KubeObject
): { ips: Set<string>; nodePorts: Set<number> } {
  const ips = new Set<string>()
  const nodePorts = new Set<number>()
  for (const other of store.list('services')) {
    if (sameService(other, service)) continue
    const ip = asString(asObject(other.spec)?.clusterIP)
    if (ip && ip !== 'None') ips.add(ip)
    for (const port of portsOf(other)) {
      const nodePort = asNumber(port.nodePort)
      if (nodePort) nodePorts.add(nodePort)
    }
  }
  return { ips, nodePorts }
}

function allocateIp(used: Set<string>): string {
  // Start past the low addresses that real clusters give to kubernetes.default and kube-dns.
  for (let n = 11; n < 65534; n++) {
    const candidate = `10.96.${Math.floor(n / 256)}.${n % 256}`
    if (n % 256 === 0 || n % 256 === 255) continue
    if (!used.has(candidate)) {
      used.add(candidate)
      return candidate
    }
  }
  throw new Error('service IP range exhausted')
}

function allocateNodePort(used: Set<number>): number {
  const span = NODE_PORT_MAX - NODE_PORT_MIN + 1
  const start = Math.floor(Math.random() * span)
  for (let i = 0; i < span; i++) {
    const candidate = NODE_PORT_MIN + ((start + i) % span)
    if (!used.has(candidate)) {
      used.add(candidate)
      return candidate
    }
  }
  throw new Error('node port range exhausted')
}

export const serviceAdmission: AdmissionHook = (operation, resource, service, store) => {
  if (resource !== 'services') return
  const spec: JsonObject = asObject(service.spec) ?? {}
  service.spec = spec
  const previous =
    operation === 'update'
      ? store.get('services', service.metadata.namespace, service.metadata.name)
      : undefined
  const previousSpec = asObject(previous?.spec)
  const type = asString(spec.type) ?? 'ClusterIP'
  spec.type = type
  const used = usedByOthers(store, service)
  const errors: FieldError[] = []

  if (type !== 'ExternalName') {
    let clusterIP = asString(spec.clusterIP) || asString(previousSpec?.clusterIP) || ''
    if (!clusterIP) clusterIP = allocateIp(used.ips)
    else if (
      clusterIP !== 'None' &&
      used.ips.has(clusterIP) &&
      asString(previousSpec?.clusterIP) !== clusterIP
    ) {
      errors.push(
        invalidValue(
          'spec.clusterIPs',
          [clusterIP],
          `failed to allocate IP ${clusterIP}: provided IP is already allocated`
        )
      )
    }
    spec.clusterIP = clusterIP
    spec.clusterIPs = [clusterIP]
    if (clusterIP !== 'None') {
      spec.ipFamilies ??= ['IPv4']
      spec.ipFamilyPolicy ??= 'SingleStack'
    }
    spec.sessionAffinity ??= 'None'
    spec.internalTrafficPolicy ??= 'Cluster'
  }

  const wantsNodePorts = type === 'NodePort' || type === 'LoadBalancer'
  if (wantsNodePorts) spec.externalTrafficPolicy ??= 'Cluster'
  const previousPorts = previousSpec ? asArray(previousSpec.ports).filter(isObject) : []
  const ports = portsOf(service)
  ports.forEach((port, index) => {
    port.protocol ??= 'TCP'
    if (port.targetPort === undefined && port.port !== undefined) port.targetPort = port.port
    if (!wantsNodePorts) {
      delete port.nodePort
      return
    }
    let nodePort = asNumber(port.nodePort)
    if (!nodePort) {
      // An update that omits the node port keeps the one the same port had.
      const kept = previousPorts.find(p => p.port === port.port && (p.protocol ?? 'TCP') === port.protocol)
      nodePort = asNumber(kept?.nodePort)
    }
    const field = `spec.ports[${index}].nodePort`
    if (!nodePort) {
      port.nodePort = allocateNodePort(used.nodePorts)
    } else if (nodePort < NODE_PORT_MIN || nodePort > NODE_PORT_MAX) {
      errors.push(
        invalidValue(
          field,
          nodePort,
          `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}`
        )
      )
    } else if (used.nodePorts.has(nodePort)) {
      errors.push(invalidValue(field, nodePort, 'provided port is already allocated'))
    } else {
      used.nodePorts.add(nodePort)
      port.nodePort = nodePort
    }
  })
  if (errors.length) throw invalid(resourceInfo('services'), service.metadata.name, errors)
  if (type === 'LoadBalancer' && !isObject(service.status)) service.status = { loadBalancer: {} }
}
