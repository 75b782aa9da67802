// From api-reference.md: the example of on(type: 'headerReceive', callback: Callback<ResponseHeaders>): void.
// Unchanged. Run: see examples/README.md.

import { webSocket } from '@kit.NetworkKit';

let ws = webSocket.createWebSocket();
ws.on('headerReceive', (data) => {
  console.log("on headerReceive " + JSON.stringify(data));
});
