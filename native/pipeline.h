// NativePipeline: one parsed GStreamer pipeline exposed to JS. It only moves buffers and events:
// appsink samples are pulled by JS on demand, bus messages are forwarded, appsrc buffers are pushed.
// Threading (no GMainLoop): streaming threads never call JS; they set an atomic flag and make at
// most one NonBlockingCall per sink until JS has been notified (coalescing), and the bus sync
// handler copies messages into a second ThreadSafeFunction.
#pragma once

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus_event.h"
#include "completion.h"

namespace va {

struct SinkState;

/** Passed to the sample TSFN: keeps its sink state alive until JS has seen the notice. */
struct SampleNotice {
  std::shared_ptr<SinkState> sink;
};

void callSampleReady(Napi::Env env, Napi::Function jsCallback, std::nullptr_t* ctx, SampleNotice* notice);
void callBus(Napi::Env env, Napi::Function jsCallback, std::nullptr_t* ctx, BusNotice* notice);

using SampleTsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, SampleNotice, callSampleReady>;
using BusTsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, BusNotice, callBus>;

/**
 * What streaming threads may touch. A call into a TSFN happens under `mutex` after checking `live`,
 * and close() clears `live` under it, so once close() returns no thread (a streaming thread, the
 * bus sync handler on whatever thread posts) can be inside or enter a TSFN call; only then are the
 * TSFNs released.
 */
struct SharedChannels {
  SampleTsfn sampleTsfn;
  BusTsfn busTsfn;
  std::mutex mutex;
  std::atomic<bool> live{false};
  GstElement* pipeline = nullptr;
  /** Forwarded bus events until JS takes them (shared with the notices in flight). */
  std::shared_ptr<BusQueue> busQueue = std::make_shared<BusQueue>();

  void close() {
    std::lock_guard<std::mutex> lock(mutex);
    live.store(false, std::memory_order_release);
  }
};

struct SinkState : std::enable_shared_from_this<SinkState> {
  std::string name;
  GstAppSink* sink = nullptr;            // owned ref, released by stop
  SharedChannels* channels = nullptr;    // valid while the pipeline is not NULL
  std::atomic<bool> notifyPending{false};
  std::atomic<uint64_t> accepted{0};     // samples that entered the appsink queue (new-sample)
  // JS-thread only (raw counters; src/gst/sink-stream.ts estimates drops from them):
  uint64_t pulled = 0;
  uint64_t acceptedAtEmpty = 0;          // `accepted` read before the last pull that found the queue empty
  uint64_t pulledAtEmpty = 0;            // `pulled` at that moment
  GstCaps* lastCaps = nullptr;           // ref held so the pointer cannot be reused while cached
  std::string lastCapsString;
};

/** A leaky queue: every `overrun` while it is full makes it discard (at least) one buffer. */
struct LeakyQueue {
  std::string name;
  GstElement* queue = nullptr;  // owned ref
  gulong handler = 0;
  std::atomic<uint64_t> overruns{0};
};

/** gst_parse_launch calls since the addon loaded (process-wide), for tests that count parses. */
Napi::Value ParseCount(const Napi::CallbackInfo& info);

class Pipeline : public Napi::ObjectWrap<Pipeline> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Pipeline(const Napi::CallbackInfo& info);
  ~Pipeline() override;

  /** Stops GStreamer without touching JS (env teardown, process exit). */
  void teardownWithoutJs();
  /**
   * From C exit() after process.exit(), on the exiting thread, with the process-exit registry locked
   * (the owner, maybe a worker thread, cannot release or free this pipeline meanwhile): the env is
   * half gone, so only GStreamer is stopped; nothing owned by the JS thread is touched.
   */
  void teardownAtProcessExit();

 private:
  Napi::Value Play(const Napi::CallbackInfo& info);
  Napi::Value Pause(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);
  Napi::Value AppSinks(const Napi::CallbackInfo& info);
  Napi::Value AppSrcs(const Napi::CallbackInfo& info);
  Napi::Value Pull(const Napi::CallbackInfo& info);
  Napi::Value Push(const Napi::CallbackInfo& info);
  Napi::Value EndOfStream(const Napi::CallbackInfo& info);
  Napi::Value SendEos(const Napi::CallbackInfo& info);
  Napi::Value SrcLevel(const Napi::CallbackInfo& info);
  Napi::Value SinkSettings(const Napi::CallbackInfo& info);
  Napi::Value ConfigureSink(const Napi::CallbackInfo& info);
  Napi::Value SinkCounters(const Napi::CallbackInfo& info);
  Napi::Value QueueDrops(const Napi::CallbackInfo& info);
  Napi::Value ConfigureBus(const Napi::CallbackInfo& info);
  Napi::Value BusCounters(const Napi::CallbackInfo& info);
  Napi::Value Position(const Napi::CallbackInfo& info);
  Napi::Value Duration(const Napi::CallbackInfo& info);
  Napi::Value Seek(const Napi::CallbackInfo& info);

  void startChannels(Napi::Env env);
  void changeState(Napi::Env env, GstState state);
  SinkState* findSink(Napi::Env env, const Napi::Value& name);
  GstAppSrc* findSrc(Napi::Env env, const Napi::Value& name);
  void releaseGstObjects();
  void finishStop(napi_env env);
  static void onStopped(napi_env env, void* payload);
  static void onEnvTeardown(void* arg);

  GstElement* pipeline_ = nullptr;
  std::vector<std::shared_ptr<SinkState>> sinks_;
  std::vector<std::pair<std::string, GstAppSrc*>> srcs_;
  std::vector<std::unique_ptr<LeakyQueue>> leakyQueues_;
  std::unique_ptr<SharedChannels> channels_;
  Napi::FunctionReference onBus_;
  Napi::FunctionReference onSampleReady_;
  napi_env env_ = nullptr;
  bool started_ = false;     // TSFNs exist and the JS object is referenced
  bool stopped_ = false;
  bool hookRegistered_ = false;
  bool tsfnRefed_ = true;
  // An asynchronous stop(): set_state(NULL) runs on stopThread_ (rtspsrc may wait on a dead network
  // for its TEARDOWN); finishStop() completes on the JS thread.
  std::thread stopThread_;
  std::shared_ptr<Completion> stopDone_;
  napi_deferred stopDeferred_ = nullptr;
};

}  // namespace va
