// From api-reference.md: the example of off(type: 'error', callback?: ErrorCallback): void.
// Unchanged. Run: see examples/README.md.

import { webSocket } from '@kit.NetworkKit';

let ws = webSocket.createWebSocket();
ws.off('error');
