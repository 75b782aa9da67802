// Real peers for the client tests, all on 127.0.0.1 and port 0:
//   startWsServer    the `ws` package behind a plain http server (the test controls the upgrade)
//   startPythonPeer  Python's `websockets` (__test__/peers/echo_server.py) in a child process
//   startRawPeer     a byte-level hostile peer: handshake by hand, then hand-made frames
// Each start function takes the ava `t` (test or hook context) and closes everything it started
// in `t.teardown`; pass `null` and call `close()` yourself (e.g. in test.after.always) to share a
// peer between tests.
import { spawn } from 'node:child_process'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocketServer } from 'ws'

import { acceptKey, closePayload, frame, FrameParser, OP } from './frames.mjs'

export { acceptKey, closePayload, frame, OP }

export const HOST = '127.0.0.1'
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

function register(t, close) {
  if (t && typeof t.teardown === 'function') t.teardown(close)
}

function listen(server, port = 0, host = HOST) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve(server.address().port)
    })
  })
}

/** A TCP port on 127.0.0.1 where nothing listens (bound, then released). */
export async function closedPort() {
  const s = net.createServer()
  const port = await listen(s)
  await new Promise((resolve) => s.close(resolve))
  return port
}

/** Waits for `predicate()` to become truthy, polling; rejects after `timeout` ms with `what`. */
export function waitUntil(predicate, { timeout = 5000, what = 'condition' } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const tick = () => {
      const v = predicate()
      if (v) return resolve(v)
      if (Date.now() - started > timeout) return reject(new Error(`timed out after ${timeout} ms waiting for ${what}`))
      setTimeout(tick, 5)
    }
    tick()
  })
}

export const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Writes a complete non-101 HTTP response to an upgrade socket and ends it; returns true (so an
 * `onUpgrade` can `return respond(...)`). `headers` is an object or [name, value] pairs.
 */
export function respond(socket, status, headers = {}, body = '') {
  const reason = http.STATUS_CODES[status] ?? 'Unknown'
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers)
  const lines = [`HTTP/1.1 ${status} ${reason}`]
  for (const [k, v] of pairs) lines.push(`${k}: ${v}`)
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', '', body)
  socket.end(lines.join('\r\n'))
  return true
}

// ---------------------------------------------------------------------------------------------
// (a) `ws` WebSocketServer
// ---------------------------------------------------------------------------------------------

/**
 * Starts a `ws` server behind a plain http server.
 * Options:
 *  - `echo` (default true): echo every message back with its type;
 *  - `handleProtocols(protocols: Set, req)`: picks the subprotocol (`ws` default: the first offered);
 *  - `responseHeaders`: extra `Name: value` lines for the 101 response (array, or function of req);
 *  - `onUpgrade(req, socket, head, server)`: return true when it answered the upgrade itself
 *    (e.g. `respond(socket, 404)` or a redirect);
 *  - `onConnection(conn)`: runs for every accepted connection (after echo is wired up, if on);
 *  - `port`: the port to bind (default 0).
 * Returns `{port, url(path), upgrades, connections, nextConnection(), connectionAt(urlPath), close()}`.
 * `upgrades[i]` = `{method, url, httpVersion, headers, rawHeaders}` of every upgrade request.
 */
export async function startWsServer(t, opts = {}) {
  const { echo = true, handleProtocols, responseHeaders, onUpgrade, onConnection, port: wantedPort = 0 } = opts
  const httpServer = http.createServer((req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain' })
    res.end('upgrade required')
  })
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 256 * 1024 * 1024,
    ...(handleProtocols ? { handleProtocols } : {}),
  })
  if (responseHeaders) {
    wss.on('headers', (headers, req) => {
      headers.push(...(typeof responseHeaders === 'function' ? responseHeaders(req) : responseHeaders))
    })
  }
  const sockets = new Set()
  httpServer.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })

  const upgrades = []
  const connections = []
  const server = {
    port: 0,
    upgrades,
    connections,
    url: (p = '/') => `ws://${HOST}:${server.port}${p}`,
    /** The `index`-th connection (default: the next one not yet returned). */
    nextConnection(timeout = 5000) {
      const index = server._taken++
      return waitUntil(() => connections[index], { timeout, what: `server connection #${index}` })
    },
    _taken: 0,
    /** The connection whose request URL (path and query) is `urlPath`. */
    connectionAt(urlPath, timeout = 5000) {
      return waitUntil(() => connections.find((c) => c.req.url === urlPath), { timeout, what: `a server connection to ${urlPath}` })
    },
    close,
  }

  httpServer.on('upgrade', (req, socket, head) => {
    upgrades.push({
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      headers: req.headers,
      rawHeaders: pairs(req.rawHeaders),
    })
    socket.on('error', () => {})
    if (onUpgrade && onUpgrade(req, socket, head, server) === true) return
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = wrapServerSocket(ws, req)
      connections.push(conn)
      if (echo) ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }))
      if (onConnection) onConnection(conn)
    })
  })

  server.port = await listen(httpServer, wantedPort)
  let closed = false
  async function close() {
    if (closed) return
    closed = true
    for (const c of connections) c.ws.terminate()
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => wss.close(() => resolve()))
    await new Promise((resolve) => httpServer.close(() => resolve()))
  }
  register(t, close)
  return server
}

function pairs(raw) {
  const out = []
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i], raw[i + 1]])
  return out
}

function wrapServerSocket(ws, req) {
  const messages = []
  const errors = []
  const pings = []
  ws.on('ping', (data) => pings.push(Buffer.from(data)))
  ws.on('message', (data, isBinary) => {
    messages.push(isBinary ? { data: Buffer.from(data), isBinary } : { data: data.toString('utf8'), isBinary })
  })
  ws.on('error', (err) => errors.push(err))
  const closed = new Promise((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }))
  })
  return {
    ws,
    req,
    messages,
    errors,
    /** Payloads of the pings the client sent (`ws` answers them itself). */
    pings,
    /** `{code, reason}` of the close frame received from the client (1005 none, 1006 none at all). */
    closed,
    /** Resolves with the first `n` messages once they have arrived. */
    nextMessages(n, timeout = 5000) {
      return waitUntil(() => messages.length >= n && messages.slice(0, n), { timeout, what: `${n} server messages` })
    },
    send: (data, options) => new Promise((resolve, reject) => ws.send(data, options ?? {}, (e) => (e ? reject(e) : resolve()))),
    close: (code, reason) => ws.close(code, reason),
    /** A close frame with no payload at all. */
    closeNoPayload: () => ws.close(),
    /** Destroys the TCP socket without a close frame. */
    terminate: () => ws.terminate(),
    /** Sends a TCP RST. */
    reset: () => ws._socket.resetAndDestroy(),
  }
}

// ---------------------------------------------------------------------------------------------
// (b) Python `websockets` peer
// ---------------------------------------------------------------------------------------------

export const PYTHON = path.join(ROOT, process.platform === 'win32' ? '.venv/Scripts/python.exe' : '.venv/bin/python')
const PY_PEER = path.join(ROOT, '__test__/peers/echo_server.py')

/**
 * Starts a Python peer: __test__/peers/echo_server.py, or `script` with `args`, which prints
 * `PORT n` and then one JSON line per event. Returns `{port, url(path), events, waitFor(pred),
 * close()}`; `events` are the JSON lines it printed (`open`, `message`, `close`).
 */
export async function startPythonPeer(t, { script = PY_PEER, args = [] } = {}) {
  const child = spawn(PYTHON, ['-u', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT })
  const events = []
  let stderr = ''
  let port
  let buf = ''
  child.stderr.on('data', (d) => (stderr += d))
  child.stdout.on('data', (d) => {
    buf += d
    let i
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      if (line.startsWith('PORT ')) port = Number(line.slice(5))
      else if (line.startsWith('{')) events.push(JSON.parse(line))
    }
  })
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  let exitedEarly = false
  exited.then(() => (exitedEarly = port === undefined))
  try {
    await waitUntil(() => port !== undefined || exitedEarly, { timeout: 15000, what: 'the Python peer to listen' })
  } catch (e) {
    child.kill('SIGKILL')
    throw new Error(`${e.message}\n${stderr}`)
  }
  if (port === undefined) throw new Error(`the Python peer exited before listening:\n${stderr}`)

  let closed = false
  async function close() {
    if (closed) return
    closed = true
    child.stdin.end()
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
  }
  register(t, close)
  return {
    port,
    events,
    get stderr() {
      return stderr
    },
    url: (p = '/echo') => `ws://${HOST}:${port}${p}`,
    waitFor: (pred, timeout = 5000) => waitUntil(() => events.find(pred), { timeout, what: 'a Python peer event' }),
    close,
  }
}

// ---------------------------------------------------------------------------------------------
// (c) byte-level hostile peer
// ---------------------------------------------------------------------------------------------

/**
 * A `net` server that does the WebSocket handshake by hand and then lets the test write any bytes.
 * Options:
 *  - `handshake`: 'accept' (default), 'silent' (accept TCP, never answer), or a function
 *    `(request) => string | Buffer` giving the raw response to write;
 *  - `statusLine` (default 'HTTP/1.1 101 Switching Protocols');
 *  - `accept(key)`: the Sec-WebSocket-Accept value to send (default: the correct one);
 *  - `headers`: extra `Name: value` lines for the 101 response;
 *  - `onConnection(conn)`: runs after the handshake (or at once when 'silent'; the test may then
 *    answer later with `conn.write(handshakeResponse(conn.request))`);
 *  - `echoClose` (default true): answer the client's close frame with the same payload and end
 *    the TCP connection, as a well-behaved server does; false = ignore it.
 * Returns `{port, url(path), connections, nextConnection(), close()}`.
 *
 * `conn`: `{socket, request, frames, write(bytes), send(opcode, payload, frameOpts), text(s),
 * binary(b), ping(p), pong(p), close(code, reason), closeNoPayload(), nextFrame(pred), closeFrame(),
 * end(), destroy(), reset(), ended}` where `request` = `{method, path, headers, rawHeaders, raw}`,
 * `frames` = every frame the client sent (parsed, unmasked) and `ended` resolves when the socket
 * is closed.
 */
export async function startRawPeer(t, opts = {}) {
  const { handshake = 'accept', statusLine, accept, headers, onConnection, echoClose = true } = opts
  const connections = []
  const sockets = new Set()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    const conn = rawConn(socket, { echoClose })
    socket.on('close', () => sockets.delete(socket))
    connections.push(conn)
    if (handshake === 'silent') {
      // The request is still read and recorded; it is just never answered.
      onConnection?.(conn)
      return
    }
    conn.onRequest = (request) => {
      socket.write(typeof handshake === 'function' ? handshake(request) : handshakeResponse(request, { statusLine, accept, headers }))
      onConnection?.(conn)
    }
  })
  const port = await listen(server)
  const peer = {
    port,
    connections,
    url: (p = '/') => `ws://${HOST}:${port}${p}`,
    _taken: 0,
    nextConnection(timeout = 5000) {
      const index = peer._taken++
      return waitUntil(() => connections[index], { timeout, what: `raw peer connection #${index}` })
    },
    close,
  }
  let closed = false
  async function close() {
    if (closed) return
    closed = true
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => server.close(() => resolve()))
  }
  register(t, close)
  return peer
}

/** The 101 response to a parsed upgrade `request` (see startRawPeer for the options). */
export function handshakeResponse(request, { statusLine = 'HTTP/1.1 101 Switching Protocols', accept = acceptKey, headers = [] } = {}) {
  const key = request.headers['sec-websocket-key'] ?? ''
  return [statusLine, 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept(key)}`, ...headers, '', ''].join('\r\n')
}

function parseRequest(head) {
  const lines = head.split('\r\n')
  const [method, reqPath] = lines[0].split(' ')
  const headersObj = {}
  const rawHeaders = []
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':')
    if (i < 0) continue
    const name = line.slice(0, i)
    const value = line.slice(i + 1).trim()
    rawHeaders.push([name, value])
    headersObj[name.toLowerCase()] = value
  }
  return { method, path: reqPath, headers: headersObj, rawHeaders, raw: head }
}

function rawConn(socket, { echoClose }) {
  const parser = new FrameParser()
  const frames = []
  let head = Buffer.alloc(0)
  const conn = {
    socket,
    request: null,
    frames,
    handshakeDone: false,
    onRequest: null,
    ended: new Promise((resolve) => socket.on('close', resolve)),
    write: (bytes) => socket.write(bytes),
    send: (opcode, payload, frameOpts) => socket.write(frame(opcode, payload, frameOpts)),
    text: (s, frameOpts) => socket.write(frame(OP.TEXT, s, frameOpts)),
    binary: (b, frameOpts) => socket.write(frame(OP.BINARY, b, frameOpts)),
    ping: (p) => socket.write(frame(OP.PING, p)),
    pong: (p) => socket.write(frame(OP.PONG, p)),
    close: (code, reason) => socket.write(frame(OP.CLOSE, closePayload(code, reason))),
    closeNoPayload: () => socket.write(frame(OP.CLOSE)),
    /** The first frame (already received or future) matching `pred`. */
    nextFrame: (pred = () => true, timeout = 5000) => waitUntil(() => frames.find(pred), { timeout, what: 'a frame from the client' }),
    closeFrame: (timeout = 5000) => waitUntil(() => frames.find((f) => f.opcode === OP.CLOSE), { timeout, what: 'a close frame from the client' }),
    end: () => socket.end(),
    destroy: () => socket.destroy(),
    reset: () => socket.resetAndDestroy(),
  }
  let closeEchoed = false
  const received = (bytes) => {
    for (const f of parser.push(bytes)) {
      frames.push(f)
      if (f.opcode === OP.CLOSE && echoClose && !closeEchoed && !socket.destroyed) {
        closeEchoed = true
        socket.end(frame(OP.CLOSE, f.payload))
      }
    }
  }
  socket.on('data', (chunk) => {
    if (!conn.handshakeDone) {
      head = Buffer.concat([head, chunk])
      const i = head.indexOf('\r\n\r\n')
      if (i < 0) return
      conn.request = parseRequest(head.subarray(0, i).toString('latin1'))
      conn.handshakeDone = true
      conn.onRequest?.(conn.request)
      const rest = head.subarray(i + 4)
      if (rest.length) received(rest)
      return
    }
    received(chunk)
  })
  return conn
}
