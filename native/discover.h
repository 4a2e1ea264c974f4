// discover(uri, timeoutMs): GstDiscoverer in sync mode on a libuv worker thread (raw napi async
// work), so probing a slow RTSP camera never blocks the JS event loop. The completion uses raw
// Node-API with status checks only, so a worker terminated mid-probe cannot abort the process.
#pragma once

#include <napi.h>

namespace va {

Napi::Value Discover(const Napi::CallbackInfo& info);

}  // namespace va
