/** Every input and its default, in action.yml's order (a test keeps the two equal); an empty input means the default. */
export const INPUT_DEFAULTS = {
  release: '',
  chart: '',
  'chart-version': '',
  'repo-url': '',
  namespace: '',
  'create-namespace': 'false',
  'values-files': '',
  values: '',
  set: '',
  'set-string': '',
  'set-secret': '',
  timeout: '5m0s',
  atomic: 'true',
  'wait-for-jobs': 'false',
  'min-ready': '10s',
  mode: 'upgrade-install',
  'helm-version': 'v4.1.4',
  'helm-mirror': 'https://get.helm.sh',
  'helm-sha256': '',
  'kubectl-version': 'auto',
  'kubectl-mirror': 'https://dl.k8s.io',
  kubeconfig: '',
  'kube-context': '',
  'fail-fast': 'true',
  'fail-fast-restarts': '2',
  'fail-fast-unschedulable': '30s',
  'recover-pending': 'true',
  environment: '',
  summary: 'always',
  comment: 'failure',
  'github-token': '',
  'log-lines': '50',
  'extra-args': ''
} as const satisfies Record<string, string>

export type InputName = keyof typeof INPUT_DEFAULTS

export const INPUT_NAMES = Object.keys(INPUT_DEFAULTS) as InputName[]
