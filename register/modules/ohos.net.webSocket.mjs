// `@ohos.net.webSocket` for `import`: the webSocket namespace object as the default export, its members as
// named exports.
import webSocket from '../../index.mjs';

export default webSocket;
export { createWebSocket, createWebSocketServer, TlsProtocol } from '../../index.mjs';
