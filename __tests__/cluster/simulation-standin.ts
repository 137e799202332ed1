/** Temporary stand-in until simulation/index.ts lands: no controllers, no logs. */
import { StatusError, type StartSimulation } from './types.js'

export const startSimulation: StartSimulation = () => ({
  admission: [],
  readLog: (_namespace, pod) => {
    throw new StatusError(400, 'BadRequest', `container logs are not simulated yet (pod ${pod})`)
  },
  stop: () => {}
})
