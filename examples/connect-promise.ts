// From api-reference.md: the example of connect(url: string, options?: WebSocketRequestOptions): Promise<boolean>.
// Unchanged but for the server URL "ws://", read from WS_URL here. Run: see examples/README.md.

import { webSocket } from '@kit.NetworkKit';

let ws = webSocket.createWebSocket();
let url = process.env.WS_URL ?? "ws://"
let promise = ws.connect(url);
promise.then((value: boolean) => {
  console.log("connect success")
}).catch((err:string) => {
  console.log("connect fail, error:" + JSON.stringify(err))
});
