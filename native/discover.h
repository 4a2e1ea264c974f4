// discover(uri, timeoutMs): GstDiscoverer in sync mode on a libuv worker thread (an AsyncWorker),
// so probing a slow RTSP camera never blocks the JS event loop.
#pragma once

#include <napi.h>

namespace va {

Napi::Value Discover(const Napi::CallbackInfo& info);

}  // namespace va
