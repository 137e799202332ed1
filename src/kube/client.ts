import { ProcessError, spawnProcess, type ProcessResult } from '../exec/process.js'

export class KubectlError extends ProcessError {
  constructor(args: readonly string[], result: ProcessResult) {
    super('kubectl', args, result)
    this.name = 'KubectlError'
  }
}

export interface KubectlClientOptions {
  path: string
  /** KUBECONFIG and friends, as for helm. */
  env?: NodeJS.ProcessEnv
  kubeContext?: string
  /** Per request, so a hung API server cannot stall the watcher. */
  requestTimeout?: string
}

export interface KubeList<T> {
  items: T[]
}

/** The one wrapper around kubectl: resolved path, argument arrays, typed errors. Reads only. */
export class KubectlClient {
  readonly path: string
  private readonly env: NodeJS.ProcessEnv
  private readonly common: string[]

  constructor(options: KubectlClientOptions) {
    this.path = options.path
    this.env = options.env ?? process.env
    this.common = [`--request-timeout=${options.requestTimeout ?? '5s'}`]
    if (options.kubeContext) this.common.push('--context', options.kubeContext)
  }

  async run(args: readonly string[]): Promise<string> {
    const full = [...args, ...this.common]
    const result = await spawnProcess(this.path, full, { env: this.env }).done
    if (result.exitCode !== 0) throw new KubectlError(full, result)
    return result.stdout
  }

  /** The namespace of the current (or given) context; `default` when it names none. */
  async contextNamespace(): Promise<string> {
    const out = await this.run(['config', 'view', '--minify', '-o', 'jsonpath={..namespace}'])
    return out.trim() || 'default'
  }

  /** `kubectl get <kinds> -n <ns> -o json`: one request per kind, one list back. */
  async list<T>(kinds: readonly string[], namespace: string, extra: readonly string[] = []): Promise<T[]> {
    const out = await this.run(['get', kinds.join(','), '--namespace', namespace, '-o', 'json', ...extra])
    return (JSON.parse(out) as KubeList<T>).items
  }

  async logs(
    namespace: string,
    pod: string,
    container: string,
    options: { previous: boolean; tailLines: number }
  ): Promise<string> {
    const args = [
      'logs',
      pod,
      '--namespace',
      namespace,
      '--container',
      container,
      `--tail=${options.tailLines}`
    ]
    if (options.previous) args.push('--previous')
    return this.run(args)
  }
}
