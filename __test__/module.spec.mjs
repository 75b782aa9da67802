// CONTRACT §1: module shape.
import test from 'ava'
import { createRequire } from 'node:module'

import { runNode } from './helpers/child.mjs'

const require = createRequire(import.meta.url)

const TLS_PROTOCOL = { TLS_V_1_0: 0, TLS_V_1_1: 1, TLS_V_1_2: 2, TLS_V_1_3: 3 }
const CLIENT_METHODS = ['connect', 'send', 'close', 'on', 'off']
const SERVER_METHODS = ['start', 'stop', 'listAllConnections', 'send', 'close', 'on', 'off']

function assertModuleShape(t, mod, how) {
  t.is(typeof mod.webSocket, 'object', `${how}: webSocket is an object`)
  t.truthy(mod.webSocket, `${how}: webSocket is not null`)
  const ns = mod.webSocket
  t.is(typeof ns.createWebSocket, 'function', `${how}: webSocket.createWebSocket`)
  t.is(typeof ns.createWebSocketServer, 'function', `${how}: webSocket.createWebSocketServer`)
  t.deepEqual({ ...ns.TlsProtocol }, TLS_PROTOCOL, `${how}: webSocket.TlsProtocol`)
  for (const name of ['createWebSocket', 'createWebSocketServer', 'TlsProtocol']) {
    t.is(mod[name], ns[name], `${how}: top-level ${name} is webSocket.${name}`)
  }
}

test('require("ohos-websocket") gives { webSocket } and the same names at top level', (t) => {
  assertModuleShape(t, require('ohos-websocket'), 'require')
})

test('import "ohos-websocket" gives { webSocket } and the same names at top level', async (t) => {
  const mod = await import('ohos-websocket')
  assertModuleShape(t, mod, 'import')
})

test('webSocket.TlsProtocol is { TLS_V_1_0: 0, TLS_V_1_1: 1, TLS_V_1_2: 2, TLS_V_1_3: 3 }', (t) => {
  const { webSocket } = require('ohos-websocket')
  t.deepEqual(Object.keys(webSocket.TlsProtocol).sort(), Object.keys(TLS_PROTOCOL).sort())
  for (const [k, v] of Object.entries(TLS_PROTOCOL)) t.is(webSocket.TlsProtocol[k], v, k)
})

test('createWebSocket() returns a new WebSocket with connect, send, close, on and off', (t) => {
  const { webSocket } = require('ohos-websocket')
  const a = webSocket.createWebSocket()
  const b = webSocket.createWebSocket()
  t.not(a, b)
  for (const m of CLIENT_METHODS) t.is(typeof a[m], 'function', m)
})

test('createWebSocketServer() returns a WebSocketServer with start, stop, listAllConnections, send, close, on and off', (t) => {
  const { webSocket } = require('ohos-websocket')
  const s = webSocket.createWebSocketServer()
  t.not(s, webSocket.createWebSocketServer())
  for (const m of SERVER_METHODS) t.is(typeof s[m], 'function', m)
})

const GLOBALS_PROBE = (load) => `
const before = new Set(Reflect.ownKeys(globalThis).map(String))
const mod = ${load}
const ws = mod.webSocket.createWebSocket()
const srv = mod.webSocket.createWebSocketServer()
const added = Reflect.ownKeys(globalThis).map(String).filter((k) => !before.has(k))
console.log(JSON.stringify({ added, WebSocket: typeof globalThis.WebSocket, WebSocketServer: typeof globalThis.WebSocketServer, manager: typeof globalThis.WebSocketEVENT_MANAGER }))
`

test('loading the package and creating objects writes nothing to globalThis (require)', async (t) => {
  const r = await runNode(t, `import { createRequire } from 'node:module'\nconst require = createRequire(process.cwd() + '/')\n${GLOBALS_PROBE("require('ohos-websocket')")}`)
  t.is(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout.trim().split('\n').pop())
  t.deepEqual(out.added, [])
  t.is(out.WebSocketServer, 'undefined')
  t.is(out.manager, 'undefined')
  // Node 20 has no global WebSocket of its own; the package must not add one.
  t.is(out.WebSocket, typeof globalThis.WebSocket)
})

test('loading the package and creating objects writes nothing to globalThis (import)', async (t) => {
  const r = await runNode(t, GLOBALS_PROBE("await import('ohos-websocket')"))
  t.is(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout.trim().split('\n').pop())
  t.deepEqual(out.added, [])
  t.is(out.WebSocketServer, 'undefined')
  t.is(out.manager, 'undefined')
  t.is(out.WebSocket, typeof globalThis.WebSocket)
})
