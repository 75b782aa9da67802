// `@kit.BasicServicesKit` for `import`: of the kit, only what `@ohos.base` provides.
export { BusinessError, Callback, ErrorCallback, AsyncCallback } from './ohos.base.mjs';
