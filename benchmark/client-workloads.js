'use strict'
// One client workload, run by one client library, in a process of its own (pinned to a core by
// run.js). Usage: node --expose-gc client-workloads.js <client> <workload> '<json params>'
// Prints one JSON line with the measurements, or `{"error": ...}` and exits 1.

const fs = require('node:fs')
const { performance } = require('node:perf_hooks')
const { client } = require('./clients.js')

const TEXT_32 = 'x'.repeat(32)

function fail(err) {
  process.stdout.write(`${JSON.stringify({ error: String(err && err.stack ? err.stack : err) })}\n`)
  process.exit(1)
}
process.on('uncaughtException', fail)
process.on('unhandledRejection', fail)

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function gc() {
  if (global.gc) {
    global.gc()
    global.gc()
  }
}

/** Resident set size now, and its peak (VmHWM), in bytes. */
function memory() {
  const status = fs.readFileSync('/proc/self/status', 'utf8')
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)[1]) * 1024
  return { rss: kb('VmRSS'), peak: kb('VmHWM') }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

/** Round trip of a 32 B text message, one at a time: p50 and p99 in µs. */
async function rtt(open, { url, messages, warmup }) {
  const samples = new Float64Array(messages)
  let i = -warmup
  let sentAt = 0
  let conn
  let finish
  const done = new Promise((r) => (finish = r))
  conn = await open(url, {
    onError: fail,
    onMessage(data) {
      const now = performance.now()
      if (data.length !== 32) fail(new Error(`bad echo of length ${data.length}`))
      if (i >= 0) samples[i] = (now - sentAt) * 1000
      if (++i === messages) return finish()
      sentAt = performance.now()
      conn.send(TEXT_32)
    },
  })
  sentAt = performance.now()
  conn.send(TEXT_32)
  await done
  await conn.close()
  samples.sort()
  return { p50_us: percentile(samples, 50), p99_us: percentile(samples, 99) }
}

/** 32 B text messages with `window` in flight on one connection: messages per second. */
async function inflight(open, { url, messages, window }) {
  let sent = 0
  let received = 0
  let conn
  let finish
  const done = new Promise((r) => (finish = r))
  conn = await open(url, {
    onError: fail,
    onMessage() {
      if (++received === messages) return finish()
      if (sent < messages) {
        sent++
        conn.send(TEXT_32)
      }
    },
  })
  const start = performance.now()
  for (; sent < window && sent < messages; sent++) conn.send(TEXT_32)
  await done
  const seconds = (performance.now() - start) / 1000
  await conn.close()
  return { msgs_per_s: messages / seconds }
}

/** Echo of `size`-byte binary messages, one at a time: MB/s (10^6 bytes of payload round-tripped). */
async function bulk(open, { url, size, messages, warmup, ca }) {
  const payload = new ArrayBuffer(size)
  new Uint8Array(payload).fill(0x61)
  let received = -warmup
  let conn
  let start = 0
  let finish
  const done = new Promise((r) => (finish = r))
  conn = await open(url, {
    ca,
    onError: fail,
    onMessage(data) {
      if (typeof data === 'string' || data.byteLength !== size) fail(new Error(`bad echo of ${size} bytes`))
      if (++received === 0) start = performance.now()
      if (received === messages) return finish()
      conn.send(payload)
    },
  })
  conn.send(payload)
  await done
  const seconds = (performance.now() - start) / 1000
  await conn.close()
  return { mb_per_s: (size * messages) / seconds / 1e6 }
}

/**
 * `connections` connections opened (at most `concurrency` handshakes at a time), each echoing one
 * 32 B message, all kept open, then all closed: connections per second (the pause that measures
 * memory excluded), peak RSS, and RSS per idle connection once all are open and idle.
 */
async function connections(open, { url, connections: count, concurrency, ca }) {
  // A first connection starts whatever the library starts once (threads, TLS configuration, ...).
  await openAndEcho(open, url, ca).then((c) => c.close())
  gc()
  await sleep(100)
  const before = memory().rss
  const heapBefore = process.memoryUsage().heapUsed

  const start = performance.now()
  const conns = []
  let next = 0
  async function worker() {
    while (next < count) {
      next++
      conns.push(await openAndEcho(open, url, ca))
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  const opened = performance.now()

  gc()
  await sleep(200)
  gc()
  const idle = memory().rss
  const heapIdle = process.memoryUsage().heapUsed

  const closing = performance.now()
  await Promise.all(conns.map((c) => c.close()))
  const closed = performance.now()
  const seconds = (opened - start + (closed - closing)) / 1000
  return {
    conns_per_s: count / seconds,
    peak_rss_mb: memory().peak / 1e6,
    rss_per_conn_kb: (idle - before) / count / 1e3,
    // The JS heap's part of it (the rest is native memory: the addon's, or Node's sockets).
    heap_per_conn_kb: (heapIdle - heapBefore) / count / 1e3,
    open_s: (opened - start) / 1000,
    close_s: (closed - closing) / 1000,
  }
}

function openAndEcho(open, url, ca) {
  return new Promise((resolve, reject) => {
    let conn
    open(url, {
      ca,
      onError: fail,
      onMessage: () => resolve(conn),
    }).then((c) => {
      conn = c
      conn.send(TEXT_32)
    }, reject)
  })
}

/** `connections` connections each receiving `perConnection` pushed 32 B messages: messages per second. */
async function fanIn(open, { url, connections: count, perConnection }) {
  const total = count * perConnection
  let received = 0
  let finish
  const done = new Promise((r) => (finish = r))
  const onMessage = () => {
    if (++received === total) finish()
  }
  const target = `${url}push?count=${perConnection}&size=32`
  const conns = await Promise.all(Array.from({ length: count }, () => open(target, { onError: fail, onMessage })))
  const start = performance.now()
  for (const conn of conns) conn.send('go')
  await done
  const seconds = (performance.now() - start) / 1000
  await Promise.all(conns.map((c) => c.close()))
  return { msgs_per_s: total / seconds, peak_rss_mb: memory().peak / 1e6 }
}

const WORKLOADS = { rtt, inflight, bulk, connections, fanIn }

async function main() {
  const [name, workload, params] = process.argv.slice(2)
  const run = WORKLOADS[workload]
  if (!run) throw new Error(`unknown workload ${workload}`)
  const result = await run(client(name), JSON.parse(params))
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exit(0)
}

main().catch(fail)
