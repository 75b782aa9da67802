// From api-reference.md: the example of createWebSocket(): WebSocket.
// Unchanged. Run: see examples/README.md.
// The reference shows this line without its import; the "Modules to Import" line is added.

import { webSocket } from '@kit.NetworkKit';
let ws: webSocket.WebSocket = webSocket.createWebSocket();
