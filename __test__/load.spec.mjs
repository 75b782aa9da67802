// Load (short versions; scripts/stress.js runs the long ones): many messages over a few connections,
// many connections at once, and many connect/close cycles without growth in memory or descriptors.
// The servers are `ws` in processes of their own (__test__/load/ws-server.mjs), so the figures are
// the client's.
import path from 'node:path'

import test from 'ava'

import { ROOT, runNode } from './helpers/child.mjs'
import { concurrentEcho, receiveStreams, startServerProcess } from './load/clients.mjs'

test.serial('100,000 messages from a server over 10 connections: none lost, order kept per connection', async (t) => {
  t.timeout(30000)
  const server = await startServerProcess(['stream', 10000])
  t.teardown(() => server.stop())
  const r = await receiveStreams({ url: server.url, connections: 10, perConnection: 10000, timeout: 25000 })
  t.deepEqual(r.received, Array(10).fill(10000), 'every connection got all 10,000 messages')
  t.deepEqual(r.outOfOrder, Array(10).fill(0), 'in order')
  t.deepEqual(r.closes, Array(10).fill({ code: 1000, reason: 'done' }), "each stream ends with the server's close")
  t.log(`100,000 messages in ${r.ms} ms (${Math.round(100000 / (r.ms / 1000))} msgs/s)`)
})

test.serial('500 concurrent connections open, echo and close', async (t) => {
  t.timeout(30000)
  const server = await startServerProcess(['echo'])
  t.teardown(() => server.stop())
  const r = await concurrentEcho({ url: server.url, count: 500, timeout: 20000 })
  t.is(r.wrongEchoes, 0, 'every client got its own message back')
  t.deepEqual(r.closes, Array(500).fill({ code: 1000, reason: '' }), "every client got its 'close'")
  t.log(`open ${r.openMs} ms, echo ${r.echoMs} ms, close ${r.closeMs} ms`)
})

test.serial('2,000 connect/close cycles: RSS grows < 10% after warm-up, no file descriptor leaks, the process exits by itself', async (t) => {
  t.timeout(45000)
  const server = await startServerProcess(['echo'])
  t.teardown(() => server.stop())
  const program = path.join(ROOT, '__test__/load/cycles.mjs')
  const r = await runNode(t, `await import(${JSON.stringify('file://' + program)})`, {
    args: [server.url, '500', '2000'],
    // A fixed young generation: V8 otherwise grows it from 1 to 16 MiB semi-spaces under this
    // allocation rate, which shows in RSS as +20–30 MiB that are no leak (heapTotal, not native).
    nodeArgs: ['--expose-gc', '--max-semi-space-size=1'],
    timeout: 40000,
  })
  t.false(r.timedOut, `the cycles finish and the process exits by itself (stdout: ${r.stdout.slice(-500)}, stderr: ${r.stderr.slice(-2000)})`)
  t.is(r.code, 0, r.stderr.slice(-2000))
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '))
  t.truthy(line, 'the child reported its figures')
  if (!line) return
  const m = JSON.parse(line.slice(7))
  t.is(m.cycles, 2000)
  const growth = (m.after.rss - m.before.rss) / m.before.rss
  t.log(`2,000 cycles in ${m.ms} ms; RSS ${(m.before.rss / 1048576).toFixed(1)} → ${(m.after.rss / 1048576).toFixed(1)} MiB (${(growth * 100).toFixed(1)}%); fds ${m.fdsAtStart} / ${m.before.fds} → ${m.after.fds}`)
  t.true(growth < 0.1, `RSS growth ${(growth * 100).toFixed(1)}% < 10%`)
  t.true(m.after.fds <= m.before.fds, `no leaked file descriptors (${m.before.fds} after warm-up, ${m.after.fds} after the cycles)`)
})
