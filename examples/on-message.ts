// From api-reference.md: the example of on(type: 'message', callback: AsyncCallback<string | ArrayBuffer>): void.
// Unchanged. Run: see examples/README.md.

import { webSocket } from '@kit.NetworkKit';
import { BusinessError } from '@kit.BasicServicesKit';

let ws = webSocket.createWebSocket();
ws.on('message', (err: BusinessError<void>, value: string | ArrayBuffer) => {
  console.log("on message, message:" + value);
});
