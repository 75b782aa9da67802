// From api-reference.md: the example of off(type: 'headerReceive', callback?: Callback<ResponseHeaders>): void.
// Unchanged. Run: see examples/README.md.

import { webSocket } from '@kit.NetworkKit';

let ws = webSocket.createWebSocket();
ws.off('headerReceive');
