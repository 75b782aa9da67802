// From api-reference.md: the example of on(type: 'close', callback: AsyncCallback<CloseResult>): void.
// Unchanged. Run: see examples/README.md.

import { webSocket } from '@kit.NetworkKit';
import { BusinessError } from '@kit.BasicServicesKit';

let ws = webSocket.createWebSocket();
ws.on('close', (err: BusinessError, value: webSocket.CloseResult) => {
  console.log("on close, code is " + value.code + ", reason is " + value.reason);
});
