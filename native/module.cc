// Entry point of video_agent_native.node: initialises GStreamer once and exports the API declared
// in native/index.d.ts.
#include <dlfcn.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <napi.h>

#include <mutex>

#include "discover.h"
#include "pipeline.h"
#include "process_exit.h"

namespace {

Napi::Value GstVersion(const Napi::CallbackInfo& info) {
  gchar* v = gst_version_string();
  Napi::String out = Napi::String::New(info.Env(), v);
  g_free(v);
  return out;
}

// Node dlclose()s an addon when the last env that loaded it goes away (a worker_thread that
// terminates). Probe and teardown threads (discover.cc, pipeline.cc) may outlive that env, and so
// may the atexit handler: keep this library mapped for the life of the process.
void pinLibrary() {
  Dl_info self;
  if (dladdr(reinterpret_cast<void*>(&pinLibrary), &self) != 0 && self.dli_fname != nullptr) {
    dlopen(self.dli_fname, RTLD_LAZY | RTLD_NODELETE);  // the handle is never closed, on purpose
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  static std::once_flag pinned;
  std::call_once(pinned, pinLibrary);
  GError* err = nullptr;
  if (!gst_init_check(nullptr, nullptr, &err)) {
    std::string message = std::string("GStreamer failed to initialise: ") + (err != nullptr ? err->message : "unknown");
    if (err != nullptr) g_error_free(err);
    throw Napi::Error::New(env, message);
  }
  gst_pb_utils_init();
  va::installProcessExitHandler();
  exports.Set("NativePipeline", va::Pipeline::Init(env));
  exports.Set("discover", Napi::Function::New(env, va::Discover, "discover"));
  exports.Set("parseCount", Napi::Function::New(env, va::ParseCount, "parseCount"));
  exports.Set("gstVersion", Napi::Function::New(env, GstVersion, "gstVersion"));
  return exports;
}

}  // namespace

NODE_API_MODULE(video_agent_native, Init)
