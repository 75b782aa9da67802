// `node --import ohos-websocket/register app.js`: makes the ArkTS module specifiers `@kit.NetworkKit`,
// `@ohos.net.webSocket`, `@kit.BasicServicesKit` (and `@ohos.base`) resolve to this package, for ESM
// `import` and CommonJS `require` alike, so that code ported from ArkTS runs without edits.
//
// It must be loaded before the application (with --import, or NODE_OPTIONS="--import ohos-websocket/register"):
// a static `import 'ohos-websocket/register'` in the application itself comes too late for that module's
// own imports.
import Module, { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { shimFor } from './shims.mjs';

// ESM: customization hooks. `module.register` appeared in Node 20.6.
if (typeof register === 'function') {
  register('./hooks.mjs', import.meta.url);
} else {
  process.emitWarning(
    `ohos-websocket/register needs Node >= 20.6 for ESM imports of ArkTS modules (this is ${process.version}); ` +
      'only require() is redirected.',
    { code: 'OHOS_WEBSOCKET_REGISTER' },
  );
}

// CommonJS: `require` does not consult the ESM hooks on Node 20, so redirect its resolution. Patching
// Module._resolveFilename is what module-alias and tsconfig-paths do too; it leaves every other request alone.
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveArkTsModule(request, ...rest) {
  const shim = typeof request === 'string' ? shimFor(request, 'require') : undefined;
  if (shim !== undefined) return fileURLToPath(shim);
  return resolveFilename.call(this, request, ...rest);
};
