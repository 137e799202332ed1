/** The kubeconfig input: raw YAML or base64 of it, and every credential inside it (to be masked). Pure. */
import { parse as parseYaml } from 'yaml'

export interface DecodedKubeconfig {
  /** The YAML helm and kubectl get; empty when the input was empty. */
  yaml: string
  /** The input as given and its decoded forms: secret as wholes. */
  documents: string[]
  /** Each credential value inside it (tokens, keys, passwords). */
  credentials: string[]
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/
const CREDENTIAL_FIELDS = ['token', 'client-key-data', 'client-certificate-data', 'password']

/** Undefined when the text is neither kubeconfig YAML (a mapping with `clusters`) nor base64 of it. */
export function decodeKubeconfig(value: string): DecodedKubeconfig | undefined {
  if (value === '') return { yaml: '', documents: [], credentials: [] }
  const documents = [value]
  let yamlText = value
  let config = asKubeconfig(value)
  const compact = value.replace(/\s+/g, '')
  if (!config && BASE64.test(compact)) {
    const decoded = Buffer.from(compact, 'base64').toString('utf8')
    config = asKubeconfig(decoded)
    if (config) {
      yamlText = decoded
      documents.push(compact, ...value.split(/\s+/).filter(line => line.length >= 16))
    }
  }
  if (!config) return undefined
  documents.push(yamlText.trim())
  return { yaml: yamlText, documents, credentials: credentials(config) }
}

function asKubeconfig(text: string): Record<string, unknown> | undefined {
  let parsed: unknown
  try {
    parsed = parseYaml(text)
  } catch {
    return undefined
  }
  return isMapping(parsed) && 'clusters' in parsed ? parsed : undefined
}

function credentials(config: Record<string, unknown>): string[] {
  const found: string[] = []
  const push = (value: unknown): void => {
    if (typeof value === 'string' && value !== '') found.push(value)
  }
  const users = Array.isArray(config.users) ? (config.users as unknown[]) : []
  for (const entry of users) {
    const user = isMapping(entry) && isMapping(entry.user) ? entry.user : undefined
    if (!user) continue
    for (const field of CREDENTIAL_FIELDS) push(user[field])
    const authProvider = user['auth-provider']
    if (isMapping(authProvider) && isMapping(authProvider.config))
      Object.values(authProvider.config).forEach(push)
    const exec = user.exec
    if (isMapping(exec) && Array.isArray(exec.env)) {
      for (const variable of exec.env as unknown[]) if (isMapping(variable)) push(variable.value)
    }
  }
  return found
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
