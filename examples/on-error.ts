// From api-reference.md: the example of on(type: 'error', callback: ErrorCallback): void.
// Unchanged. Run: see examples/README.md.

import { webSocket } from '@kit.NetworkKit';
import { BusinessError } from '@kit.BasicServicesKit';

let ws = webSocket.createWebSocket();
ws.on('error', (err: BusinessError) => {
  console.log("on error, error:" + JSON.stringify(err))
});
