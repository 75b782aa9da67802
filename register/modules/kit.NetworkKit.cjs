'use strict';
// `@kit.NetworkKit` for `require`: of the kit, only `webSocket` (and this package's top-level names).
const { webSocket, createWebSocket, createWebSocketServer, TlsProtocol } = require('../../index.js');

module.exports = { webSocket, createWebSocket, createWebSocketServer, TlsProtocol };
