// CONTRACT §8 (runtime §1.4, §12): the WebSocketServer, against third-party clients — the `ws`
// package's client, Python `websockets` (__test__/peers/server_client.py) and a byte-level raw
// client — plain and over TLS. Every server binds 127.0.0.1 on port 0 and is stopped by its test.
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import test from 'ava'
import WebSocket from 'ws'

import { show, viaCallback, viaPromise, webSocket } from './helpers/events.mjs'
import { acceptKey, closePayload, frame, FrameParser, OP } from './helpers/frames.mjs'
import { delay, HOST, PYTHON, waitUntil } from './helpers/servers.mjs'
import { runProcess } from './helpers/child.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const PY_CLIENT = path.join(HERE, 'peers/server_client.py')
const OTHER_IP = '127.0.0.2'
const LINK_DOWN = 'The link is down'
const GOING_AWAY = { code: 1001, reason: 'server is going away' }

/** The error objects of the server's methods, with the messages of `src/errors.rs`. */
const MESSAGES = {
  401: 'Parameter error.',
  2302002: 'Websocket certificate file does not exist.',
  2302004: "Can't listen on the given NIC.",
  2302005: "Can't listen on the given Port.",
  2302006: 'Websocket connection does not exist.',
  2302007: 'Websocket port already occupied.',
  2302999: 'Websocket other unknown error.',
}
const businessError = (code) => ({ code, message: MESSAGES[code] })

const hex = (data) => Buffer.from(data).toString('hex')
const sha = (data) => createHash('sha256').update(Buffer.from(data)).digest('hex')
const sameConnection = (a, b) => a.clientIP === b.clientIP && a.clientPort === b.clientPort
const byPort = (list) => [...list].sort((a, b) => a.clientPort - b.clientPort)

// ---------------------------------------------------------------------------------------------
// Certificates for wss, made once for the file
// ---------------------------------------------------------------------------------------------

let certs
test.before(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ohos-ws-server-'))
  const at = (f) => path.join(dir, f)
  const openssl = (...args) => execFileSync('openssl', args, { stdio: 'pipe' })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl('req', '-x509', ...ec, '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', '2', '-subj', '/CN=server.spec test CA')
  openssl('req', ...ec, '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1')
  fs.writeFileSync(
    at('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  )
  const ca = ['-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial']
  openssl('x509', '-req', '-in', at('server.csr'), ...ca, '-out', at('server.pem'), '-days', '2', '-extfile', at('server.ext'))
  certs = { dir, ca: at('ca.pem'), cert: at('server.pem'), key: at('server.key'), missing: at('no-such-file.pem') }
})
test.after.always(() => certs && fs.rmSync(certs.dir, { recursive: true, force: true }))

// ---------------------------------------------------------------------------------------------
// The server under test, and what it emits
// ---------------------------------------------------------------------------------------------

/**
 * Registers a listener for each server event and records what arrives, in order:
 * `events` = `{type, value, args, self}` with `value` = the payload ('close': `{connection, result}`).
 * `of(type, where?)` lists the values; `until(type, {where, count, timeout})` waits for one.
 */
function watch(server, { onMessage } = {}) {
  const events = []
  const waiters = new Set()
  const push = (type, value, args, self) => {
    events.push({ type, value, args, self })
    for (const w of waiters) w()
  }
  server.on('connect', function (...args) {
    push('connect', args[0], args, this)
  })
  server.on('messageReceive', function (...args) {
    push('message', args[0], args, this)
    onMessage?.(args[0])
  })
  server.on('close', function (...args) {
    push('close', { connection: args[0], result: args[1] }, args, this)
  })
  server.on('error', function (...args) {
    push('error', args[0], args, this)
  })
  const rec = {
    events,
    push,
    of: (type, where = () => true) => events.filter((e) => e.type === type && where(e.value)).map((e) => e.value),
    types: (where = () => true) => events.filter((e) => where(e.value)).map((e) => e.type),
    until(type, { where = () => true, count = 1, timeout = 5000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = rec.of(type, where)
          if (found.length >= count) {
            waiters.delete(check)
            clearTimeout(timer)
            resolve(found[count - 1])
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          const got = events.map((e) => `${e.type} ${show(e.value)}`).join(', ') || '(nothing)'
          reject(new Error(`no server '${type}' event (#${count}) within ${timeout} ms; got: ${got}`))
        }, timeout)
        waiters.add(check)
        check()
      })
    },
  }
  return rec
}

/** Events of one connection: 'connect' and 'close' carry it, messages carry `clientConnection`. */
const of = (conn) => (v) => {
  const c = v && (v.clientConnection ?? v.connection ?? v)
  return Boolean(c && typeof c.clientIP === 'string' && sameConnection(c, conn))
}

/** A started server on 127.0.0.1, port 0, with every event recorded; stopped at teardown. */
async function startServer(t, config = {}, { listen = true, onMessage } = {}) {
  const server = webSocket.createWebSocketServer()
  const rec = listen ? watch(server, { onMessage: onMessage && ((m) => onMessage(server, m)) }) : null
  t.teardown(() => server.stop().catch(() => {}))
  t.is(await server.start({ serverIP: HOST, serverPort: 0, ...config }), true, 'start resolves true')
  const port = server.address()?.port
  const scheme = config.serverCert ? 'wss' : 'ws'
  return { server, rec, port, url: `${scheme}://${HOST}:${port}` }
}

/** A server that echoes every message back to its sender with `send`. */
function startEchoServer(t, config = {}) {
  let rec
  const echo = (server, { clientConnection, data }) =>
    server.send(data, clientConnection).catch((e) => rec.push('send failed', e))
  return startServer(t, config, { onMessage: echo }).then((s) => {
    rec = s.rec
    return s
  })
}

/** Asserts that `method(...args)` rejects with the business error `code`, as a Promise and through a callback. */
async function assertRejects(t, target, method, args, code, label = `${method}(${args.map(show).join(', ')})`) {
  const p = await viaPromise(target, method, ...args)
  t.deepEqual(p.error, businessError(code), `${label}: promise form`)
  t.is(p.value, undefined, `${label} must not resolve`)
  const c = await viaCallback(target, method, ...args)
  t.is(c.returned, undefined, `${label}: callback form returns undefined`)
  t.deepEqual(c.args, [businessError(code), undefined], `${label}: callback form`)
  t.false(c.sync, `${label}: the callback is called later`)
}

// ---------------------------------------------------------------------------------------------
// Peers: the `ws` client, a raw byte-level client, the Python `websockets` client
// ---------------------------------------------------------------------------------------------

/**
 * An open `ws` client. Returns `{ws, conn, messages, closed, errors, pongs, waitMessages(n)}`:
 * `conn` is the `{clientIP, clientPort}` the server should report, `messages` are
 * `{binary, data: Buffer}`, `closed` resolves `{code, reason}` when the client's 'close' fires.
 */
async function wsClient(t, url, { protocols, ...options } = {}) {
  const ws = new WebSocket(url, protocols, options)
  const messages = []
  const errors = []
  const pongs = []
  ws.on('message', (data, binary) => messages.push({ binary, data: Buffer.from(data) }))
  ws.on('pong', (data) => pongs.push(String(data)))
  ws.on('error', (e) => errors.push(e))
  const closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })))
  t.teardown(() => ws.terminate())
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('close', () => reject(new Error(`the ws client did not open: ${errors.map((e) => e.message).join('; ')}`)))
  })
  const conn = { clientIP: options.localAddress ?? HOST, clientPort: ws._socket.localPort }
  const waitMessages = (n, timeout = 5000) =>
    waitUntil(() => messages.length >= n, { timeout, what: `${n} messages at the client (got ${messages.length})` })
  return { ws, conn, messages, closed, errors, pongs, waitMessages }
}

/** A `ws` client that must be refused: resolves the HTTP status of the refusal. */
function refusedStatus(t, url, options = {}) {
  const ws = new WebSocket(url, options)
  ws.on('error', () => {})
  t.teardown(() => ws.terminate())
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (req, res) => {
      resolve(res.statusCode)
      res.resume()
      ws.terminate()
    })
    ws.once('open', () => reject(new Error('the connection was admitted')))
    ws.once('close', () => reject(new Error('the connection failed without an HTTP response')))
  })
}

/**
 * A client speaking bytes: does the handshake by hand, then lets the test write any frame.
 * Returns `{socket, conn, response, frames, send(opcode, payload, frameOpts), nextFrame(pred), ended}`.
 * Frames it sends are masked unless `{mask: false}`; a close frame from the server is echoed back
 * (as a well-behaved client does) unless `echoClose` is false.
 */
async function rawClient(t, port, { echoClose = true } = {}) {
  const socket = net.connect(port, HOST)
  t.teardown(() => socket.destroy())
  await once(socket, 'connect')
  const key = randomBytes(16).toString('base64')
  socket.write(
    [
      'GET / HTTP/1.1',
      `Host: ${HOST}:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${key}`,
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ].join('\r\n'),
  )
  const parser = new FrameParser()
  const frames = []
  const waiters = new Set()
  let closeSent = false
  const onFrames = (chunk) => {
    for (const f of parser.push(chunk)) {
      frames.push(f)
      if (f.opcode === OP.CLOSE && echoClose && !closeSent && !socket.destroyed) {
        closeSent = true
        socket.write(frame(OP.CLOSE, f.payload, { mask: true }))
      }
    }
    for (const w of waiters) w()
  }
  const ended = new Promise((resolve) => socket.once('close', resolve))
  socket.on('error', () => {})
  const response = await new Promise((resolve, reject) => {
    let head = Buffer.alloc(0)
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk])
      const i = head.indexOf('\r\n\r\n')
      if (i < 0) return
      socket.off('data', onData)
      resolve(head.subarray(0, i).toString('latin1'))
      socket.on('data', onFrames)
      if (head.length > i + 4) onFrames(head.subarray(i + 4))
    }
    socket.on('data', onData)
    socket.once('close', () => reject(new Error('the server closed the raw client during the handshake')))
  })
  t.regex(response, /^HTTP\/1\.1 101 /, 'the raw client is upgraded')
  t.true(response.toLowerCase().includes(`sec-websocket-accept: ${acceptKey(key).toLowerCase()}`), 'with the right accept key')
  return {
    socket,
    conn: { clientIP: HOST, clientPort: socket.localPort },
    response,
    frames,
    ended,
    send(opcode, payload, opts = {}) {
      if (opcode === OP.CLOSE) closeSent = true
      socket.write(frame(opcode, payload, { mask: true, ...opts }))
    },
    nextFrame(pred = () => true, timeout = 6000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const f = frames.find(pred)
          if (f) {
            waiters.delete(check)
            clearTimeout(timer)
            resolve(f)
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no such frame from the server within ${timeout} ms; got opcodes ${frames.map((f) => f.opcode)}`))
        }, timeout)
        waiters.add(check)
        check()
      })
    },
  }
}

/** Writes `bytes` on a plain TCP connection; resolves what came back before the server closed or `wait` ms passed. */
async function rawExchange(t, port, bytes, wait = 1500) {
  const socket = net.connect(port, HOST)
  t.teardown(() => socket.destroy())
  socket.on('error', () => {})
  await once(socket, 'connect')
  let got = ''
  socket.on('data', (d) => (got += d.toString('latin1')))
  const closed = new Promise((resolve) => socket.once('close', resolve))
  socket.write(bytes)
  await Promise.race([closed, delay(wait)])
  socket.destroy()
  return got
}

const runNode = (t, source, options) => runProcess(t, process.execPath, ['--input-type=module', '-e', source], options)

/** Runs __test__/peers/server_client.py with `plan`; resolves `{code, events, stderr}`. */
async function runPython(t, plan) {
  const r = await runProcess(t, PYTHON, ['-u', PY_CLIENT, JSON.stringify(plan)], { timeout: 25000 })
  const events = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
  return { code: r.code, events, stderr: r.stderr }
}

// ---------------------------------------------------------------------------------------------
// start, address, connect
// ---------------------------------------------------------------------------------------------

test("start resolves true, address() gives the port, and a client's connection is reported by 'connect'", async (t) => {
  const server = webSocket.createWebSocketServer()
  t.teardown(() => server.stop().catch(() => {}))
  t.is(server.address(), null, 'address() before start')
  const rec = watch(server)
  t.is(await server.start({ serverIP: HOST, serverPort: 0 }), true)
  const address = server.address()
  t.deepEqual(Object.keys(address), ['port'])
  t.true(Number.isInteger(address.port) && address.port > 0 && address.port < 65536, `port ${address.port}`)

  const c = await wsClient(t, `ws://${HOST}:${address.port}`)
  const conn = await rec.until('connect')
  t.deepEqual(conn, { clientIP: '127.0.0.1', clientPort: c.ws._socket.localPort })
  const call = rec.events.find((e) => e.type === 'connect')
  t.is(call.args.length, 1, "'connect' listener gets one argument")
  t.is(call.self, undefined, 'listeners are called with this === undefined')
})

test('start, stop and listAllConnections settle through a callback too', async (t) => {
  const server = webSocket.createWebSocketServer()
  t.teardown(() => server.stop().catch(() => {}))
  const started = await viaCallback(server, 'start', { serverIP: HOST, serverPort: 0 })
  t.deepEqual(started.args, [undefined, true])
  t.is(started.returned, undefined)
  t.false(started.sync)
  const listed = await viaCallback(server, 'listAllConnections')
  t.deepEqual(listed.args, [undefined, []])
  t.false(listed.sync)
  const stopped = await viaCallback(server, 'stop')
  t.deepEqual(stopped.args, [undefined, true])
  t.false(stopped.sync)
  t.is(server.address(), null, 'address() after stop')
})

test('option fields given as undefined count as absent', async (t) => {
  const { url, rec } = await startServer(t, {
    maxConcurrentClientsNumber: undefined,
    maxConnectionsForOneClient: undefined,
    serverCert: undefined,
    protocol: undefined,
  })
  const c = await wsClient(t, url)
  t.deepEqual(await rec.until('connect'), c.conn)
})

test('stop() before start, and a second stop(), reject 2302999; listAllConnections() before start too', async (t) => {
  const server = webSocket.createWebSocketServer()
  await assertRejects(t, server, 'stop', [], 2302999)
  await assertRejects(t, server, 'listAllConnections', [], 2302999)
  t.is(server.address(), null)
  t.is(await server.start({ serverIP: HOST, serverPort: 0 }), true)
  t.is(await server.stop(), true)
  await assertRejects(t, server, 'stop', [], 2302999, 'stop() after stop()')
})

test('a stopped server can be started again', async (t) => {
  const server = webSocket.createWebSocketServer()
  t.teardown(() => server.stop().catch(() => {}))
  const rec = watch(server)
  t.is(await server.start({ serverIP: HOST, serverPort: 0 }), true)
  t.is(await server.stop(), true)
  t.is(await server.start({ serverIP: HOST, serverPort: 0 }), true, 'second start resolves true')
  const c = await wsClient(t, `ws://${HOST}:${server.address().port}`)
  t.deepEqual(await rec.until('connect'), c.conn)
  server.send('again', c.conn)
  await c.waitMessages(1)
  t.is(String(c.messages[0].data), 'again')
})

// ---------------------------------------------------------------------------------------------
// start errors
// ---------------------------------------------------------------------------------------------

test("serverIP that is not an address of this machine → 2302004 \"Can't listen on the given NIC.\"", async (t) => {
  // 10.255.255.1 is a valid address that is not local: binding fails here, no traffic is sent.
  for (const serverIP of ['not-an-ip', '256.0.0.1', '127.0.0', '10.255.255.1']) {
    const server = webSocket.createWebSocketServer()
    await assertRejects(t, server, 'start', [{ serverIP, serverPort: 0 }], 2302004, `serverIP ${serverIP}`)
    t.is(server.address(), null, `not running after serverIP ${serverIP}`)
  }
})

test("serverPort above 65535 → 2302005 \"Can't listen on the given Port.\"", async (t) => {
  for (const serverPort of [65536, 70000]) {
    const server = webSocket.createWebSocketServer()
    await assertRejects(t, server, 'start', [{ serverIP: HOST, serverPort }], 2302005, `serverPort ${serverPort}`)
    t.is(server.address(), null)
  }
})

test('a port already in use → 2302007 "Websocket port already occupied."', async (t) => {
  const taken = net.createServer()
  await new Promise((resolve) => taken.listen(0, HOST, resolve))
  t.teardown(() => taken.close())
  const server = webSocket.createWebSocketServer()
  await assertRejects(t, server, 'start', [{ serverIP: HOST, serverPort: taken.address().port }], 2302007, 'port of a net server')

  const { port } = await startServer(t)
  const second = webSocket.createWebSocketServer()
  await assertRejects(t, second, 'start', [{ serverIP: HOST, serverPort: port }], 2302007, 'port of another WebSocketServer')
  t.is(second.address(), null)
})

test('serverCert naming a missing file → 2302002 "Websocket certificate file does not exist."', async (t) => {
  const cases = [
    { certPath: certs.missing, keyPath: certs.key },
    { certPath: certs.cert, keyPath: certs.missing },
    { certPath: certs.missing, keyPath: certs.missing },
  ]
  for (const serverCert of cases) {
    const server = webSocket.createWebSocketServer()
    await assertRejects(t, server, 'start', [{ serverIP: HOST, serverPort: 0, serverCert }], 2302002, show(serverCert))
    t.is(server.address(), null)
  }
})

test('start with bad arguments → 401 "Parameter error.", and the server does not run', async (t) => {
  const base = { serverIP: HOST, serverPort: 0 }
  const cases = [
    [],
    [null],
    [5],
    ['ws://127.0.0.1'],
    [{ ...base, serverPort: 'x' }],
    [{ ...base, serverPort: null }],
    [{ ...base, serverIP: 5 }],
    [{ ...base, maxConcurrentClientsNumber: 0 }],
    [{ ...base, maxConcurrentClientsNumber: -1 }],
    [{ ...base, maxConcurrentClientsNumber: '5' }],
    [{ ...base, maxConnectionsForOneClient: 0 }],
    [{ ...base, maxConnectionsForOneClient: -1 }],
    [{ ...base, maxConnectionsForOneClient: '5' }],
    [{ ...base, protocol: 5 }],
    [{ ...base, serverCert: 'cert.pem' }],
    [{ ...base, serverCert: null }],
    [{ ...base, serverCert: { certPath: 5, keyPath: 'key.pem' } }],
    [{ ...base, serverCert: { certPath: 'cert.pem' } }],
  ]
  for (const args of cases) {
    const server = webSocket.createWebSocketServer()
    await assertRejects(t, server, 'start', args, 401)
    t.is(server.address(), null, `not running after start(${args.map(show).join(', ')})`)
  }
})

// ---------------------------------------------------------------------------------------------
// Messages from clients
// ---------------------------------------------------------------------------------------------

test("text and binary messages reach 'messageReceive' as string and ArrayBuffer, with the connection", async (t) => {
  const { url, rec } = await startServer(t)
  const c = await wsClient(t, url)
  const sent = ['hello', 'héllo wörld 😀', '', Buffer.from([0, 1, 2, 0xff]), Buffer.alloc(0), 'last']
  for (const m of sent) c.ws.send(m)
  await rec.until('message', { count: sent.length })
  const got = rec.of('message')
  t.is(got.length, sent.length)
  sent.forEach((m, i) => {
    t.deepEqual(got[i].clientConnection, c.conn, `message ${i} carries its connection`)
    t.deepEqual(Object.keys(got[i]).sort(), ['clientConnection', 'data'])
    if (typeof m === 'string') {
      t.is(got[i].data, m, `text message ${i}`)
    } else {
      t.true(got[i].data instanceof ArrayBuffer, `binary message ${i} is an ArrayBuffer`)
      t.is(hex(got[i].data), m.toString('hex'), `binary message ${i}`)
    }
  })
  const call = rec.events.find((e) => e.type === 'message')
  t.is(call.args.length, 1, "'messageReceive' listener gets one argument")
  t.deepEqual(rec.types(of(c.conn)), ['connect', ...sent.map(() => 'message')], "'connect' comes before the messages")
})

test('fragmented messages are reassembled into one message each, a ping between fragments included', async (t) => {
  const { url, rec } = await startServer(t)
  const c = await wsClient(t, url)
  c.ws.send('frag', { fin: false })
  c.ws.send('ment', { fin: false })
  c.ws.send('ed', { fin: true })
  c.ws.send(Buffer.from([1, 2]), { fin: false })
  c.ws.ping('between fragments')
  c.ws.send(Buffer.from([3]), { fin: true })
  c.ws.send('end')
  await rec.until('message', { count: 3 })
  await delay(100)
  const got = rec.of('message').map((m) => (typeof m.data === 'string' ? m.data : `AB:${hex(m.data)}`))
  t.deepEqual(got, ['fragmented', 'AB:010203', 'end'])
  await waitUntil(() => c.pongs.length === 1, { what: 'the pong' })
  t.deepEqual(c.pongs, ['between fragments'], 'the ping is answered, and never reaches messageReceive')
})

test('large messages in many fragments arrive whole', async (t) => {
  const { url, rec } = await startServer(t)
  const c = await wsClient(t, url)
  const binary = randomBytes(3 * 1024 * 1024)
  for (let off = 0; off < binary.length; off += 65536) {
    c.ws.send(binary.subarray(off, off + 65536), { fin: off + 65536 >= binary.length })
  }
  const text = 'ünïcødé-😀-'.repeat(50000)
  const pieces = text.match(/[\s\S]{1,7001}/gu)
  pieces.forEach((p, i) => c.ws.send(p, { fin: i === pieces.length - 1 }))
  c.ws.send(randomBytes(10).toString('hex'))
  await rec.until('message', { count: 3, timeout: 15000 })
  const [b, s] = rec.of('message')
  t.true(b.data instanceof ArrayBuffer)
  t.is(b.data.byteLength, binary.length)
  t.is(sha(b.data), sha(binary))
  t.is(s.data.length, text.length)
  t.true(s.data === text, 'the text message is intact')
})

test('a UTF-8 character split across fragments is reassembled', async (t) => {
  const { port, rec } = await startServer(t)
  const raw = await rawClient(t, port)
  const bytes = Buffer.from('hé😀!', 'utf8') // 68 c3a9 f09f9880 21
  raw.send(OP.TEXT, bytes.subarray(0, 2), { fin: false }) // ends inside 'é'
  raw.send(OP.CONTINUATION, bytes.subarray(2, 5), { fin: false }) // ends inside '😀'
  raw.send(OP.CONTINUATION, bytes.subarray(5), { fin: true })
  raw.send(OP.TEXT, '')
  await rec.until('message', { count: 2 })
  t.deepEqual(
    rec.of('message').map((m) => m.data),
    ['hé😀!', ''],
  )
  t.deepEqual(rec.of('error'), [])
})

test('order is kept over 1,000 messages from one client', async (t) => {
  const { url, rec } = await startServer(t)
  const c = await wsClient(t, url)
  const sent = []
  for (let i = 0; i < 1000; i++) sent.push(i % 3 === 2 ? Buffer.from(`b${i}`) : `t${i}`)
  for (const m of sent) c.ws.send(m)
  await rec.until('message', { count: 1000, timeout: 15000 })
  const got = rec.of('message').map((m) => (typeof m.data === 'string' ? m.data : `AB:${Buffer.from(m.data)}`))
  t.deepEqual(
    got,
    sent.map((m) => (typeof m === 'string' ? m : `AB:${m}`)),
  )
})

// ---------------------------------------------------------------------------------------------
// send(data, connection)
// ---------------------------------------------------------------------------------------------

test('send(data, connection): a string reaches the client as a text frame, an ArrayBuffer as a binary frame', async (t) => {
  const { server, url, rec } = await startServer(t)
  const c = await wsClient(t, url)
  await rec.until('connect')
  const bytes = new Uint8Array([0, 1, 2, 0xfe, 0xff])
  const sent = ['to the client', bytes.buffer, '', new ArrayBuffer(0), 'ünïcødé 😀']
  for (const data of sent) t.is(await server.send(data, c.conn), true, `send(${show(data)}) resolves true`)
  // A connection written out by hand works as well as the event's object.
  t.is(await server.send('by value', { clientIP: '127.0.0.1', clientPort: c.conn.clientPort }), true)
  await c.waitMessages(sent.length + 1)
  t.deepEqual(
    c.messages.map((m) => [m.binary, m.binary ? m.data.toString('hex') : String(m.data)]),
    [
      [false, 'to the client'],
      [true, '000102feff'],
      [false, ''],
      [true, ''],
      [false, 'ünïcødé 😀'],
      [false, 'by value'],
    ],
  )
})

test('send settles through a callback, and a large ArrayBuffer arrives whole', async (t) => {
  const { server, url, rec } = await startServer(t)
  const c = await wsClient(t, url)
  await rec.until('connect')
  const r = await viaCallback(server, 'send', 'via callback', c.conn)
  t.deepEqual(r.args, [undefined, true])
  t.is(r.returned, undefined)
  t.false(r.sync)
  const big = randomBytes(4 * 1024 * 1024)
  const ab = big.buffer.slice(big.byteOffset, big.byteOffset + big.length)
  t.is(await server.send(ab, c.conn), true)
  await c.waitMessages(2, 15000)
  t.is(String(c.messages[0].data), 'via callback')
  t.true(c.messages[1].binary)
  t.is(sha(c.messages[1].data), sha(big))
})

test('messages sent to a client keep their order over 1,000 sends', async (t) => {
  const { server, url, rec } = await startServer(t)
  const c = await wsClient(t, url)
  await rec.until('connect')
  const sent = Array.from({ length: 1000 }, (_, i) => `s${i}`)
  await Promise.all(sent.map((m) => server.send(m, c.conn)))
  await c.waitMessages(1000, 15000)
  t.deepEqual(
    c.messages.map((m) => String(m.data)),
    sent,
  )
})

test('send and close with bad arguments → 401, also while running', async (t) => {
  const { server, url, rec } = await startServer(t)
  const c = await wsClient(t, url)
  await rec.until('connect')
  const conn = c.conn
  const sendCases = [
    ['x'],
    [5, conn],
    [new Uint8Array(2), conn],
    [Buffer.from('x'), conn],
    [null, conn],
    ['x', null],
    ['x', 'conn'],
    ['x', { clientIP: HOST }],
    ['x', { clientPort: conn.clientPort }],
    ['x', { clientIP: 5, clientPort: conn.clientPort }],
    ['x', { clientIP: HOST, clientPort: String(conn.clientPort) }],
  ]
  for (const args of sendCases) await assertRejects(t, server, 'send', args, 401)
  const closeCases = [[], [null], ['conn'], [conn, null], [conn, 'bye'], [conn, { code: '4000' }], [conn, { reason: 5 }]]
  for (const args of closeCases) await assertRejects(t, server, 'close', args, 401)
  await assertRejects(t, server, 'listAllConnections', [1], 401)
  await assertRejects(t, server, 'stop', [1], 401)
  // None of that touched the connection.
  t.deepEqual(await server.listAllConnections(), [conn])
  t.is(await server.send('still open', conn), true)
  await c.waitMessages(1)
  t.is(String(c.messages[0].data), 'still open')
})

test('send and close to an unknown connection → 2302006 "Websocket connection does not exist."', async (t) => {
  const { server, url, rec } = await startServer(t)
  const c = await wsClient(t, url)
  await rec.until('connect')
  const unknown = [
    { clientIP: HOST, clientPort: c.conn.clientPort === 1 ? 2 : 1 },
    { clientIP: OTHER_IP, clientPort: c.conn.clientPort },
    { clientIP: 'nonsense', clientPort: c.conn.clientPort },
  ]
  for (const conn of unknown) {
    await assertRejects(t, server, 'send', ['x', conn], 2302006, `send to ${show(conn)}`)
    await assertRejects(t, server, 'close', [conn], 2302006, `close of ${show(conn)}`)
    await assertRejects(t, server, 'close', [conn, { code: 4000, reason: 'x' }], 2302006, `close of ${show(conn)} with options`)
  }
  t.deepEqual(c.messages, [], 'nothing reached the real client')
})

test('after close(connection): send and close reject 2302999 while closing, 2302006 once the connection is gone', async (t) => {
  const { server, url, rec } = await startServer(t)
  const c = await wsClient(t, url)
  await rec.until('connect')
  t.is(await server.close(c.conn, { code: 4000, reason: 'x' }), true)
  // Still in the same turn of the event loop: the client cannot have answered yet.
  const sending = viaPromise(server, 'send', 'late', c.conn)
  const closing = viaPromise(server, 'close', c.conn)
  t.deepEqual((await sending).error, businessError(2302999), 'send while closing')
  t.deepEqual((await closing).error, businessError(2302999), 'close while closing')
  await rec.until('close')
  await assertRejects(t, server, 'send', ['later', c.conn], 2302006, 'send after the close')
  await assertRejects(t, server, 'close', [c.conn], 2302006, 'close after the close')
  t.deepEqual(await c.closed, { code: 4000, reason: 'x' })
  t.deepEqual(c.messages, [], "the late send never reached the client")
})

// ---------------------------------------------------------------------------------------------
// listAllConnections
// ---------------------------------------------------------------------------------------------

test('listAllConnections() lists exactly the open connections', async (t) => {
  const { server, url, rec } = await startServer(t)
  t.deepEqual(await server.listAllConnections(), [], 'none yet')
  const clients = []
  for (let i = 0; i < 4; i++) clients.push(await wsClient(t, url))
  await rec.until('connect', { count: 4 })
  const list = await server.listAllConnections()
  t.true(Array.isArray(list))
  for (const entry of list) t.deepEqual(Object.keys(entry).sort(), ['clientIP', 'clientPort'])
  t.deepEqual(byPort(list), byPort(clients.map((c) => c.conn)))

  clients[0].ws.close(1000, 'bye')
  await rec.until('close', { where: of(clients[0].conn) })
  clients[1].ws.terminate()
  await rec.until('close', { where: of(clients[1].conn) })
  await server.close(clients[2].conn)
  await rec.until('close', { where: of(clients[2].conn) })
  t.deepEqual(await server.listAllConnections(), [clients[3].conn])
})

// ---------------------------------------------------------------------------------------------
// The client closes, or goes away
// ---------------------------------------------------------------------------------------------

test("a client's close(code, reason) → 'close' (connection, {code, closeReason}); no 'error'", async (t) => {
  const { url, rec } = await startServer(t)
  const c = await wsClient(t, url)
  await rec.until('connect')
  c.ws.close(4321, 'done here')
  const ev = await rec.until('close')
  t.deepEqual(ev, { connection: c.conn, result: { code: 4321, closeReason: 'done here' } })
  const call = rec.events.find((e) => e.type === 'close')
  t.is(call.args.length, 2, "'close' listener gets (connection, result)")
  t.deepEqual(Object.keys(call.args[1]).sort(), ['closeReason', 'code'])
  t.is((await c.closed).code, 4321, 'the server answered the close with the same code')
  await delay(50)
  t.deepEqual(rec.types(of(c.conn)), ['connect', 'close'])
  t.deepEqual(rec.of('error'), [])
})

test('a client close with a code and an empty reason → closeReason "The link is down"', async (t) => {
  const { url, rec } = await startServer(t)
  for (const code of [1000, 1001, 4000]) {
    const c = await wsClient(t, url)
    c.ws.close(code)
    t.deepEqual(await rec.until('close', { where: of(c.conn) }), { connection: c.conn, result: { code, closeReason: LINK_DOWN } })
    t.is((await c.closed).code, code)
  }
})

test('a client close without a status code ends only its own connection: {1000, "The link is down"}', async (t) => {
  const { server, url, port, rec } = await startEchoServer(t)
  const other = await wsClient(t, url)
  const c = await wsClient(t, url)
  await rec.until('connect', { count: 2 })
  c.ws.close() // a close frame with no payload
  t.deepEqual(await rec.until('close', { where: of(c.conn) }), { connection: c.conn, result: { code: 1000, closeReason: LINK_DOWN } })
  // The same from a raw client, to be sure the frame had no payload at all.
  const raw = await rawClient(t, port)
  await rec.until('connect', { where: of(raw.conn) })
  raw.send(OP.CLOSE, Buffer.alloc(0))
  t.deepEqual(await rec.until('close', { where: of(raw.conn) }), { connection: raw.conn, result: { code: 1000, closeReason: LINK_DOWN } })
  const echoed = await raw.nextFrame((f) => f.opcode === OP.CLOSE)
  t.true(echoed.payload.length === 0 || echoed.code === 1000, `the server answers with an empty close or 1000 (got ${echoed.code})`)

  // The other connection and the server itself carry on.
  other.ws.send('still here')
  await other.waitMessages(1)
  t.is(String(other.messages[0].data), 'still here')
  const later = await wsClient(t, url)
  await rec.until('connect', { where: of(later.conn) })
  later.ws.send('new one')
  await later.waitMessages(1)
  t.is(String(later.messages[0].data), 'new one')
  t.deepEqual(byPort(await server.listAllConnections()), byPort([other.conn, later.conn]))
  t.deepEqual(rec.of('error'), [])
})

test("a client that drops the TCP connection → 'error', then 'close' {1005, \"The link is down\"}", async (t) => {
  const { server, url, port, rec } = await startServer(t)
  const keep = await wsClient(t, url)
  const drops = [
    ['terminate (FIN without a close frame)', async () => {
      const c = await wsClient(t, url)
      await rec.until('connect', { where: of(c.conn) })
      c.ws.terminate()
      return c.conn
    }],
    ['reset (RST)', async () => {
      const c = await wsClient(t, url)
      await rec.until('connect', { where: of(c.conn) })
      c.ws._socket.resetAndDestroy()
      return c.conn
    }],
    ['half a frame, then EOF', async () => {
      const raw = await rawClient(t, port)
      await rec.until('connect', { where: of(raw.conn) })
      raw.socket.end(frame(OP.TEXT, 'cut short', { mask: true }).subarray(0, 6))
      return raw.conn
    }],
  ]
  for (const [how, drop] of drops) {
    const before = rec.events.length
    const conn = await drop()
    const ev = await rec.until('close', { where: of(conn) })
    t.deepEqual(ev, { connection: conn, result: { code: 1005, closeReason: LINK_DOWN } }, how)
    const after = rec.events.slice(before).map((e) => e.type)
    const closeAt = rec.events.slice(before).findIndex((e) => e.type === 'close')
    t.deepEqual(after.slice(0, closeAt + 1).filter((x) => x !== 'connect'), ['error', 'close'], `${how}: 'error' comes first`)
    const err = rec.of('error').at(-1)
    t.is(err.code, 200, `${how}: error code`)
    t.deepEqual(Object.keys(err).sort(), ['code', 'message'])
    t.true(typeof err.message === 'string' && err.message.length > 0, `${how}: the error says why`)
  }
  t.deepEqual(await server.listAllConnections(), [keep.conn], 'only the dropped connections ended')
})

// ---------------------------------------------------------------------------------------------
// The server closes a client
// ---------------------------------------------------------------------------------------------

test("close(connection, {code: 4000, reason: 'x'}) → the client sees 4000 'x', and 'close' reports them", async (t) => {
  const { server, url, rec } = await startServer(t)
  const c = await wsClient(t, url)
  await rec.until('connect')
  t.is(await server.close(c.conn, { code: 4000, reason: 'x' }), true)
  t.deepEqual(await c.closed, { code: 4000, reason: 'x' })
  t.deepEqual(await rec.until('close'), { connection: c.conn, result: { code: 4000, closeReason: 'x' } })
  t.deepEqual(rec.of('error'), [])
})

test('close(connection) without options sends 1000 and an empty reason; close settles through a callback', async (t) => {
  const { server, url, rec } = await startServer(t)
  const cases = [
    [[], { code: 1000, reason: '' }],
    [[undefined], { code: 1000, reason: '' }],
    [[{}], { code: 1000, reason: '' }],
    [[{ code: undefined, reason: undefined }], { code: 1000, reason: '' }],
    [[{ reason: 'only a reason' }], { code: 1000, reason: 'only a reason' }],
    [[{ code: 4001 }], { code: 4001, reason: '' }],
  ]
  for (const [options, expected] of cases) {
    const c = await wsClient(t, url)
    await rec.until('connect', { where: of(c.conn) })
    const r = await viaCallback(server, 'close', c.conn, ...options)
    t.deepEqual(r.args, [undefined, true], `close(conn, ${options.map(show)}) via callback`)
    t.deepEqual(await c.closed, expected, `the client sees ${show(expected)}`)
    t.deepEqual(await rec.until('close', { where: of(c.conn) }), {
      connection: c.conn,
      result: { code: expected.code, closeReason: expected.reason },
    })
  }
})

test('close codes 1000–1003, 1007–1014 and 3000–4999 are sent as given, any other as 1000', async (t) => {
  const { server, url, rec } = await startServer(t, { maxConnectionsForOneClient: 100 })
  const asGiven = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4999]
  const other = [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535]
  for (const code of [...asGiven, ...other]) {
    const sent = asGiven.includes(code) ? code : 1000
    const c = await wsClient(t, url)
    await rec.until('connect', { where: of(c.conn) })
    t.is(await server.close(c.conn, { code, reason: `r${code}` }), true)
    t.deepEqual(await c.closed, { code: sent, reason: `r${code}` }, `close code ${code} reaches the client as ${sent}`)
    t.deepEqual((await rec.until('close', { where: of(c.conn) })).result, { code: sent, closeReason: `r${code}` })
  }
})

test('the close reason is cut to 123 bytes on a UTF-8 boundary', async (t) => {
  const { server, url, rec } = await startServer(t)
  const cases = [
    ['a'.repeat(200), 'a'.repeat(123)],
    ['é'.repeat(62), 'é'.repeat(61)],
    ['a' + '€'.repeat(50), 'a' + '€'.repeat(40)],
  ]
  for (const [reason, expected] of cases) {
    const c = await wsClient(t, url)
    await rec.until('connect', { where: of(c.conn) })
    await server.close(c.conn, { code: 4002, reason })
    t.deepEqual(await c.closed, { code: 4002, reason: expected })
    t.deepEqual((await rec.until('close', { where: of(c.conn) })).result, { code: 4002, closeReason: expected })
  }
})

test("a client that never answers the server's close is closed after at most 5 s", async (t) => {
  const { server, port, rec } = await startServer(t)
  const raw = await rawClient(t, port, { echoClose: false })
  await rec.until('connect')
  const started = Date.now()
  await server.close(raw.conn, { code: 4003, reason: 'no answer' })
  const f = await raw.nextFrame((x) => x.opcode === OP.CLOSE)
  t.deepEqual([f.code, f.reason], [4003, 'no answer'])
  const ev = await rec.until('close', { timeout: 8000 })
  t.deepEqual(ev, { connection: raw.conn, result: { code: 4003, closeReason: 'no answer' } })
  t.true(Date.now() - started < 7000, `closed after ${Date.now() - started} ms`)
  await raw.ended
})

// ---------------------------------------------------------------------------------------------
// Clients that break the protocol
// ---------------------------------------------------------------------------------------------

/** Sends `frames` from a raw client and checks the server fails the connection with `code`. */
async function assertFailedWith(t, port, rec, code, label, frames) {
  const raw = await rawClient(t, port)
  await rec.until('connect', { where: of(raw.conn) })
  const errorsBefore = rec.of('error').length
  for (const f of frames) raw.socket.write(f)
  const closeFrame = await raw.nextFrame((f) => f.opcode === OP.CLOSE)
  t.is(closeFrame.code, code, `${label}: the server sends close ${code}`)
  t.true(typeof closeFrame.reason === 'string' && closeFrame.reason.length > 0, `${label}: its reason names the violation`)
  const ev = await rec.until('close', { where: of(raw.conn) })
  t.deepEqual(ev, { connection: raw.conn, result: { code, closeReason: closeFrame.reason } }, `${label}: 'close'`)
  const types = rec.types(of(raw.conn))
  t.deepEqual(types, ['connect', 'close'], `${label}: no message is delivered`)
  const errors = rec.of('error').slice(errorsBefore)
  t.is(errors.length, 1, `${label}: one 'error'`)
  t.is(errors[0]?.code, 200)
  const iError = rec.events.findLastIndex((e) => e.type === 'error')
  const iClose = rec.events.findIndex((e) => e.type === 'close' && of(raw.conn)(e.value))
  t.true(iError < iClose, `${label}: 'error' comes before 'close'`)
  await raw.ended
}

test('invalid UTF-8 in a text message from a client → close 1007, then error and close', async (t) => {
  const { port, rec } = await startServer(t)
  const m = { mask: true }
  const cases = [
    ['an invalid byte', [frame(OP.TEXT, Buffer.from([0x68, 0xff, 0xfe]), m)]],
    ['a truncated sequence at the end', [frame(OP.TEXT, Buffer.from([0x68, 0xc3]), m)]],
    ['an overlong encoding', [frame(OP.TEXT, Buffer.from([0xc0, 0xaf]), m)]],
    ['a surrogate', [frame(OP.TEXT, Buffer.from([0xed, 0xa0, 0x80]), m)]],
    [
      'an invalid sequence across fragments',
      [frame(OP.TEXT, Buffer.from([0x61, 0xc3]), { ...m, fin: false }), frame(OP.CONTINUATION, Buffer.from([0x28]), m)],
    ],
    ['a close reason that is not UTF-8', [frame(OP.CLOSE, closePayload(4000, Buffer.from([0xff, 0xfe])), m)]],
  ]
  for (const [label, frames] of cases) await assertFailedWith(t, port, rec, 1007, label, frames)
})

test('a protocol violation by a client (unmasked frame, reserved bits, bad opcodes, bad fragments) → close 1002', async (t) => {
  const { server, url, port, rec } = await startServer(t)
  const m = { mask: true }
  const cases = [
    ['an unmasked frame', [frame(OP.TEXT, 'not masked', { mask: false })]],
    ['RSV1 without an extension', [frame(OP.TEXT, 'rsv', { ...m, rsv: 4 })]],
    ['a reserved opcode', [frame(0x3, 'op3', m)]],
    ['a reserved control opcode', [frame(0xb, '', m)]],
    ['a continuation without a start', [frame(OP.CONTINUATION, 'orphan', m)]],
    ['a new message inside a fragmented one', [frame(OP.TEXT, 'a', { ...m, fin: false }), frame(OP.TEXT, 'b', m)]],
    ['a fragmented ping', [frame(OP.PING, 'p', { ...m, fin: false })]],
    ['a control frame over 125 bytes', [frame(OP.PING, 'x'.repeat(126), m)]],
    ['a close frame with a 1-byte payload', [frame(OP.CLOSE, Buffer.from([0x03]), m)]],
    ['close code 999 on the wire', [frame(OP.CLOSE, closePayload(999, 'x'), m)]],
    ['close code 1005 on the wire', [frame(OP.CLOSE, closePayload(1005, 'x'), m)]],
    ['close code 1006 on the wire', [frame(OP.CLOSE, closePayload(1006, 'x'), m)]],
    ['close code 2999 on the wire', [frame(OP.CLOSE, closePayload(2999, 'x'), m)]],
  ]
  for (const [label, frames] of cases) await assertFailedWith(t, port, rec, 1002, label, frames)
  // The server is unharmed.
  const c = await wsClient(t, url)
  await rec.until('connect', { where: of(c.conn) })
  t.is(await server.send('fine', c.conn), true)
  await c.waitMessages(1)
  t.is(String(c.messages[0].data), 'fine')
})

test('hostile requests before the upgrade get no connection, and the server keeps serving', async (t) => {
  const { server, url, port, rec } = await startServer(t)
  // A client that starts a handshake and never finishes it must not hold up the others.
  const stalled = net.connect(port, HOST)
  stalled.on('error', () => {})
  t.teardown(() => stalled.destroy())
  await once(stalled, 'connect')
  stalled.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nUpgrade: websocket\r\n`)
  const requests = [
    ['garbage', 'hello there\r\n\r\n'],
    ['binary noise', randomBytes(512)],
    ['plain HTTP GET', `GET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`],
    [
      'an upgrade without a key',
      `GET / HTTP/1.1\r\nHost: ${HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    ],
    [
      'an unsupported version',
      `GET / HTTP/1.1\r\nHost: ${HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n`,
    ],
    ['a huge header', `GET / HTTP/1.1\r\nHost: ${HOST}\r\nX-Big: ${'a'.repeat(200000)}\r\n\r\n`],
    ['nothing at all', ''],
  ]
  for (const [label, bytes] of requests) {
    const got = await rawExchange(t, port, bytes, 1000)
    t.false(got.startsWith('HTTP/1.1 101'), `${label}: not upgraded (got ${JSON.stringify(got.slice(0, 40))})`)
  }
  t.deepEqual(rec.of('connect'), [], 'no connect event for any of them')
  const c = await wsClient(t, url)
  t.deepEqual(await rec.until('connect'), c.conn)
  t.deepEqual(await server.listAllConnections(), [c.conn])
})

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

test("maxConnectionsForOneClient: 2 → a third connection from 127.0.0.1 is refused with 503 and the server emits 'error'", async (t) => {
  const { server, url, rec } = await startServer(t, { maxConnectionsForOneClient: 2 })
  const a = await wsClient(t, url)
  const b = await wsClient(t, url)
  await rec.until('connect', { count: 2 })
  t.is(await refusedStatus(t, url), 503)
  const err = await rec.until('error')
  t.is(err.code, 200)
  t.deepEqual(Object.keys(err).sort(), ['code', 'message'])
  t.is(typeof err.message, 'string')
  t.is(rec.events.find((e) => e.type === 'error').args.length, 1, "'error' listener gets one argument")
  t.is(rec.of('connect').length, 2, 'no connect event for the refused client')
  t.deepEqual(byPort(await server.listAllConnections()), byPort([a.conn, b.conn]))
  // Once one leaves, there is room again.
  a.ws.close(1000)
  await rec.until('close', { where: of(a.conn) })
  const c = await wsClient(t, url)
  t.deepEqual(await rec.until('connect', { where: of(c.conn) }), c.conn)
  t.deepEqual(byPort(await server.listAllConnections()), byPort([b.conn, c.conn]))
})

test('maxConcurrentClientsNumber: 1 counts distinct IPs: many connections from 127.0.0.1 pass, 127.0.0.2 is refused', async (t) => {
  const { server, url, rec } = await startServer(t, { maxConcurrentClientsNumber: 1 })
  const first = []
  for (let i = 0; i < 3; i++) first.push(await wsClient(t, url))
  await rec.until('connect', { count: 3 })
  t.is(await refusedStatus(t, url, { localAddress: OTHER_IP }), 503, 'a second IP is refused')
  t.is((await rec.until('error')).code, 200)
  t.deepEqual(byPort(await server.listAllConnections()), byPort(first.map((c) => c.conn)))
  // When 127.0.0.1 has gone, 127.0.0.2 may come.
  for (const c of first) c.ws.close(1000)
  for (const c of first) await rec.until('close', { where: of(c.conn) })
  const other = await wsClient(t, url, { localAddress: OTHER_IP })
  t.deepEqual(await rec.until('connect', { where: of(other.conn) }), { clientIP: OTHER_IP, clientPort: other.conn.clientPort })
  t.deepEqual(await server.listAllConnections(), [other.conn])
})

test('clients from two IPs within maxConcurrentClientsNumber: 2 are both admitted and told apart', async (t) => {
  const { server, url, rec } = await startEchoServer(t, { maxConcurrentClientsNumber: 2, maxConnectionsForOneClient: 1 })
  const a = await wsClient(t, url)
  const b = await wsClient(t, url, { localAddress: OTHER_IP })
  await rec.until('connect', { count: 2 })
  t.deepEqual(byPort(rec.of('connect')), byPort([a.conn, b.conn]))
  t.is(b.conn.clientIP, '127.0.0.2')
  a.ws.send('from a')
  b.ws.send('from b')
  await a.waitMessages(1)
  await b.waitMessages(1)
  t.is(String(a.messages[0].data), 'from a')
  t.is(String(b.messages[0].data), 'from b')
  t.deepEqual(rec.of('message', of(b.conn)).map((m) => m.data), ['from b'])
  // maxConnectionsForOneClient: 1 applies to each IP on its own.
  t.is(await refusedStatus(t, url, { localAddress: OTHER_IP }), 503)
  t.deepEqual(byPort(await server.listAllConnections()), byPort([a.conn, b.conn]))
})

test('a missing limit means 10 connections per client', async (t) => {
  const { server, url, rec } = await startServer(t)
  const clients = []
  for (let i = 0; i < 10; i++) clients.push(await wsClient(t, url))
  await rec.until('connect', { count: 10 })
  t.is(await refusedStatus(t, url), 503, 'the 11th connection is refused')
  t.is((await rec.until('error')).code, 200)
  t.is((await server.listAllConnections()).length, 10)
})

test('limits above 10 work: 25 connections with maxConnectionsForOneClient: 25, the 26th refused', async (t) => {
  const { server, url, rec } = await startServer(t, { maxConnectionsForOneClient: 25, maxConcurrentClientsNumber: 1000 })
  const clients = await Promise.all(Array.from({ length: 25 }, () => wsClient(t, url)))
  await rec.until('connect', { count: 25 })
  t.deepEqual(byPort(await server.listAllConnections()), byPort(clients.map((c) => c.conn)))
  t.is(await refusedStatus(t, url), 503)
  t.is(rec.of('connect').length, 25)
})

// ---------------------------------------------------------------------------------------------
// stop() and the life of the process
// ---------------------------------------------------------------------------------------------

test("stop() closes every client with 1001 \"server is going away\", 'close' fires for each, then the server is gone", async (t) => {
  const { server, url, port, rec } = await startServer(t)
  const clients = []
  for (let i = 0; i < 3; i++) clients.push(await wsClient(t, url))
  await rec.until('connect', { count: 3 })
  t.is(await server.stop(), true)
  for (const c of clients) {
    t.deepEqual(await c.closed, GOING_AWAY, 'the client sees 1001')
    t.deepEqual(await rec.until('close', { where: of(c.conn) }), {
      connection: c.conn,
      result: { code: GOING_AWAY.code, closeReason: GOING_AWAY.reason },
    })
  }
  t.is(rec.of('close').length, 3)
  t.is(server.address(), null)
  await assertRejects(t, server, 'listAllConnections', [], 2302999, 'listAllConnections() after stop()')
  await assertRejects(t, server, 'stop', [], 2302999, 'stop() after stop()')
  // Nobody listens on the port any more.
  const refused = await new Promise((resolve) => {
    const s = net.connect(port, HOST)
    s.on('connect', () => {
      s.destroy()
      resolve(false)
    })
    s.on('error', (e) => resolve(e.code === 'ECONNREFUSED'))
  })
  t.true(refused, 'the port is closed')
})

test('the process exits by itself after stop(), clients and messages included', async (t) => {
  const source = `
    import { webSocket } from 'ohos-websocket'
    import WebSocket from 'ws'
    const server = webSocket.createWebSocketServer()
    server.on('messageReceive', ({ clientConnection, data }) => server.send('echo:' + data, clientConnection))
    server.on('close', (c, r) => console.log('server close', r.code, r.closeReason))
    await server.start({ serverIP: '127.0.0.1', serverPort: 0 })
    const ws = new WebSocket('ws://127.0.0.1:' + server.address().port)
    ws.on('open', () => ws.send('hi'))
    ws.on('message', async (d) => {
      console.log('client got', String(d))
      console.log('stop', await server.stop())
    })
    ws.on('close', (code, reason) => console.log('client close', code, String(reason)))
  `
  const r = await runNode(t, source, { timeout: 10000 })
  t.false(r.timedOut, `the process did not exit by itself; stdout: ${r.stdout} stderr: ${r.stderr}`)
  t.is(r.code, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  t.deepEqual(lines.slice(0, 2), ['client got echo:hi', 'stop true'])
  t.deepEqual(lines.slice(2).sort(), ['client close 1001 server is going away', 'server close 1001 server is going away'])
})

test('the process exits after stop() of a server that never had a client, and after a failed start', async (t) => {
  const stopped = await runNode(
    t,
    `import { webSocket } from 'ohos-websocket'
     const server = webSocket.createWebSocketServer()
     console.log(await server.start({ serverIP: '127.0.0.1', serverPort: 0 }), await server.stop())`,
    { timeout: 10000 },
  )
  t.false(stopped.timedOut, 'start then stop: the process did not exit')
  t.is(stopped.stdout.trim(), 'true true')
  const failed = await runNode(
    t,
    `import { webSocket } from 'ohos-websocket'
     const server = webSocket.createWebSocketServer()
     server.start({ serverIP: 'not-an-ip', serverPort: 0 }).catch((e) => console.log(e.code))`,
    { timeout: 10000 },
  )
  t.false(failed.timedOut, 'failed start: the process did not exit')
  t.is(failed.stdout.trim(), '2302004')
})

test('a running server keeps the process alive', async (t) => {
  let aliveAfterWait
  const r = await runNode(
    t,
    `import { webSocket } from 'ohos-websocket'
     const server = webSocket.createWebSocketServer()
     await server.start({ serverIP: '127.0.0.1', serverPort: 0 })
     console.log('listening')`,
    {
      timeout: 15000,
      onStdout(chunk, child) {
        if (!chunk.includes('listening')) return
        setTimeout(() => {
          aliveAfterWait = child.exitCode === null && child.signalCode === null
          child.kill('SIGKILL')
        }, 1500)
      },
    },
  )
  t.true(aliveAfterWait, `the process ended by itself (code ${r.code}): ${r.stderr}`)
  t.is(r.signal, 'SIGKILL')
})

test('a listener that throws reaches uncaughtException, and later events are still delivered', async (t) => {
  const source = `
    import { webSocket } from 'ohos-websocket'
    import WebSocket from 'ws'
    process.on('uncaughtException', (e) => console.log('uncaught', e.message))
    const server = webSocket.createWebSocketServer()
    let n = 0
    server.on('messageReceive', ({ data }) => {
      console.log('got', data)
      if (++n === 1) throw new Error('boom')
      if (n === 3) server.stop()
    })
    await server.start({ serverIP: '127.0.0.1', serverPort: 0 })
    const ws = new WebSocket('ws://127.0.0.1:' + server.address().port)
    ws.on('open', () => ['a', 'b', 'c'].forEach((m) => ws.send(m)))
  `
  const r = await runNode(t, source, { timeout: 10000 })
  t.false(r.timedOut, r.stdout + r.stderr)
  t.deepEqual(r.stdout.trim().split('\n'), ['got a', 'uncaught boom', 'got b', 'got c'], `exit ${r.code}, stderr: ${r.stderr}`)
})

// ---------------------------------------------------------------------------------------------
// TLS and subprotocol
// ---------------------------------------------------------------------------------------------

test('serverCert serves wss: a ws client trusting the CA connects, exchanges both ways and closes', async (t) => {
  const { server, url, rec } = await startEchoServer(t, { serverCert: { certPath: certs.cert, keyPath: certs.key } })
  t.true(url.startsWith('wss://'))
  const c = await wsClient(t, url, { ca: fs.readFileSync(certs.ca) })
  t.deepEqual(await rec.until('connect'), c.conn)
  c.ws.send('secure hello')
  c.ws.send(Buffer.from([9, 8, 7]))
  await c.waitMessages(2)
  t.deepEqual(
    c.messages.map((m) => [m.binary, m.binary ? m.data.toString('hex') : String(m.data)]),
    [
      [false, 'secure hello'],
      [true, '090807'],
    ],
  )
  t.is(await server.send('pushed', c.conn), true)
  await c.waitMessages(3)
  t.is(String(c.messages[2].data), 'pushed')
  c.ws.close(4005, 'tls bye')
  t.deepEqual(await rec.until('close'), { connection: c.conn, result: { code: 4005, closeReason: 'tls bye' } })
})

test('over TLS: an untrusting client and a plain ws client fail, and the server keeps serving', async (t) => {
  const { server, port, url, rec } = await startServer(t, { serverCert: { certPath: certs.cert, keyPath: certs.key } })
  const untrusting = new WebSocket(url)
  untrusting.on('error', () => {})
  t.teardown(() => untrusting.terminate())
  const e = await new Promise((resolve) => {
    untrusting.once('open', () => resolve(null))
    untrusting.once('error', resolve)
  })
  t.truthy(e, 'the client without the CA does not open')
  const plain = new WebSocket(`ws://${HOST}:${port}`, { handshakeTimeout: 3000 })
  plain.on('error', () => {})
  t.teardown(() => plain.terminate())
  const opened = await new Promise((resolve) => {
    plain.once('open', () => resolve(true))
    plain.once('close', () => resolve(false))
  })
  t.false(opened, 'plain ws to a wss server does not open')
  t.deepEqual(rec.of('connect'), [])
  const c = await wsClient(t, url, { ca: fs.readFileSync(certs.ca) })
  t.deepEqual(await rec.until('connect'), c.conn)
  t.deepEqual(await server.listAllConnections(), [c.conn])
})

test("protocol: 'chat' is chosen when the client offers it", async (t) => {
  const { url, rec } = await startServer(t, { protocol: 'chat' })
  const chat = await wsClient(t, url, { protocols: ['chat'] })
  t.is(chat.ws.protocol, 'chat')
  const several = await wsClient(t, url, { protocols: ['superchat', 'chat'] })
  t.is(several.ws.protocol, 'chat')
  const none = await wsClient(t, url)
  t.is(none.ws.protocol, '', 'no subprotocol when the client offers none')
  await rec.until('connect', { count: 3 })
})

// ---------------------------------------------------------------------------------------------
// on / off
// ---------------------------------------------------------------------------------------------

test('on replaces the listener of a type; off(type, fn) removes it only if it is fn; off(type) removes it', async (t) => {
  const { server, url } = await startServer(t, {}, { listen: false })
  const seen = []
  const a = (conn) => seen.push(['a', conn.clientPort])
  const b = (conn) => seen.push(['b', conn.clientPort])
  server.on('connect', a)
  server.on('connect', b)
  const c1 = await wsClient(t, url)
  await waitUntil(() => seen.length === 1, { what: 'connect #1' })
  t.deepEqual(seen, [['b', c1.conn.clientPort]], 'only the last listener is called')

  server.off('connect', a) // not the registered one: no effect
  const c2 = await wsClient(t, url)
  await waitUntil(() => seen.length === 2, { what: 'connect #2' })
  t.deepEqual(seen[1], ['b', c2.conn.clientPort])

  server.off('connect', b)
  await wsClient(t, url)
  server.on('connect', a)
  server.off('connect')
  await wsClient(t, url)
  server.on('connect', a)
  server.off('connect', undefined) // an explicit undefined is off(type)
  await wsClient(t, url)
  await delay(200)
  t.is(seen.length, 2, 'no listener after off')
  t.is((await server.listAllConnections()).length, 5)
})

test('events without a listener are dropped, incoming messages too', async (t) => {
  const { server, url } = await startServer(t, {}, { listen: false })
  const closed = []
  server.on('close', (conn) => closed.push(conn))
  const early = await wsClient(t, url)
  early.ws.send('nobody listens')
  early.ws.close(1000)
  // Events of one connection arrive in order: once its 'close' is here, its message came and went.
  await waitUntil(() => closed.length === 1, { what: "the first client's close" })
  const got = []
  server.on('messageReceive', ({ data }) => got.push(data))
  const late = await wsClient(t, url)
  late.ws.send('now someone does')
  await waitUntil(() => got.length >= 1, { what: 'the second message' })
  await delay(100)
  t.deepEqual(got, ['now someone does'])
})

test('on/off with bad arguments throw an Error with code "401"; unknown event names are ignored', (t) => {
  const server = webSocket.createWebSocketServer()
  const fn = () => {}
  const bad = [
    () => server.on(),
    () => server.on('connect'),
    () => server.on('connect', 5),
    () => server.on(5, fn),
    () => server.on('connect', fn, fn),
    () => server.off(),
    () => server.off(5),
    () => server.off('connect', 5),
    () => server.onConnect(),
    () => server.onMessageReceive('x'),
  ]
  for (const call of bad) {
    const e = t.throws(call, undefined, call.toString())
    t.is(e?.code, '401', call.toString())
    t.is(e?.message, 'Parameter error.')
  }
  t.notThrows(() => server.on('open', fn))
  t.notThrows(() => server.on('nonsense', fn))
  t.notThrows(() => server.off('nonsense'))
  t.notThrows(() => server.off('connect'), 'off without a listener')
})

test('the static names onConnect, onMessageReceive, onWebSocketServerClose, onWebSocketServerError and off… work', async (t) => {
  const { server, url } = await startServer(t, { maxConnectionsForOneClient: 1 }, { listen: false })
  const seen = []
  server.onConnect((...args) => seen.push(['connect', ...args]))
  server.onMessageReceive((...args) => seen.push(['message', ...args]))
  server.onWebSocketServerClose((...args) => seen.push(['close', ...args]))
  server.onWebSocketServerError((...args) => seen.push(['error', args.length, args[0].code]))
  const c = await wsClient(t, url)
  c.ws.send('static')
  await waitUntil(() => seen.length >= 2, { what: 'connect and message' })
  t.is(await refusedStatus(t, url), 503)
  await waitUntil(() => seen.length >= 3, { what: 'error' })
  c.ws.close(4010, 'static bye')
  await waitUntil(() => seen.length >= 4, { what: 'close' })
  t.deepEqual(seen, [
    ['connect', c.conn],
    ['message', { clientConnection: c.conn, data: 'static' }],
    ['error', 1, 200],
    ['close', c.conn, { code: 4010, closeReason: 'static bye' }],
  ])

  const count = seen.length
  const fn = () => seen.push(['removed listener called'])
  server.onConnect(fn)
  server.offConnect(fn)
  server.onMessageReceive(fn)
  server.offMessageReceive()
  server.onWebSocketServerClose(fn)
  server.offWebSocketServerClose(fn)
  server.onWebSocketServerError(fn)
  server.offWebSocketServerError(fn)
  const d = await wsClient(t, url)
  d.ws.send('nobody')
  t.is(await refusedStatus(t, url), 503)
  d.ws.close(1000)
  await d.closed
  await delay(200)
  t.is(seen.length, count, 'no listener is left after the off… calls')
})

// ---------------------------------------------------------------------------------------------
// Python `websockets` client
// ---------------------------------------------------------------------------------------------

test('Python websockets client: connect, echo through send(), fragmented message, close with code and reason', async (t) => {
  const { url, rec } = await startEchoServer(t)
  const r = await runPython(t, {
    url,
    send: [{ text: 'hello from python' }, { hex: '00ff10' }, { fragments: ['frag', 'ment', 'ed'] }],
    expect: 3,
    close: { code: 4100, reason: 'py bye' },
  })
  t.is(r.code, 0, r.stderr + JSON.stringify(r.events))
  const open = r.events.find((e) => e.event === 'open')
  const conn = { clientIP: HOST, clientPort: open.local_port }
  t.deepEqual(
    r.events.filter((e) => e.event === 'message'),
    [
      { event: 'message', text: 'hello from python' },
      { event: 'message', hex: '00ff10' },
      { event: 'message', text: 'fragmented' },
    ],
  )
  t.is(r.events.at(-1).event, 'close')
  t.is(r.events.at(-1).code, 4100, 'the server answered the close with the same code')
  t.deepEqual(rec.of('connect'), [conn])
  t.deepEqual(
    rec.of('message').map((m) => [m.clientConnection, typeof m.data === 'string' ? m.data : hex(m.data)]),
    [
      [conn, 'hello from python'],
      [conn, '00ff10'],
      [conn, 'fragmented'],
    ],
  )
  t.deepEqual(await rec.until('close'), { connection: conn, result: { code: 4100, closeReason: 'py bye' } })
})

test("Python websockets client: the server's close(connection, {code: 4000, reason: 'x'}) reaches it", async (t) => {
  const { server, url } = await startServer(t, {}, { listen: false })
  const closes = []
  server.on('connect', (conn) => server.close(conn, { code: 4000, reason: 'x' }))
  server.on('close', (conn, result) => closes.push([conn, result]))
  const r = await runPython(t, { url })
  t.is(r.code, 0, r.stderr + JSON.stringify(r.events))
  t.deepEqual(r.events.at(-1), { event: 'close', code: 4000, reason: 'x' })
  const port = r.events.find((e) => e.event === 'open').local_port
  await waitUntil(() => closes.length === 1, { what: "the server's close event" })
  t.deepEqual(closes, [[{ clientIP: HOST, clientPort: port }, { code: 4000, closeReason: 'x' }]])
})

test('Python websockets client over wss with subprotocol chat', async (t) => {
  const { url, rec } = await startEchoServer(t, {
    serverCert: { certPath: certs.cert, keyPath: certs.key },
    protocol: 'chat',
  })
  const r = await runPython(t, {
    url,
    ca: certs.ca,
    subprotocols: ['chat'],
    send: [{ text: 'über tls' }],
    expect: 1,
    close: { code: 1000, reason: 'done' },
  })
  t.is(r.code, 0, r.stderr + JSON.stringify(r.events))
  t.is(r.events[0].subprotocol, 'chat')
  t.deepEqual(r.events[1], { event: 'message', text: 'über tls' })
  const conn = { clientIP: HOST, clientPort: r.events[0].local_port }
  t.deepEqual(await rec.until('close'), { connection: conn, result: { code: 1000, closeReason: 'done' } })
})

// ---------------------------------------------------------------------------------------------
// Throughput sanity
// ---------------------------------------------------------------------------------------------

test('50 clients × 200 messages are all echoed, in order', async (t) => {
  const { server, url, rec } = await startEchoServer(t, { maxConnectionsForOneClient: 64 })
  const started = Date.now()
  const clients = await Promise.all(Array.from({ length: 50 }, () => wsClient(t, url, { perMessageDeflate: false })))
  const sent = clients.map((c, i) => {
    const list = Array.from({ length: 200 }, (_, j) => `c${i}:${j}`)
    for (const m of list) c.ws.send(m)
    return list
  })
  await Promise.all(clients.map((c) => c.waitMessages(200, 30000)))
  clients.forEach((c, i) => {
    t.deepEqual(
      c.messages.map((m) => String(m.data)),
      sent[i],
      `client ${i}`,
    )
  })
  t.is(rec.of('message').length, 10000)
  t.deepEqual(rec.of('send failed'), [])
  t.is((await server.listAllConnections()).length, 50)
  t.log(`10,000 echoes in ${Date.now() - started} ms`)
})
