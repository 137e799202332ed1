/** The one client of the kubectl binary: reads only, a method per read, one private exec, typed errors. */
import { ProcessError, spawnProcess, type ProcessResult } from '../exec/process.js'
import type { KubeReader } from './watch.js'

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
  /** Per request, so a hung API server cannot stall the watcher for long (a big release's list takes seconds). */
  requestTimeout?: string
}

interface KubeList<T> {
  items: T[]
}

const NOT_FOUND = /\(NotFound\)|not found/

export class KubectlClient implements KubeReader {
  readonly path: string
  private readonly env: NodeJS.ProcessEnv
  private readonly common: string[]

  constructor(options: KubectlClientOptions) {
    this.path = options.path
    this.env = options.env ?? process.env
    this.common = [`--request-timeout=${options.requestTimeout ?? '15s'}`]
    if (options.kubeContext) this.common.push('--context', options.kubeContext)
  }

  /** The namespace of the current (or given) context; `default` when it names none. */
  async contextNamespace(): Promise<string> {
    const out = await this.output(['config', 'view', '--minify', '-o', 'jsonpath={..namespace}'])
    return out.trim() || 'default'
  }

  /** `kubectl get <kinds> -n <ns> -o json`: one request per kind, one list back (no size limit). */
  async list<T>(kinds: readonly string[], namespace: string): Promise<T[]> {
    const out = await this.output(['get', kinds.join(','), '--namespace', namespace, '-o', 'json'])
    return (JSON.parse(out) as KubeList<T>).items
  }

  /** `kubectl get <Kind.version.group> <names…> -n <ns> -o json`: the named objects that exist. */
  async getObjects<T>(resource: string, names: readonly string[], namespace: string): Promise<T[]> {
    const args = ['get', resource, ...names, '--namespace', namespace, '--ignore-not-found', '-o', 'json']
    const out = (await this.output(args)).trim()
    if (out === '') return []
    const parsed = JSON.parse(out) as KubeList<T> | T
    return typeof parsed === 'object' && parsed !== null && 'items' in parsed ? parsed.items : [parsed]
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
    return this.output(args)
  }

  /**
   * The keys of a ConfigMap or Secret; undefined when it does not exist. A template prints the key names only,
   * so no value ever leaves kubectl.
   */
  async configKeys(
    kind: 'configmap' | 'secret',
    namespace: string,
    name: string
  ): Promise<string[] | undefined> {
    const template =
      '{{range $k, $v := .data}}{{$k}}{{"\\n"}}{{end}}{{range $k, $v := .binaryData}}{{$k}}{{"\\n"}}{{end}}'
    const result = await this.exec([
      'get',
      kind,
      name,
      '--namespace',
      namespace,
      '-o',
      `go-template=${template}`
    ])
    if (result.exitCode !== 0) {
      if (NOT_FOUND.test(result.stderr)) return undefined
      throw new KubectlError(['get', kind, name], result)
    }
    return result.stdout.split('\n').filter(Boolean)
  }

  private async output(args: readonly string[]): Promise<string> {
    const result = await this.exec(args)
    if (result.exitCode !== 0) throw new KubectlError([...args, ...this.common], result)
    return result.stdout
  }

  /** The one way kubectl runs: an argument array with the common flags; a non-zero exit is in the result. */
  private exec(args: readonly string[]): Promise<ProcessResult> {
    return spawnProcess(this.path, [...args, ...this.common], { env: this.env }).done
  }
}
