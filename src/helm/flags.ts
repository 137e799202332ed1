/**
 * Which helm flags `extra-args` may not carry: the ones the action sets itself, and the ones that would change
 * what a deploy is (a dry run reported as deployed) or whom and where it acts as (helm on another cluster or
 * identity than the one the watcher reads). Each refusal names the input that does the job. Messages name the
 * flag only, never its value (it may be a credential). Pure.
 */

const ACTS_AS =
  'use the kubeconfig input, so helm and the watcher act on the same cluster as the same identity'

const ISOLATED =
  "the action keeps helm's repository and registry configuration in the run's private work folder; use the repo-* and registry-* inputs"
const PASSWORD =
  'use the repo-password or registry-password input (a password on a command line is visible to every process)'

/** Long flag → what to use instead. */
const REFUSED_LONG: Record<string, string> = {
  atomic: 'use the atomic input',
  'rollback-on-failure': 'use the atomic input',
  wait: 'the action always waits; use the wait-strategy, atomic and timeout inputs',
  'wait-for-jobs': 'use the wait-for-jobs input',
  timeout: 'use the timeout input',
  namespace: 'use the namespace input',
  'create-namespace': 'use the create-namespace input',
  'kube-context': 'use the kube-context input',
  kubeconfig: 'use the kubeconfig input',
  version: 'use the chart-version input',
  repo: 'use the repo-url input',
  values: 'use the values-files or values input',
  set: 'use the set, set-string or set-secret input',
  'set-string': 'use the set, set-string or set-secret input',
  'set-file': 'use the set-secret input (values arrive byte for byte) or values-files',
  'set-json': 'use the values input',
  'set-literal': 'use the set-secret input (values arrive byte for byte)',
  install: 'use the mode input',
  'dry-run': 'a dry run changes nothing, so the action would report a deploy that never happened',
  debug:
    "the action runs helm with --debug itself when fail-fast needs it; enable step debug logging to see helm's debug lines",
  output: "the action reads helm's output itself",
  help: 'helm would print its help and exit 0, which would read as a successful deploy',
  'kube-token': ACTS_AS,
  'kube-apiserver': ACTS_AS,
  'kube-as-user': ACTS_AS,
  'kube-as-group': ACTS_AS,
  'kube-ca-file': ACTS_AS,
  'kube-tls-server-name': ACTS_AS,
  'kube-insecure-skip-tls-verify': ACTS_AS,
  // Helm's controls with inputs of their own: validated against the installed major.
  'history-max': 'use the history-max input',
  'server-side': 'use the server-side input',
  'force-conflicts': 'use the force-conflicts input',
  'take-ownership': 'use the take-ownership input',
  'skip-crds': 'use the skip-crds input',
  'cleanup-on-fail': 'use the cleanup-on-fail input',
  description: 'use the description input',
  'post-renderer': 'use the post-renderer input',
  'post-renderer-args': 'use the post-renderer-args input',
  'dependency-update': 'use the dependency-update input',
  // Chart sources: credentials on stdin only, configuration isolated per run.
  username: 'use the repo-username or registry-username input',
  password: PASSWORD,
  'password-stdin': PASSWORD,
  'ca-file': 'use the repo-ca-file or registry-ca-file input',
  'pass-credentials': 'use the pass-credentials input',
  'plain-http': 'use the plain-http input',
  'repository-config': ISOLATED,
  'repository-cache': ISOLATED,
  'registry-config': ISOLATED
}

const REFUSED_SHORT: Record<string, string> = {
  n: REFUSED_LONG.namespace ?? '',
  f: REFUSED_LONG.values ?? '',
  i: REFUSED_LONG.install ?? '',
  o: REFUSED_LONG.output ?? '',
  h: REFUSED_LONG.help ?? ''
}
/** Shorthands that take a value: the rest of a `-xyz` group is that value, not more flags. */
const VALUE_SHORT_FLAGS = new Set(['n', 'f', 'o', 'l'])

/** Why one extra-args line is refused, or undefined when helm may have it. */
export function extraArgProblem(arg: string): string | undefined {
  if (arg.startsWith('--')) {
    const name = arg.slice(2).split(/[=\s]/, 1)[0] ?? ''
    const instead = REFUSED_LONG[name]
    return instead === undefined ? undefined : `--${name} is not allowed here: ${instead}`
  }
  if (!arg.startsWith('-') || arg.length < 2) return undefined
  for (const letter of arg.slice(1)) {
    const instead = REFUSED_SHORT[letter]
    if (instead !== undefined) return `-${letter} is not allowed here: ${instead}`
    if (VALUE_SHORT_FLAGS.has(letter) || !/[a-z]/i.test(letter)) break
  }
  return undefined
}
