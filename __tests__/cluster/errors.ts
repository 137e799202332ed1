import { qualifiedName, type ResourceInfo } from './resources.js'
import { StatusError, type StatusCause } from './types.js'

/** metav1.Status errors with the API server's own wording. */

export function notFound(r: ResourceInfo, name: string): StatusError {
  return new StatusError(404, 'NotFound', `${qualifiedName(r)} "${name}" not found`, {
    name,
    group: r.group,
    kind: r.plural
  })
}

export function alreadyExists(r: ResourceInfo, name: string): StatusError {
  return new StatusError(409, 'AlreadyExists', `${qualifiedName(r)} "${name}" already exists`, {
    name,
    group: r.group,
    kind: r.plural
  })
}

export function conflict(r: ResourceInfo, name: string): StatusError {
  return new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedName(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: r.group, kind: r.plural }
  )
}

export interface FieldError {
  /** FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, FieldValueForbidden, FieldValueDuplicate */
  reason: string
  field: string
  /** Already formatted, e.g. `Invalid value: 31231: provided port is already allocated`. */
  message: string
}

export function invalidValue(field: string, value: unknown, detail: string): FieldError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value)
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown}: ${detail}` }
}

export function requiredValue(field: string, detail: string): FieldError {
  return { reason: 'FieldValueRequired', field, message: `Required value${detail ? `: ${detail}` : ''}` }
}

export function invalid(r: ResourceInfo, name: string, errors: FieldError[]): StatusError {
  const parts = errors.map(e => `${e.field}: ${e.message}`)
  const summary = parts.length === 1 ? (parts[0] ?? '') : `[${parts.join(', ')}]`
  const causes: StatusCause[] = errors.map(e => ({ reason: e.reason, message: e.message, field: e.field }))
  return new StatusError(422, 'Invalid', `${r.kind} "${name}" is invalid: ${summary}`, {
    name,
    group: r.group,
    kind: r.kind,
    causes
  })
}

export function badRequest(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message)
}

export function forbidden(r: ResourceInfo, name: string, detail: string): StatusError {
  return new StatusError(403, 'Forbidden', `${qualifiedName(r)} "${name}" is forbidden: ${detail}`, {
    name,
    group: r.group,
    kind: r.plural
  })
}
