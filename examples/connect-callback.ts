// From api-reference.md: the example of connect(url: string, callback: AsyncCallback<boolean>): void.
// Unchanged but for the server URL "ws://", read from WS_URL here. Run: see examples/README.md.

import { webSocket } from '@kit.NetworkKit';
import { BusinessError } from '@kit.BasicServicesKit';

let ws = webSocket.createWebSocket();
let url = process.env.WS_URL ?? "ws://";
ws.connect(url, (err: BusinessError, value: boolean) => {
  if (!err) {
    console.log("connect success");
  } else {
    console.log("connect fail, err:" + JSON.stringify(err));
  }
});
