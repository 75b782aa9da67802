// Declarations of the ArkTS module names that `ohos-websocket/register` makes resolvable at run time, so
// that code ported from ArkTS type-checks without edits. Add them with tsconfig.json:
//   "compilerOptions": { "types": ["node", "ohos-websocket/types"] }
// This file is a global script on purpose: its `declare module` blocks are ambient module declarations.

/**
 * OpenHarmony's Network Kit. Of the kit, this package provides `webSocket` (plus its own top-level
 * `createWebSocket`, `createWebSocketServer`, `TlsProtocol`).
 */
declare module '@kit.NetworkKit' {
  export { webSocket, createWebSocket, createWebSocketServer, TlsProtocol } from 'ohos-websocket';
}

/**
 * OpenHarmony's `@ohos.net.webSocket` module: `import webSocket from '@ohos.net.webSocket'`.
 */
declare module '@ohos.net.webSocket' {
  import { webSocket } from 'ohos-websocket';
  /** The `webSocket` namespace: `createWebSocket`, `createWebSocketServer`, `TlsProtocol` and the types. */
  export default webSocket;
  export { createWebSocket, createWebSocketServer, TlsProtocol } from 'ohos-websocket';
}

/**
 * OpenHarmony's Basic Services Kit. Of the kit, this package provides what `@ohos.base` declares:
 * `BusinessError`, `Callback`, `ErrorCallback`, `AsyncCallback`.
 */
declare module '@kit.BasicServicesKit' {
  export { BusinessError, Callback, ErrorCallback, AsyncCallback } from 'ohos-websocket';
}

/**
 * OpenHarmony's `@ohos.base`: `BusinessError`, `Callback`, `ErrorCallback`, `AsyncCallback`.
 */
declare module '@ohos.base' {
  export { BusinessError, Callback, ErrorCallback, AsyncCallback } from 'ohos-websocket';
}
