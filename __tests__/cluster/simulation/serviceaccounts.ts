/** The service account controller: every active namespace gets its `default` ServiceAccount. */
import type { ClusterStore } from '../types.js'
import { guarded, type Controller } from './context.js'

export class ServiceAccountController implements Controller {
  readonly inputs = ['namespaces', 'serviceaccounts'] as const
  constructor(private readonly store: ClusterStore) {}

  sync(): void {
    for (const namespace of this.store.list('namespaces')) {
      const name = namespace.metadata.name
      if (namespace.metadata.deletionTimestamp || this.store.get('serviceaccounts', name, 'default')) continue
      guarded(`default service account in ${name}`, () => {
        this.store.create('serviceaccounts', {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'default', namespace: name }
        })
      })
    }
  }
}
