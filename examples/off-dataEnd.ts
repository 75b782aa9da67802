// From api-reference.md: the example of off(type: 'dataEnd', callback?: Callback<void>): void.
// Unchanged. Run: see examples/README.md.

import { webSocket } from '@kit.NetworkKit';

let ws = webSocket.createWebSocket();
ws.off('dataEnd');
