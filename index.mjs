// ESM entry: the same objects as the CommonJS entry.
import ohos from './index.js'

export const { webSocket, createWebSocket, createWebSocketServer, TlsProtocol } = ohos
export default webSocket
