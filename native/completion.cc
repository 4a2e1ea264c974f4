#include "completion.h"

#include "js_call.h"

namespace va {

namespace {
// The handler travels with the payload: Node runs the finalizer (which may free the Completion)
// before it hands still-queued items to callJs with a null env.
struct Envelope {
  Completion::Handler handler;
  void* payload;
};
}  // namespace

std::shared_ptr<Completion> Completion::create(napi_env env, const char* name, Handler handler) {
  auto self = std::make_shared<Completion>();
  self->handler_ = handler;
  // The finalizer owns one reference, so the object outlives the TSFN whichever goes first.
  auto* holder = new std::shared_ptr<Completion>(self);
  napi_value resourceName = jsString(env, name);
  if (resourceName == nullptr ||
      napi_create_threadsafe_function(env, nullptr, nullptr, resourceName, 0, 1, holder, &Completion::finalize, nullptr,
                                      &Completion::callJs, &self->tsfn_) != napi_ok) {
    delete holder;
    return nullptr;
  }
  self->alive_ = true;
  return self;
}

bool Completion::deliver(void* payload) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!alive_) return false;
  alive_ = false;
  auto* envelope = new Envelope{handler_, payload};
  bool queued = napi_call_threadsafe_function(tsfn_, envelope, napi_tsfn_nonblocking) == napi_ok;
  if (!queued) delete envelope;
  napi_release_threadsafe_function(tsfn_, napi_tsfn_release);
  return queued;
}

void Completion::abandon() {
  std::lock_guard<std::mutex> lock(mutex_);
  alive_ = false;  // the TSFN itself goes at env teardown
}

void Completion::finalize(napi_env, void* data, void*) {
  auto* holder = static_cast<std::shared_ptr<Completion>*>(data);
  {
    std::lock_guard<std::mutex> lock((*holder)->mutex_);
    (*holder)->alive_ = false;
  }
  delete holder;
}

void Completion::callJs(napi_env env, napi_value, void*, void* data) {
  std::unique_ptr<Envelope> envelope(static_cast<Envelope*>(data));
  envelope->handler(env, envelope->payload);
}

}  // namespace va
