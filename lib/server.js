'use strict'
// The `WebSocketServer` of `@ohos.net.webSocket` (CONTRACT §8).

/** Creates a WebSocket server object. */
function createWebSocketServer() {
  throw new Error('WebSocketServer is not implemented yet')
}

module.exports = { createWebSocketServer }
