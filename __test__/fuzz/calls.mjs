// The fuzz program of fuzz.spec.mjs, run in a child process so that a native crash shows as an exit
// signal instead of killing the test runner.
//
//   node __test__/fuzz/calls.mjs [--seed N] [--calls N]     (or FUZZ_SEED, FUZZ_CALLS)
//
// Calls every client and server method (and the ArkTS alias methods) with random argument shapes and
// values from a deterministic PRNG, and checks each outcome against the contract:
//  - only on/off (and their aliases) may throw, and only an error whose code is "401";
//  - a returned Promise settles, with `true` (a connection list for listAllConnections) or a
//    business error `{code, message}` with one of the contract's codes;
//  - a callback is called once, with `(undefined, result)` or `(businessError, undefined)`;
//  - nothing settles twice, nothing stays pending, no uncaughtException or unhandledRejection.
// Prints one line `SUMMARY <json>` and exits by itself once every session and server has ended.
//
// Traffic stays on this machine: URLs name 127.0.0.1 / localhost / [::1] or hosts that the
// OHOS_WEBSOCKET_ALLOWED_DOMAINS allow-list (set by the test) rejects before any DNS lookup;
// proxies are loopback; servers bind 127.0.0.1 / ::1 only, port 0.
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { types } from 'node:util'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const require = createRequire(import.meta.url)
const { webSocket } = require(path.join(ROOT, 'index.js'))
const { WebSocketServer: WsServer } = require(path.join(ROOT, 'node_modules/ws'))

const argv = process.argv.slice(2)
const arg = (name, dflt) => {
  const i = argv.indexOf(`--${name}`)
  if (i >= 0) return Number(argv[i + 1])
  const env = process.env[`FUZZ_${name.toUpperCase()}`]
  return env ? Number(env) : dflt
}
const SEED = arg('seed', 20240611)
const CALLS = arg('calls', 30000)
/** FUZZ_TRACE=1: progress on stderr; FUZZ_TRACE_FROM=N: also every call from the N-th on. */
const trace = process.env.FUZZ_TRACE ? (...a) => console.error(...a) : () => {}

export const ALLOWED_CODES = new Set([401, 201, 2302001, 2302002, 2302003, 2302004, 2302005, 2302006, 2302007, 2302998, 2302999])

// ---------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------

/** mulberry32: a tiny 32-bit PRNG; the same seed gives the same run. */
function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const random = prng(SEED)
const int = (n) => Math.floor(random() * n)
const chance = (p) => random() < p
const pick = (list) => list[int(list.length)]

// ---------------------------------------------------------------------------------------------
// Peers: a `ws` echo server and one of ours; a port that refuses
// ---------------------------------------------------------------------------------------------

const wss = new WsServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * 1024 * 1024 })
wss.on('connection', (ws) => {
  ws.on('error', () => {})
  ws.on('message', (data, isBinary) => {
    if (chance(0.5)) ws.send(data, { binary: isBinary })
    else if (chance(0.05)) ws.close(pick([1000, 1001, 4000]), 'fuzz')
    else if (chance(0.02)) ws.terminate()
  })
})
await new Promise((resolve) => wss.on('listening', resolve))
const WS_PORT = wss.address().port

const target = webSocket.createWebSocketServer()
const serverConnections = []
target.on('connect', (c) => serverConnections.push(c))
target.on('messageReceive', (m) => {
  if (chance(0.3)) target.send(typeof m.data === 'string' ? m.data : m.data, m.clientConnection).catch(() => {})
})
target.on('close', () => {})
target.on('error', () => {})
await target.start({ serverIP: '127.0.0.1', serverPort: 0, maxConcurrentClientsNumber: 1000, maxConnectionsForOneClient: 1000 })
const OUR_PORT = target.address().port

// A port with nothing listening: bind, note, close.
const net = await import('node:net')
const REFUSED_PORT = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port
    s.close(() => resolve(p))
  })
})

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

const HUGE = 'x'.repeat(1 << 20)
/** A real ArrayBuffer from another realm (not `instanceof ArrayBuffer` here, yet an ArrayBuffer). */
const FOREIGN_ARRAY_BUFFER = (await import('node:vm')).runInNewContext('new ArrayBuffer(3)')
const CRLF = ['a\r\nb', 'a\rb', 'a\nb', 'a\0b', '\r\n', 'Host: evil\r\n\r\n', '\u0000']
const ODD_STRINGS = ['', ' ', 'undefined', 'null', '0', '-1', 'NaN', '\ud800', '\udfff', 'κόσμε', '😀', 'a'.repeat(124), 'a'.repeat(2000), HUGE, ...CRLF]
const EVENTS = ['open', 'message', 'close', 'error', 'dataEnd', 'headerReceive', 'openInfo', 'connect', 'messageReceive', 'Open', 'OPEN', '', 'unknown', '__proto__', 'constructor', 'toString']
const NUMBERS = [0, -0, 1, -1, 0.5, 1.5, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53, Number.MAX_VALUE, Number.MIN_VALUE, 65535, 65536, 999, 1000, 1001, 1004, 1005, 1006, 1015, 2999, 3000, 4999, 5000, 30, 30000, 30001]
const HOSTS = ['127.0.0.1', 'localhost', '[::1]', 'evil.example', 'nonexistent.invalid', 'LOCALHOST', '127.0.0.1.', '']
const PORTS = [WS_PORT, OUR_PORT, REFUSED_PORT, 0, 65535, 99999, -1, 'abc']

function url() {
  const r = int(12)
  if (r < 5) {
    const scheme = pick(['ws', 'ws', 'ws', 'wss', 'WS', 'http', 'wss ', 'ftp', ''])
    const host = pick(HOSTS)
    const port = chance(0.9) ? `:${pick(PORTS)}` : ''
    const p = pick(['/', '/echo', '', '?a=1', '/a/b?c=d#frag', '/' + 'p'.repeat(1100), `/${pick(CRLF)}`, '/%zz', '/ü'])
    return `${scheme}://${host}${port}${p}`
  }
  if (r < 8) return `ws://127.0.0.1:${pick([WS_PORT, OUR_PORT])}/`
  if (r < 9) return pick(ODD_STRINGS)
  if (r < 10) return `ws://user:pass@127.0.0.1:${WS_PORT}/`
  return anyValue(1)
}

/** An object with a getter that throws, or a Proxy whose every trap throws. */
function hostileObject(keys) {
  if (chance(0.5)) {
    const o = {}
    for (const k of keys.length ? [pick(keys)] : ['x']) {
      Object.defineProperty(o, k, {
        enumerable: true,
        get() {
          throw new Error(`getter ${k} throws`)
        },
      })
    }
    return o
  }
  const trap = () => {
    throw new Error('proxy trap throws')
  }
  return new Proxy({}, { get: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap })
}

function anyValue(depth = 0) {
  const r = int(24)
  switch (r) {
    case 0:
      return undefined
    case 1:
      return null
    case 2:
      return chance(0.5)
    case 3:
    case 4:
      return pick(NUMBERS)
    case 5:
    case 6:
      return pick(ODD_STRINGS)
    case 7:
      return pick(EVENTS)
    case 8:
      return Symbol('fuzz')
    case 9:
      return pick([0n, 1n, -1n, 2n ** 64n])
    case 10:
      // (No class constructors: a listener that throws is reported as uncaughtException, by contract.)
      return pick([() => {}, function named() {}, async () => {}, (() => {}).bind(null)])
    case 11:
      return new ArrayBuffer(pick([0, 1, 125, 126, 65536]))
    case 12:
      return pick([new Uint8Array(4), new Int32Array(2), new Float64Array(1), Buffer.from('buf'), new DataView(new ArrayBuffer(4))])
    case 13:
      return pick([new SharedArrayBuffer(8), Object.create(ArrayBuffer.prototype), new Proxy(new ArrayBuffer(4), {}), FOREIGN_ARRAY_BUFFER])
    case 14:
      return depth > 2 ? [] : Array.from({ length: int(4) }, () => anyValue(depth + 1))
    case 15:
      return depth > 2 ? {} : randomObject(depth + 1)
    case 16:
      return hostileObject(['code', 'reason', 'protocol', 'header', 'proxy', 'clientIP', 'clientPort', 'serverIP'])
    case 17:
      return pick([new Date(0), /re/g, new Map([[1, 2]]), new Set([1]), Object.create(null), Object.freeze({ code: 1000 })])
    case 18:
      return { toString: () => 'ws://127.0.0.1/', valueOf: () => 1000 }
    case 19:
      return {
        toString() {
          throw new Error('toString throws')
        },
      }
    case 20:
      return options(depth + 1)
    case 21:
      return closeOptions()
    case 22:
      return connection()
    default:
      return url()
  }
}

function randomObject(depth) {
  const o = {}
  const keys = ['code', 'reason', 'protocol', 'header', 'proxy', 'host', 'port', 'data', 'clientIP', 'clientPort', 'length', '__proto__', 'then']
  for (let i = int(4); i > 0; i--) {
    const k = pick(keys)
    const v = k === 'then' ? (chance(0.5) ? (resolve) => resolve(1) : 5) : anyValue(depth)
    // `__proto__` sets the prototype (an object that inherits from ArrayBuffer, say); other keys
    // become own properties even when the new prototype has a getter of that name.
    if (k === '__proto__') {
      if (v === null || typeof v === 'object' || typeof v === 'function') Object.setPrototypeOf(o, v)
    } else Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
  }
  return o
}

/** Either a well-typed value for the field, or anything at all. */
const typed = (good) => (chance(0.7) ? good() : anyValue(2))

function proxyOption() {
  return pick([
    () => 'system',
    () => 'no-proxy',
    () => pick(['SYSTEM', 'none', '', 'http://127.0.0.1:1'].concat(CRLF)),
    () => ({
      host: typed(() => pick(['127.0.0.1', 'localhost', '', ...CRLF])),
      port: typed(() => pick([REFUSED_PORT, WS_PORT, 0, 65535, 65536, -1, 1.5, NaN])),
      exclusionList: typed(() => pick([[], ['*'], ['127.0.0.1'], ['*.local', 5], [HUGE], 'a,b'])),
      ...(chance(0.5) ? { username: typed(() => pick(['u', '', 'ü:x', ...CRLF])), password: typed(() => pick(['p', '', ...CRLF])) } : {}),
    }),
    () => anyValue(2),
  ])()
}

function header() {
  if (chance(0.2)) return anyValue(2)
  const h = {}
  for (let i = int(5); i > 0; i--) {
    const name = pick(['x-a', 'X-B', 'Host', 'Origin', 'sec-websocket-key', 'Upgrade', 'bad name', 'bad:name', 'x-ü', '', ...CRLF, 'x-' + 'n'.repeat(5000)])
    h[name] = typed(() => pick(['v', '', 'ü', 'a\u00ffb', HUGE, ...CRLF]))
  }
  if (chance(0.1)) h[Symbol('s')] = 'v'
  return h
}

const PATHS = ['/nonexistent/ca.pem', '/etc/hostname', '/dev/null', '', '.', '/', ...CRLF]

function options(depth = 0) {
  if (chance(0.1)) return anyValue(depth + 1)
  if (chance(0.05)) return hostileObject(['protocol', 'header', 'proxy', 'caPath', 'clientCert', 'pingInterval'])
  const o = {}
  const fields = {
    header,
    protocol: () => typed(() => pick(['', 'chat', 'a,b', 'chat, superchat', ...CRLF, HUGE])),
    caPath: () => typed(() => pick(PATHS)),
    clientCert: () =>
      typed(() => ({
        certPath: typed(() => pick(PATHS)),
        keyPath: typed(() => pick(PATHS)),
        ...(chance(0.5) ? { keyPassword: typed(() => pick(['', 'pw', ...CRLF])) } : {}),
      })),
    skipServerCertVerification: () => typed(() => chance(0.5)),
    minSupportTlsProtocol: () => typed(() => pick([0, 1, 2, 3, 4, -1, 1.5])),
    supportOriginPort: () => typed(() => chance(0.5)),
    pingInterval: () => typed(() => pick([0, 1, 30, 30000, 30001, -1, 0.5, NaN, Infinity])),
    pongTimeout: () => typed(() => pick([0, 1, 30, 100, -1, 0.5, NaN])),
    maxMessageSize: () => typed(() => pick([1, 10, 1000, 2 ** 26, 2 ** 53, 0, -1, 0.5, NaN, Infinity])),
    maxFrameSize: () => typed(() => pick([1, 10, 1000, 2 ** 24, 2 ** 53, 0, -1, 0.5, NaN, Infinity])),
    proxy: proxyOption,
    unknownField: () => anyValue(2),
  }
  for (const [k, gen] of Object.entries(fields)) if (chance(0.25)) o[k] = gen()
  return o
}

function closeOptions() {
  if (chance(0.15)) return anyValue(2)
  const o = {}
  if (chance(0.7)) o.code = typed(() => pick(NUMBERS))
  if (chance(0.6)) o.reason = typed(() => pick(ODD_STRINGS))
  return o
}

function connection() {
  if (chance(0.4) && serverConnections.length) return pick(serverConnections)
  if (chance(0.2)) return anyValue(2)
  return { clientIP: typed(() => pick(['127.0.0.1', '::1', '', 'x', ...CRLF])), clientPort: typed(() => pick([0, 1, 65535, 65536, -1, NaN, 1.5])) }
}

function payload() {
  return pick([
    () => pick(['', 'hello', 'κόσμε', '\ud800', HUGE]),
    () => new ArrayBuffer(pick([0, 1, 126, 65536])),
    () => anyValue(1),
  ])()
}

function serverConfig() {
  if (chance(0.15)) return anyValue(2)
  if (chance(0.03)) return hostileObject(['serverIP', 'serverPort', 'serverCert'])
  // serverIP is always given and always a loopback address or not an address at all, and the
  // port is 0 or invalid: the fuzz never binds a public interface or a fixed port.
  const c = {
    serverIP: pick(['127.0.0.1', '::1', 'localhost', 'not-an-ip', '999.0.0.1', ...CRLF, 5, null, {}]),
    serverPort: pick([0, 0, 0, -1, 1.5, NaN, 65536, 2 ** 32, '0', null]),
  }
  if (chance(0.3)) c.maxConcurrentClientsNumber = typed(() => pick([1, 10, 100, 0, -1, 0.5, 2 ** 40]))
  if (chance(0.3)) c.maxConnectionsForOneClient = typed(() => pick([1, 10, 100, 0, -1, 0.5]))
  if (chance(0.1)) c.protocol = typed(() => pick(['', 'chat']))
  if (chance(0.1)) c.serverCert = typed(() => ({ certPath: typed(() => pick(PATHS)), keyPath: typed(() => pick(PATHS)) }))
  return c
}

// ---------------------------------------------------------------------------------------------
// Calls and their outcomes
// ---------------------------------------------------------------------------------------------

/** Violations grouped by kind (method and what went wrong), each with a count and a first example. */
const violations = {}
const counts = { calls: 0, threw401: 0, resolved: 0, rejected: {}, callbacks: 0, events: 0 }
/** Calls not yet settled, by id → description. */
const pending = new Map()
let nextCall = 0

function violation(where, kind) {
  const key = `${where.split('(')[0].replace(/#\d+/, '')}: ${kind.replace(/\(code .*\)$/, '').replace(/getter \w+ throws/, 'getter throws')}`
  const v = (violations[key] ??= { count: 0, example: `${where} → ${kind}` })
  v.count++
}

function show(v, depth = 0) {
  try {
    if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + `…(${v.length})` : v)
    if (typeof v === 'bigint') return `${v}n`
    if (typeof v === 'symbol' || typeof v === 'function') return String(v).slice(0, 30)
    if (v === null || typeof v !== 'object') return String(v)
    if (types.isProxy(v)) return v instanceof ArrayBuffer ? 'Proxy of an ArrayBuffer' : 'Proxy'
    if (types.isArrayBuffer(v)) return `ArrayBuffer(${v.byteLength})`
    if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.byteLength})`
    if (depth > 1) return Array.isArray(v) ? '[…]' : '{…}'
    if (Array.isArray(v)) return `[${v.map((x) => show(x, depth + 1)).join(', ')}]`
    const proto = Object.getPrototypeOf(v)
    const kind = proto === Object.prototype ? '' : proto === null ? 'Object.create(null)' : `${proto.constructor?.name ?? '?'}-like `
    return `${kind}{${Object.keys(v)
      .map((k) => {
        try {
          return `${k}: ${show(v[k], depth + 1)}`
        } catch {
          return `${k}: <getter that throws>`
        }
      })
      .join(', ')}}`
  } catch {
    return '<object that throws>'
  }
}

function checkError(where, err) {
  const ok = err !== null && typeof err === 'object' && ALLOWED_CODES.has(err.code) && typeof err.message === 'string'
  if (!ok) violation(where, `error outside the contract: ${show(err)}`)
  else counts.rejected[err.code] = (counts.rejected[err.code] ?? 0) + 1
}

function checkValue(where, method, value) {
  const ok = method === 'listAllConnections' ? Array.isArray(value) : value === true
  if (!ok) violation(where, `resolved with ${show(value)}`)
  else counts.resolved++
}

const TRACE_FROM = Number(process.env.FUZZ_TRACE_FROM ?? -1)
const LISTENER_METHODS = /^(on|off)/
/** Synchronous methods: address() returns `{port}` or null. */
const SYNC_METHODS = new Set(['address'])

/** Calls `object[method](...args)` and checks what comes back, now and later. */
function call(label, object, method, args) {
  counts.calls++
  const where = () => `${label}.${method}(${args.map((a) => show(a)).join(', ')})`
  let settled = false
  let cbIndex = -1
  const id = nextCall++
  // A trailing function gets replaced by a checking callback (for methods that take one).
  if (!LISTENER_METHODS.test(method) && !SYNC_METHODS.has(method) && typeof args.at(-1) === 'function') {
    cbIndex = args.length - 1
    pending.set(id, where)
    args[cbIndex] = (...cbArgs) => {
      if (settled) return violation(where(), 'callback called twice')
      settled = true
      pending.delete(id)
      counts.callbacks++
      const [err, value] = cbArgs
      if (err === undefined) checkValue(where(), method, value)
      else {
        checkError(where(), err)
        if (value !== undefined) violation(where(), `callback got an error and a value ${show(value)}`)
      }
    }
  }
  let result
  if (TRACE_FROM >= 0 && id >= TRACE_FROM) console.error(`#${id} ${where()}`)
  try {
    result = object[method](...args)
  } catch (e) {
    if (cbIndex >= 0 && !settled) {
      settled = true
      pending.delete(id)
    }
    if (LISTENER_METHODS.test(method) && e instanceof Error && e.code === '401') counts.threw401++
    else violation(where(), `threw ${e && e.constructor && e.constructor.name}: ${e && e.message} (code ${show(e && e.code)})`)
    return
  }
  if (LISTENER_METHODS.test(method)) {
    if (result !== undefined) violation(where(), `returned ${show(result)}`)
    return
  }
  if (SYNC_METHODS.has(method)) {
    const ok = result === null || (typeof result === 'object' && Number.isInteger(result.port))
    if (!ok) violation(where(), `returned ${show(result)}`)
    return
  }
  if (cbIndex >= 0) {
    if (result !== undefined) violation(where(), `callback form returned ${show(result)}`)
    return
  }
  if (!(result instanceof Promise)) {
    violation(where(), `returned ${show(result)} instead of a Promise`)
    return
  }
  pending.set(id, where)
  result.then(
    (value) => {
      pending.delete(id)
      checkValue(where(), method, value)
    },
    (err) => {
      pending.delete(id)
      checkError(where(), err)
    },
  )
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

process.on('uncaughtException', (e) => {
  trace('uncaughtException', e)
  violation('process(uncaughtException)', String(e && e.stack))
})
process.on('unhandledRejection', (e) => violation('process(unhandledRejection)', show(e)))

const listener = () => {
  counts.events++
}
const withCallback = (args) => (chance(0.3) ? [...args, () => {}] : args)
const randomArgs = () => Array.from({ length: int(4) }, () => anyValue(1))

const clients = Array.from({ length: 40 }, () => webSocket.createWebSocket())
/** Every object created, also those replaced in the pools: all are closed or stopped at the end. */
const allClients = [...clients]
for (const ws of clients) for (const type of ['open', 'message', 'close', 'error', 'dataEnd', 'headerReceive', 'openInfo']) ws.on(type, listener)
const servers = Array.from({ length: 4 }, () => webSocket.createWebSocketServer())
const allServers = [...servers]

const CLIENT_ALIASES = ['Open', 'Message', 'WebSocketClose', 'WebSocketError', 'DataEnd', 'HeaderReceive', 'OpenInfo'].flatMap((s) => [`on${s}`, `off${s}`])
const SERVER_ALIASES = ['Connect', 'MessageReceive', 'WebSocketServerClose', 'WebSocketServerError'].flatMap((s) => [`on${s}`, `off${s}`])

function clientCall() {
  const k = int(clients.length)
  const ws = clients[k]
  const label = `client#${allClients.indexOf(ws)}`
  const r = int(20)
  if (r < 5) {
    const shape = int(6)
    const args = shape === 0 ? [url()] : shape < 4 ? [url(), options()] : shape === 4 ? [] : randomArgs()
    return call(label, ws, 'connect', withCallback(args))
  }
  if (r < 10) return call(label, ws, 'send', withCallback(chance(0.85) ? [payload()] : randomArgs()))
  if (r < 13) return call(label, ws, 'close', withCallback(chance(0.7) ? (chance(0.2) ? [] : [closeOptions()]) : randomArgs()))
  if (r < 17) {
    const method = pick(['on', 'off'])
    const args = chance(0.6) ? [pick(EVENTS), chance(0.8) ? listener : anyValue(1)] : randomArgs()
    return call(label, ws, method, args)
  }
  return call(label, ws, pick(CLIENT_ALIASES), chance(0.7) ? [listener] : randomArgs())
}

function serverCall() {
  const useTarget = chance(0.3)
  const server = useTarget ? target : pick(servers)
  const label = useTarget ? 'target' : 'server'
  const r = int(20)
  if (r < 4 && !useTarget) return call(label, server, 'start', withCallback(chance(0.85) ? [serverConfig()] : randomArgs()))
  if (r < 6 && !useTarget) return call(label, server, 'stop', withCallback(chance(0.8) ? [] : randomArgs()))
  if (r < 9) return call(label, server, 'send', withCallback(chance(0.8) ? [payload(), connection()] : randomArgs()))
  if (r < 11) return call(label, server, 'close', withCallback(chance(0.8) ? [connection(), ...(chance(0.5) ? [closeOptions()] : [])] : randomArgs()))
  if (r < 13) return call(label, server, 'listAllConnections', withCallback(chance(0.8) ? [] : randomArgs()))
  if (r < 14) return call(label, server, 'address', chance(0.8) ? [] : randomArgs())
  if (r < 18 && !useTarget) {
    const method = pick(['on', 'off'])
    return call(label, server, method, chance(0.6) ? [pick(EVENTS), chance(0.8) ? listener : anyValue(1)] : randomArgs())
  }
  if (!useTarget) return call(label, server, pick(SERVER_ALIASES), chance(0.7) ? [listener] : randomArgs())
  return call(label, server, 'listAllConnections', [])
}

function moduleCall() {
  const r = int(3)
  if (r === 0) allClients.push((clients[int(clients.length)] = webSocket.createWebSocket(...randomArgs())))
  else if (r === 1) allServers.push((servers[int(servers.length)] = webSocket.createWebSocketServer(...randomArgs())))
  else {
    const ws = pick(clients)
    for (const type of ['open', 'message', 'close', 'error']) ws.on(type, listener)
  }
  counts.calls++
}

// A bug of this program must not pass for a hang of the library: report it and exit 2.
const harnessFailed = (e) => {
  console.log(`HARNESS ERROR ${e && e.stack}`)
  process.exit(2)
}
const started = Date.now()
for (let i = 0; i < CALLS; i++) {
  if (i % 1000 === 0) trace(`call ${i}, ${pending.size} pending`)
  const r = int(100)
  try {
    if (r < 60) clientCall()
    else if (r < 98) serverCall()
    else moduleCall()
  } catch (e) {
    harnessFailed(e)
  }
  // Let the event loop run: connections open, messages flow, callbacks settle.
  if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve))
  if (i % 1000 === 999) await new Promise((resolve) => setTimeout(resolve, 5))
}
const callMs = Date.now() - started

// Wind down: close every client, stop every server, and wait for every outcome.
trace('winding down')
for (const ws of allClients) ws.close().catch(() => {})
for (const s of allServers) s.stop().catch(() => {})
const deadline = Date.now() + 8000
while (pending.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
for (const where of pending.values()) violation(where(), 'never settled (8 s after the last call)')
await target.stop()
for (const c of wss.clients) c.terminate()
await new Promise((resolve) => wss.close(resolve))

console.log(`SUMMARY ${JSON.stringify({ seed: SEED, callMs, ...counts, pending: pending.size, violations })}`)
// No process.exit: the process must end by itself once every session and server has ended.
