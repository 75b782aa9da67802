'use strict';
// `@kit.BasicServicesKit` for `require`: of the kit, only what `@ohos.base` provides.
module.exports = require('./ohos.base.cjs');
