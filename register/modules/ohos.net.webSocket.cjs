'use strict';
// `@ohos.net.webSocket` for `require`. ArkTS writes `import webSocket from '@ohos.net.webSocket'`; compiled
// to CommonJS that reads `.default`, with or without esModuleInterop, so the module is marked __esModule and
// carries `default`. Plain `require('@ohos.net.webSocket').createWebSocket()` works as well.
const { webSocket } = require('../../index.js');

Object.defineProperty(exports, '__esModule', { value: true });
exports.default = webSocket;
exports.createWebSocket = webSocket.createWebSocket;
exports.createWebSocketServer = webSocket.createWebSocketServer;
exports.TlsProtocol = webSocket.TlsProtocol;
