import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { missingDependencies } from '../../../src/deploy/dependencies.js'

/** A gzipped tar with the given files (ustar headers, as helm package writes them). */
function tgz(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = []
  for (const [name, content] of Object.entries(files)) {
    const header = Buffer.alloc(512)
    header.write(name, 0, 'utf8')
    header.write('0000644\0', 100)
    header.write('0000000\0', 108)
    header.write('0000000\0', 116)
    header.write(`${Buffer.byteLength(content).toString(8).padStart(11, '0')}\0`, 124)
    header.write('00000000000\0', 136)
    header.write('        ', 148)
    header.write('0', 156)
    header.write('ustar\0' + '00', 257)
    let sum = 0
    for (const byte of header) sum += byte
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
    const body = Buffer.alloc(Math.ceil(Buffer.byteLength(content) / 512) * 512)
    body.write(content)
    blocks.push(header, body)
  }
  blocks.push(Buffer.alloc(1024))
  return gzipSync(Buffer.concat(blocks))
}

function chart(dependencies: string, vendored: Record<string, Buffer | string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'deps-'))
  writeFileSync(
    join(dir, 'Chart.yaml'),
    `apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n${dependencies}`
  )
  for (const [name, content] of Object.entries(vendored)) {
    if (typeof content === 'string') {
      mkdirSync(join(dir, 'charts', name), { recursive: true })
      writeFileSync(join(dir, 'charts', name, 'Chart.yaml'), content)
    } else {
      mkdirSync(join(dir, 'charts'), { recursive: true })
      writeFileSync(join(dir, 'charts', name), content)
    }
  }
  return dir
}

const DEPS = `- name: redis
  version: 18.x
  repository: https://charts.example.com
  condition: redis.enabled
- name: common
  version: 2.x
  repository: oci://registry.example.com/charts
`

describe('missingDependencies: helm dependency build only when something is missing', () => {
  it('vendored as archives (with Chart.lock): nothing to build, no repository needed', () => {
    const dir = chart(DEPS, {
      'redis-18.1.0.tgz': tgz({ 'redis/Chart.yaml': 'apiVersion: v2\nname: redis\nversion: 18.1.0\n' }),
      'common-2.3.0.tgz': tgz({ 'common/Chart.yaml': 'name: common\nversion: 2.3.0\n' })
    })
    expect(missingDependencies(dir)).toEqual([])
  })

  it('vendored as a directory counts too; a chart is matched by its own name, not its file name', () => {
    const dir = chart(DEPS, {
      'redis-cache': 'name: redis\nversion: 18.1.0\n',
      'something.tgz': tgz({ 'x/Chart.yaml': 'name: common\nversion: 2.0.0\n' })
    })
    expect(missingDependencies(dir)).toEqual([])
  })

  it('a missing one is listed, whatever its condition (helm requires every declared dependency)', () => {
    const dir = chart(DEPS, { 'common-2.3.0.tgz': tgz({ 'common/Chart.yaml': 'name: common\n' }) })
    expect(missingDependencies(dir)).toEqual(['redis'])
  })

  it('no dependencies, a packaged chart, a chart name: nothing', () => {
    expect(missingDependencies(chart('[]\n'))).toEqual([])
    expect(missingDependencies('oci://registry.example.com/charts/app')).toEqual([])
    expect(missingDependencies('/nonexistent/chart.tgz')).toEqual([])
  })
})
