/** Image references as the container runtime parses them (the docker reference grammar). */

export interface ImageReference {
  /** Registry host (with port), `docker.io` when none is written. */
  domain: string
  /** Repository path, `library/` added for docker.io single names. */
  path: string
  tag?: string
  digest?: string
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const TAG = '[\\w][\\w.-]{0,127}'
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}'
const REFERENCE = new RegExp(
  `^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`
)

/** undefined for an invalid reference (uppercase repository, `::`, spaces, ...). */
export function parseImageReference(image: string): ImageReference | undefined {
  if (image === '' || image.length > 255) return undefined
  const match = REFERENCE.exec(image)
  if (!match) return undefined
  let domain = match[1]
  let path = match[2] ?? ''
  // A first component without a dot or port (and not localhost) is part of the path, as in docker.
  if (domain !== undefined && !/[.:]/.test(domain) && domain !== 'localhost' && !/[A-Z]/.test(domain)) {
    path = `${domain}/${path}`
    domain = undefined
  } else if (domain !== undefined && /[A-Z]/.test(domain) && !/[.:]/.test(domain)) {
    return undefined
  }
  if (domain === undefined) {
    domain = 'docker.io'
    if (!path.includes('/')) path = `library/${path}`
  }
  const reference: ImageReference = { domain, path }
  if (match[3] !== undefined) reference.tag = match[3]
  if (match[4] !== undefined) reference.digest = match[4]
  return reference
}

/** `docker.io/library/nginx:latest`: what the runtime pulls. */
export function fullReference(reference: ImageReference): string {
  const base = `${reference.domain}/${reference.path}`
  if (reference.digest) return `${base}${reference.tag ? `:${reference.tag}` : ''}@${reference.digest}`
  return `${base}:${reference.tag ?? 'latest'}`
}

/** Images from a registry that cannot resolve: the `.invalid` top-level domain (RFC 2606). */
export function isUnreachableRegistry(reference: ImageReference): boolean {
  const host = reference.domain.replace(/:\d+$/, '').toLowerCase()
  return host === 'invalid' || host.endsWith('.invalid')
}

/** The host containerd talks to for a reference: Docker Hub's registry is registry-1.docker.io. */
function registryHost(reference: ImageReference): string {
  return reference.domain === 'docker.io' ? 'registry-1.docker.io' : reference.domain
}

function manifestUrl(reference: ImageReference): string {
  const manifest = reference.digest ?? reference.tag ?? 'latest'
  return `https://${registryHost(reference)}/v2/${reference.path}/manifests/${manifest}`
}

/** The containerd error (as the CRI returns it) for a registry host that does not resolve. */
export function pullError(reference: ImageReference): string {
  const full = fullReference(reference)
  const host = registryHost(reference).replace(/:\d+$/, '')
  return (
    `rpc error: code = Unknown desc = failed to pull and unpack image "${full}": failed to resolve reference ` +
    `"${full}": failed to do request: Head "${manifestUrl(reference)}": dial tcp: lookup ${host}: no such host`
  )
}

/** The containerd error for a registry that answers the manifest HEAD with 503 (resolver's ErrUnexpectedStatus). */
export function unavailableError(reference: ImageReference): string {
  const full = fullReference(reference)
  return (
    `rpc error: code = Unknown desc = failed to pull and unpack image "${full}": failed to resolve reference ` +
    `"${full}": unexpected status from HEAD request to ${manifestUrl(reference)}: 503 Service Unavailable`
  )
}

/** The kubelet's applyDefaultImageTag: an image without tag or digest is pulled (and worded) as `:latest`. */
export function withDefaultTag(image: string, reference: ImageReference): string {
  return reference.tag === undefined && reference.digest === undefined ? `${image}:latest` : image
}
