// A one-shot delivery from a native thread to the JS thread (a raw ThreadSafeFunction) that stays
// safe when the env goes away first (worker terminate, env teardown): Node deletes a TSFN at env
// teardown even while threads still hold it, so every call is made under a mutex after checking a
// flag that the TSFN's finalizer clears.
#pragma once

#include <node_api.h>

#include <memory>
#include <mutex>

namespace va {

class Completion {
 public:
  /** JS thread. env is null when the TSFN is torn down with the payload still queued: free it then. */
  using Handler = void (*)(napi_env env, void* payload);

  /** JS thread. nullptr when the TSFN cannot be created. Keeps the event loop alive until delivered. */
  static std::shared_ptr<Completion> create(napi_env env, const char* name, Handler handler);

  /** Any thread, at most once: queues payload for the handler. False (payload not taken) when JS is gone. */
  bool deliver(void* payload);

  /** Any thread: later deliver() calls fail (teardown paths that finish the work themselves). */
  void abandon();

 private:
  static void finalize(napi_env env, void* data, void* hint);
  static void callJs(napi_env env, napi_value fn, void* context, void* data);

  std::mutex mutex_;
  napi_threadsafe_function tsfn_ = nullptr;
  bool alive_ = false;  // the TSFN exists and has not been released
  Handler handler_ = nullptr;
};

}  // namespace va
