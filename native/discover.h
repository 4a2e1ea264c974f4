// discover(uri, timeoutMs): GstDiscoverer in sync mode on a thread of its own (not the libuv pool:
// a hanging camera must not hold a thread that fs, DNS and crypto need), so probing never blocks
// the JS event loop. The result comes back through a Completion (raw, status-checked Node-API), so
// a worker terminated mid-probe cannot abort the process.
#pragma once

#include <napi.h>

namespace va {

Napi::Value Discover(const Napi::CallbackInfo& info);

}  // namespace va
