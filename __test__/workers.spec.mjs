// worker_threads and process exit: the addon loaded in several threads at once, a worker terminated
// with connections open, and process.exit() while connections stream. Each scenario runs in a child
// process, so a native crash (an abort or a signal) is a failed test, not a dead test runner.
import test from 'ava'

import { INDEX_URL, ROOT, runNode } from './helpers/child.mjs'

const INDEX = new URL(INDEX_URL).pathname
const CLIENTS = `${ROOT}/__test__/load/clients.mjs`

/** A child's outcome must be a clean exit: code 0, no signal, no panic or fatal error on stderr. */
function assertCleanExit(t, r) {
  const context = `exit ${r.code}, signal ${r.signal}${r.timedOut ? ', timed out' : ''}\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-3000)}`
  t.false(r.timedOut, `the process ends in time (${context})`)
  t.is(r.signal, null, `no crash (${context})`)
  t.is(r.code, 0, `exit code 0 (${context})`)
  t.notRegex(r.stderr, /panic|FATAL|Assertion|Segmentation|core dumped/i, 'nothing alarming on stderr')
}

/**
 * Worker sources run with `eval: true`; they load what they need with `import()`, which works
 * whether the worker's eval code is taken as CommonJS or (as under --input-type=module) as ESM.
 */
const PRELUDE = `
const { parentPort, workerData } = await import('node:worker_threads')
const { webSocket } = await import(${JSON.stringify(INDEX_URL)})
`
const worker = (body) => `(async () => {${PRELUDE}${body}})()`

/**
 * Worker source: opens `connections` clients to `url`, sends
 * `messages` numbered texts on each, checks that the echoes come back in order, closes, and posts
 * `{ok, echoed, closes}` to the parent.
 */
const EXCHANGE_WORKER = worker(`
const { url, connections, messages, tag } = workerData
async function one(c) {
  const ws = webSocket.createWebSocket()
  let next = 0
  let wrong = 0
  const done = new Promise((resolve, reject) => {
    ws.on('message', (err, data) => {
      if (data !== tag + ' ' + c + ' ' + next) wrong++
      next++
      if (next === messages) ws.close({ code: 1000, reason: tag })
    })
    ws.on('close', (err, payload) => resolve(payload))
    ws.on('error', (e) => reject(new Error(JSON.stringify(e))))
  })
  const opened = new Promise((resolve) => ws.on('open', resolve))
  await ws.connect(url)
  await opened
  for (let i = 0; i < messages; i++) ws.send(tag + ' ' + c + ' ' + i)
  const close = await done
  return { echoed: next, wrong, close }
}
Promise.all(Array.from({ length: connections }, (_, c) => one(c))).then(
  (results) => parentPort.postMessage({ ok: true, results }),
  (e) => parentPort.postMessage({ ok: false, error: String(e) }),
)
`)

test('4 worker threads exchange messages at once, each over its own connections', async (t) => {
  t.timeout(60000)
  const source = `
    import { Worker } from 'node:worker_threads'
    import { startServerProcess } from ${JSON.stringify(CLIENTS)}
    const server = await startServerProcess(['echo'])
    const run = (tag) => new Promise((resolve, reject) => {
      const w = new Worker(${JSON.stringify(EXCHANGE_WORKER)}, { eval: true, workerData: { url: server.url, connections: 5, messages: 500, tag } })
      let result
      w.on('message', (m) => (result = m))
      w.on('error', reject)
      w.on('exit', (code) => resolve({ tag, code, result }))
    })
    const results = await Promise.all(['w0', 'w1', 'w2', 'w3'].map(run))
    await server.stop()
    console.log('RESULT ' + JSON.stringify(results))
  `
  const r = await runNode(t, source, { timeout: 50000 })
  assertCleanExit(t, r)
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '))
  t.truthy(line, 'the workers reported')
  if (!line) return
  for (const w of JSON.parse(line.slice(7))) {
    t.is(w.code, 0, `${w.tag} exits with 0`)
    t.true(w.result?.ok, `${w.tag}: ${w.result?.error ?? 'ok'}`)
    t.deepEqual(
      w.result?.results,
      Array.from({ length: 5 }, () => ({ echoed: 500, wrong: 0, close: { code: 1000, reason: w.tag } })),
      `${w.tag}: every echo back, in order, and a clean close on each connection`,
    )
  }
})

test('terminating a worker with open, busy connections does not crash the process; the addon keeps working', async (t) => {
  t.timeout(60000)
  const busyWorker = worker(`
    let open = 0
    for (let c = 0; c < 10; c++) {
      const ws = webSocket.createWebSocket()
      ws.on('message', () => {})
      ws.on('open', () => {
        if (++open === 10) parentPort.postMessage('open')
        // Busy but bounded (~2,000 messages/s per connection): the echo server shares the main thread.
        const pump = () => { for (let i = 0; i < 10; i++) ws.send('busy ' + i); setTimeout(pump, 5) }
        pump()
      })
      ws.connect(workerData.url)
    }
  `)
  const source = `
    import { Worker } from 'node:worker_threads'
    import { WebSocketServer } from 'ws'
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise((resolve) => wss.on('listening', resolve))
    let connected = 0
    let closed = 0
    wss.on('connection', (ws) => {
      connected++
      ws.on('error', () => {})
      ws.on('message', (d) => ws.send(d))
      ws.on('close', () => closed++)
    })
    const url = 'ws://127.0.0.1:' + wss.address().port + '/'
    for (let round = 0; round < 3; round++) {
      const w = new Worker(${JSON.stringify(busyWorker)}, { eval: true, workerData: { url } })
      await new Promise((resolve, reject) => { w.on('message', resolve); w.on('error', reject) })
      await new Promise((resolve) => setTimeout(resolve, 200))
      const code = await w.terminate()
      console.log('TERMINATED ' + round + ' ' + code)
    }
    // The terminated workers' connections go away (their sockets are not leaked).
    const deadline = Date.now() + 10000
    while (closed < connected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    console.log('CLOSED ' + closed + ' of ' + connected)
    // And a new worker still connects and exchanges messages.
    const after = await new Promise((resolve, reject) => {
      const w = new Worker(${JSON.stringify(EXCHANGE_WORKER)}, { eval: true, workerData: { url, connections: 2, messages: 100, tag: 'after' } })
      let result
      w.on('message', (m) => (result = m))
      w.on('error', reject)
      w.on('exit', (code) => resolve({ code, result }))
    })
    console.log('AFTER ' + JSON.stringify(after))
    for (const c of wss.clients) c.terminate()
    wss.close()
  `
  const r = await runNode(t, source, { timeout: 50000 })
  assertCleanExit(t, r)
  t.regex(r.stdout, /TERMINATED 0 1\nTERMINATED 1 1\nTERMINATED 2 1/, 'each worker was terminated (exit code 1)')
  const closed = /CLOSED (\d+) of (\d+)/.exec(r.stdout)
  t.truthy(closed, 'the server counted its connections')
  if (closed) {
    t.is(closed[2], '30', '30 connections were open')
    t.is(closed[1], closed[2], "every terminated worker's connection was closed")
  }
  const after = /AFTER (.*)/.exec(r.stdout)
  t.truthy(after, 'a new worker ran after the terminations')
  if (after) {
    const { code, result } = JSON.parse(after[1])
    t.is(code, 0)
    t.true(result?.ok, result?.error)
  }
})

test('process.exit() while connections stream in both directions exits cleanly with code 0', async (t) => {
  const source = `
    import { WebSocketServer } from 'ws'
    import { createRequire } from 'node:module'
    const { webSocket } = createRequire(import.meta.url)(${JSON.stringify(INDEX)})
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise((resolve) => wss.on('listening', resolve))
    wss.on('connection', (ws) => {
      ws.on('error', () => {})
      ws.on('message', (d) => ws.send(d))
      // A bounded burst per turn, so the server never starves this thread's event loop.
      const pump = () => { if (ws.readyState !== 1) return; for (let i = 0; i < 50 && ws.bufferedAmount < 1 << 20; i++) ws.send('x'.repeat(1000)); setImmediate(pump) }
      pump()
    })
    const url = 'ws://127.0.0.1:' + wss.address().port + '/'
    let received = 0
    for (let c = 0; c < 10; c++) {
      const ws = webSocket.createWebSocket()
      ws.on('message', () => {
        // Exit from inside a listener, in the middle of delivery.
        if (++received === 5000) { console.log('EXITING'); process.exit() }
      })
      ws.on('open', () => { const pump = () => { for (let i = 0; i < 100; i++) ws.send(new ArrayBuffer(1000)); setImmediate(pump) }; pump() })
      ws.connect(url)
    }
  `
  const r = await runNode(t, source, { timeout: 20000 })
  t.regex(r.stdout, /EXITING/, 'the connections were streaming when process.exit() was called')
  assertCleanExit(t, r)
})

test('process.exit() while worker threads have streaming connections exits cleanly with code 0', async (t) => {
  const streamingWorker = worker(`
    let got = 0
    for (let c = 0; c < 5; c++) {
      const ws = webSocket.createWebSocket()
      ws.on('message', () => { if (++got === 500) parentPort.postMessage('streaming') })
      ws.on('open', () => { const pump = () => { for (let i = 0; i < 10; i++) ws.send('w ' + i); setTimeout(pump, 5) }; pump() })
      ws.connect(workerData.url)
    }
  `)
  const source = `
    import { Worker } from 'node:worker_threads'
    import { WebSocketServer } from 'ws'
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise((resolve) => wss.on('listening', resolve))
    wss.on('connection', (ws) => { ws.on('error', () => {}); ws.on('message', (d) => ws.send(d)) })
    const url = 'ws://127.0.0.1:' + wss.address().port + '/'
    const workers = [0, 1, 2].map(() => new Worker(${JSON.stringify(streamingWorker)}, { eval: true, workerData: { url } }))
    await Promise.all(workers.map((w) => new Promise((resolve, reject) => { w.on('message', resolve); w.on('error', reject) })))
    console.log('EXITING')
    process.exit()
  `
  const r = await runNode(t, source, { timeout: 30000 })
  t.regex(r.stdout, /EXITING/, 'every worker was streaming when process.exit() was called')
  assertCleanExit(t, r)
})
