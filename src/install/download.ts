import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { pipeline } from 'node:stream/promises'
import { Transform } from 'node:stream'
import { HttpClient } from '@actions/http-client'

export interface RetryPolicy {
  attempts: number
  /** Delay before the second attempt; doubles each time up to maxDelayMs. Retry-After wins when larger. */
  baseDelayMs: number
  maxDelayMs: number
  /** Per-attempt socket inactivity timeout. */
  socketTimeoutMs: number
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 1_000,
  maxDelayMs: 10_000,
  socketTimeoutMs: 60_000
}

export class DownloadError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number
  ) {
    super(message)
    this.name = 'DownloadError'
  }
}

/** An attempt that may be retried: 5xx, 429, 408, and network errors. */
class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number
  ) {
    super(message)
  }
}

function retryAfterMs(response: IncomingMessage): number | undefined {
  const header = response.headers['retry-after']
  if (!header) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return seconds * 1000
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function withRetries<T>(
  url: string,
  policy: RetryPolicy,
  attempt: (client: HttpClient) => Promise<T>
): Promise<T> {
  let lastError = ''
  for (let n = 1; n <= policy.attempts; n++) {
    const client = new HttpClient('helm-atomic-deploy', [], {
      allowRetries: false,
      socketTimeout: policy.socketTimeoutMs
    })
    try {
      return await attempt(client)
    } catch (error) {
      if (error instanceof DownloadError) throw error
      lastError = error instanceof Error ? error.message : String(error)
      if (n === policy.attempts) break
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1))
      const wait = Math.min(policy.maxDelayMs, Math.max(backoff, (error as RetryableError).retryAfterMs ?? 0))
      await sleep(wait)
    } finally {
      client.dispose()
    }
  }
  throw new DownloadError(`download of ${url} failed after ${policy.attempts} attempts: ${lastError}`, url)
}

async function open(client: HttpClient, url: string): Promise<IncomingMessage> {
  let response
  try {
    response = await client.get(url)
  } catch (error) {
    throw new RetryableError(error instanceof Error ? error.message : String(error))
  }
  const status = response.message.statusCode ?? 0
  if (status === 200) return response.message
  response.message.resume()
  if (status >= 500 || status === 429 || status === 408) {
    throw new RetryableError(`HTTP ${status}`, retryAfterMs(response.message))
  }
  throw new DownloadError(`${url} answered HTTP ${status}`, url, status)
}

/** Streams a URL to a file, hashing it on the way; the file is removed when anything fails. */
export async function downloadFile(
  url: string,
  destination: string,
  policy: RetryPolicy = DEFAULT_RETRY
): Promise<{ sha256: string; bytes: number }> {
  return withRetries(url, policy, async client => {
    const body = await open(client, url)
    const hash = createHash('sha256')
    let bytes = 0
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk)
        bytes += chunk.length
        done(null, chunk)
      }
    })
    try {
      await pipeline(body, tap, createWriteStream(destination, { mode: 0o600 }))
    } catch (error) {
      await rm(destination, { force: true })
      throw new RetryableError(
        `transfer interrupted: ${error instanceof Error ? error.message : String(error)}`
      )
    }
    return { sha256: hash.digest('hex'), bytes }
  })
}

/** A small text file (checksums, channel files). */
export async function fetchText(url: string, policy: RetryPolicy = DEFAULT_RETRY): Promise<string> {
  return withRetries(url, policy, async client => {
    const body = await open(client, url)
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of body) {
      size += (chunk as Buffer).length
      if (size > 64 * 1024) throw new DownloadError(`${url} is larger than a checksum or version file`, url)
      chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks).toString('utf8')
  })
}
