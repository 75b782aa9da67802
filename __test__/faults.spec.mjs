// Faults (CONTRACT §3, §5, §6): a server process killed mid-stream, a handshake that never comes, a
// close handshake whose TCP never ends, a peer that stops reading while we send 100 MiB, and a host
// that does not resolve. Whatever the peer does, the client reports it by the contract's events
// and the process stays healthy.
import test from 'ava'

import { INDEX_URL, ROOT, runNode } from './helpers/child.mjs'
import { businessError, describe, LINK_DOWN, newClient, openClient, viaPromise } from './helpers/events.mjs'
import { OP, startScriptedPeer } from './helpers/wire.mjs'

const INDEX = new URL(INDEX_URL).pathname
const CLIENTS = `${ROOT}/__test__/load/clients.mjs`
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const MiB = 1024 * 1024

/** Asserts the 'error' payload of a lost connection or failed attempt: `{code: 200, data: "0", message}`. */
function assertErrorPayload(t, error, what = "'error'") {
  t.like(error, { code: 200, data: '0' }, `${what} payload`)
  t.true(typeof error?.message === 'string' && error.message.length > 0, `${what} names the cause`)
}

// ---------------------------------------------------------------------------------------------
// The server process dies
// ---------------------------------------------------------------------------------------------

/** A `ws` server in its own process that streams numbered text messages to every client, as fast as it can. */
const STREAMING_SERVER = `
import { WebSocketServer } from 'ws'
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
wss.on('listening', () => console.log('PORT ' + wss.address().port))
wss.on('connection', (ws) => {
  let n = 0
  const pump = () => {
    if (ws.readyState !== 1) return
    while (ws.bufferedAmount < 256 * 1024) ws.send('message ' + n++)
    setImmediate(pump)
  }
  pump()
})
`

test("the server process is killed (SIGKILL) mid-stream: 'error' then 'close' {1005, \"The link is down\"}", async (t) => {
  let port
  const server = runNode(t, STREAMING_SERVER, {
    timeout: 30000,
    onStdout: (s) => {
      const m = /PORT (\d+)/.exec(s)
      if (m) port = Number(m[1])
    },
  })
  while (port === undefined) {
    if (server.child.exitCode !== null) t.fail(`the server exited: ${(await server).stderr}`)
    await delay(10)
  }
  const { rec } = await openClient(t, `ws://127.0.0.1:${port}/`)
  await rec.until('message', { count: 200, timeout: 10000 })
  server.child.kill('SIGKILL')
  const closed = await rec.until('close', { timeout: 10000 })
  t.deepEqual(closed, { code: 1005, reason: LINK_DOWN })
  await delay(100)

  const types = rec.types()
  const tail = types.slice(types.indexOf('error'))
  t.deepEqual(tail, ['error', 'close'], `'error' then 'close', nothing after (got ${describe(rec.events.slice(-4))})`)
  assertErrorPayload(t, rec.of('error')[0])
  // What did arrive is whole and in order.
  const messages = rec.of('message')
  t.deepEqual(
    messages.map((m, i) => m === `message ${i}`).indexOf(false),
    -1,
    `${messages.length} messages, numbered 0.. in order`,
  )
  t.is(rec.count('dataEnd'), messages.length, "a 'dataEnd' for every 'message'")
  t.is((await server).signal, 'SIGKILL')
})

// ---------------------------------------------------------------------------------------------
// A handshake that never comes
// ---------------------------------------------------------------------------------------------

test("a server that accepts TCP and never answers the handshake: one 'error' after the 20 s handshake timeout", async (t) => {
  t.timeout(45000)
  const peer = await startScriptedPeer(t, null, { handshake: 'silent' })
  const { ws, rec } = newClient(t)
  const started = Date.now()
  t.is(await ws.connect(peer.url()), true, 'connect resolves once the attempt has started')
  await peer.session()
  const error = await rec.until('error', { timeout: 35000 })
  const elapsed = Date.now() - started
  t.true(elapsed >= 19000 && elapsed <= 30000, `'error' after about 20 s (got ${elapsed} ms)`)
  assertErrorPayload(t, error)
  await delay(200)
  t.deepEqual(rec.types(), ['error'], "no 'open', no 'close': a failed attempt ends with its 'error'")
})

test("close() while the handshake is pending ends the attempt with a 'close' and no 'open'", async (t) => {
  const peer = await startScriptedPeer(t, null, { handshake: 'silent' })
  const { ws, rec } = newClient(t)
  t.is(await ws.connect(peer.url()), true)
  const session = await peer.session()
  const started = Date.now()
  t.is(await ws.close({ code: 1000, reason: 'never mind' }), true, 'close resolves')
  const closed = await rec.until('close', { timeout: 7000 })
  t.true(Date.now() - started <= 6000, `'close' within the close timeout (${Date.now() - started} ms)`)
  t.is(closed.code, 1000, "the 'close' carries our code")
  // The attempt is over: the TCP connection goes away, and no late 'open' or 'error' turns up.
  await Promise.race([session.ended, delay(6000)])
  t.true(session.socket.destroyed || session.socket.readableEnded, 'the client dropped the pending TCP connection')
  await delay(300)
  t.is(rec.count('open'), 0, "never an 'open'")
  t.is(rec.count('close'), 1, "one 'close'")
  t.is(rec.types().at(-1), 'close', `'close' is the last event (got ${describe(rec.events)})`)
})

// ---------------------------------------------------------------------------------------------
// A close handshake whose TCP never ends
// ---------------------------------------------------------------------------------------------

test("a server that answers our close frame but never closes TCP: 'close' still arrives within 5 s", async (t) => {
  const peer = await startScriptedPeer(t, null, { echoClose: 'no-end' })
  const { ws, rec } = await openClient(t, peer.url())
  const session = await peer.session()
  const started = Date.now()
  await ws.close({ code: 4000, reason: 'bye' })
  const closed = await rec.until('close', { timeout: 8000 })
  const elapsed = Date.now() - started
  t.true(elapsed <= 5000, `'close' within 5 s (got ${elapsed} ms)`)
  t.deepEqual(closed, { code: 4000, reason: 'bye' }, 'our code and reason')
  t.deepEqual(
    session.frames.filter((f) => f.opcode === OP.CLOSE).map((f) => [f.code, f.reason]),
    [[4000, 'bye']],
    'the server got our close frame',
  )
  // The client, not the server, ends the TCP connection in the end.
  await Promise.race([session.ended, delay(3000)])
  t.true(session.socket.destroyed || session.socket.readableEnded, 'the client closed the TCP connection')
  t.is(rec.count('error'), 0, "a completed close handshake is no 'error'")
})

test("a server that never answers our close frame: 'close' after at most 5 s with our code and reason", async (t) => {
  const peer = await startScriptedPeer(t, null, { echoClose: false })
  const { ws, rec } = await openClient(t, peer.url())
  await peer.session()
  const started = Date.now()
  await ws.close({ code: 1001, reason: 'going' })
  const closed = await rec.until('close', { timeout: 9000 })
  const elapsed = Date.now() - started
  t.true(elapsed <= 6000, `'close' after at most 5 s (+1 s slack; got ${elapsed} ms)`)
  t.deepEqual(closed, { code: 1001, reason: 'going' })
})

// ---------------------------------------------------------------------------------------------
// A peer that stops reading
// ---------------------------------------------------------------------------------------------

test('a peer that stops reading while we queue 100 MiB: nothing is lost, order is kept, the process stays responsive', async (t) => {
  t.timeout(60000)
  const COUNT = 100
  // Message i: 1 MiB, its index in the first 4 bytes, then bytes (i * 7 + j) & 0xff.
  const expected = (i) => {
    const b = Buffer.alloc(MiB)
    for (let j = 4; j < MiB; j++) b[j] = (i * 7 + j) & 0xff
    b.writeUInt32BE(i, 0)
    return b
  }
  const received = []
  let parts = []
  let badFrames = 0
  const peer = await startScriptedPeer(
    t,
    (s) => s.pauseReading(),
    {
      keepFrames: false,
      onFrame: (f) => {
        if (!f.masked) badFrames++
        if (f.opcode === OP.BINARY || f.opcode === OP.CONTINUATION) {
          parts.push(f.payload)
          if (f.fin) {
            received.push(Buffer.concat(parts))
            parts = []
          }
        }
      },
    },
  )
  const { ws, rec } = await openClient(t, peer.url())
  const session = await peer.session()

  // The event loop's pulse: the longest gap between 10 ms ticks.
  let last = Date.now()
  let longestGap = 0
  const ticker = setInterval(() => {
    const now = Date.now()
    longestGap = Math.max(longestGap, now - last)
    last = now
  }, 10)
  t.teardown(() => clearInterval(ticker))

  const sends = []
  for (let i = 0; i < COUNT; i++) {
    const b = expected(i)
    sends.push(ws.send(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)))
  }
  const results = await Promise.all(sends)
  t.true(
    results.every((r) => r === true),
    'every send resolves true once queued',
  )
  // The peer still reads nothing; the client keeps its queue and the loop keeps ticking.
  last = Date.now()
  longestGap = 0
  await delay(1000)
  t.true(longestGap < 250, `the event loop keeps ticking while the peer does not read (longest gap ${longestGap} ms)`)
  t.true(session.bytesRead < COUNT * MiB, `the peer has not read everything yet (${session.bytesRead} bytes)`)

  session.resumeReading()
  const deadline = Date.now() + 40000
  while (received.length < COUNT && Date.now() < deadline && !session.socket.destroyed) await delay(20)
  clearInterval(ticker)
  t.is(received.length, COUNT, `all ${COUNT} messages arrived (got ${received.length}; events ${describe(rec.events)})`)
  let intact = 0
  for (let i = 0; i < received.length; i++) if (received[i].equals(expected(i))) intact++
  t.is(intact, COUNT, 'every message intact and in order')
  t.is(badFrames, 0, 'every frame masked')
  t.is(rec.count('error'), 0, "no 'error'")
})

test('the JS thread blocked for 4 s while the server streams 600 MB: no crash, every message arrives in order afterwards', async (t) => {
  t.timeout(90000)
  // In a child process: a failure here can take the whole process down.
  const source = `
    import { createRequire } from 'node:module'
    import { startServerProcess } from ${JSON.stringify(CLIENTS)}
    const { webSocket } = createRequire(import.meta.url)(${JSON.stringify(INDEX)})
    const COUNT = 10000
    const SIZE = 60000
    const server = await startServerProcess(['stream', COUNT, SIZE])
    const ws = webSocket.createWebSocket()
    let next = 0
    let wrong = 0
    ws.on('message', (err, data) => {
      if (data.length !== SIZE || Number(data.trimEnd()) !== next) wrong++
      next++
    })
    ws.on('error', (e) => console.log('ERROR ' + JSON.stringify(e)))
    const closed = new Promise((resolve) => ws.on('close', (err, payload) => resolve(payload)))
    const opened = new Promise((resolve) => ws.on('open', resolve))
    await ws.connect(server.url)
    await opened
    // The JS thread is busy; the server keeps sending.
    const until = Date.now() + 4000
    while (Date.now() < until) {}
    const close = await closed
    await server.stop()
    console.log('RESULT ' + JSON.stringify({ received: next, wrong, close }))
  `
  const r = await runNode(t, source, { timeout: 80000 })
  const context = `exit ${r.code}, signal ${r.signal}${r.timedOut ? ', timed out' : ''}; stdout: ${r.stdout.slice(-1000)}; stderr: ${r.stderr.slice(-1500)}`
  t.is(r.signal, null, `no crash (${context})`)
  t.is(r.code, 0, `exit code 0 (${context})`)
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '))
  t.truthy(line, `the client reported (${context})`)
  if (!line) return
  t.deepEqual(JSON.parse(line.slice(7)), { received: 10000, wrong: 0, close: { code: 1000, reason: 'done' } })
})

// ---------------------------------------------------------------------------------------------
// DNS
// ---------------------------------------------------------------------------------------------

test("a host that does not resolve: connect rejects 2302999 and one 'error' follows", async (t) => {
  const { ws, rec } = newClient(t)
  const r = await viaPromise(ws, 'connect', 'ws://nonexistent.invalid/')
  t.deepEqual(r.error, businessError(2302999))
  await rec.until('error', { timeout: 10000 })
  await delay(300)
  t.deepEqual(rec.types(), ['error'], "exactly one 'error', no 'open' or 'close'")
  assertErrorPayload(t, rec.of('error')[0])
})
