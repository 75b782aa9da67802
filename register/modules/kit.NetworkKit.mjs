// `@kit.NetworkKit` for `import`: of the kit, only `webSocket` (and this package's top-level names).
export { webSocket, createWebSocket, createWebSocketServer, TlsProtocol } from '../../index.mjs';
