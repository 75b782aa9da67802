// From api-reference.md: the example of off(type: 'message', callback?: AsyncCallback<string | ArrayBuffer>): void.
// Unchanged. Run: see examples/README.md.

import { webSocket } from '@kit.NetworkKit';

let ws = webSocket.createWebSocket();
ws.off('message');
