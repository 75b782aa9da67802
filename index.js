'use strict'
// ohos-websocket: OpenHarmony's `@ohos.net.webSocket` for Node.js.
// `require('ohos-websocket')` gives `{ webSocket }` (the namespace ArkTS code imports from
// '@kit.NetworkKit'), and the same names at top level. Nothing is written to globalThis.

const { createWebSocket } = require('./lib/websocket.js')
const { createWebSocketServer } = require('./lib/server.js')

/** TLS versions for `minSupportTlsProtocol`. */
const TlsProtocol = Object.freeze({ TLS_V_1_0: 0, TLS_V_1_1: 1, TLS_V_1_2: 2, TLS_V_1_3: 3 })

/** The `@ohos.net.webSocket` namespace. */
const webSocket = { createWebSocket, createWebSocketServer, TlsProtocol }

// `default` serves TypeScript's CommonJS output of `import webSocket from 'ohos-websocket'`.
module.exports = { webSocket, createWebSocket, createWebSocketServer, TlsProtocol, default: webSocket }
