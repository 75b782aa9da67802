// `@ohos.base` for `import`: the same objects as the CommonJS shim.
import base from './ohos.base.cjs';

export const { BusinessError, Callback, ErrorCallback, AsyncCallback } = base;
