#include "pipeline.h"

#include <algorithm>
#include <cmath>
#include <system_error>

#include "gst_error.h"
#include "js_call.h"
#include "process_exit.h"

namespace va {

namespace {

std::atomic<uint64_t> parseCount{0};

double nsOrMinusOne(GstClockTime t) { return GST_CLOCK_TIME_IS_VALID(t) ? static_cast<double>(t) : -1.0; }

// Streaming thread: count the sample and make one coalesced notification until JS has seen it.
GstFlowReturn onNewSample(GstAppSink*, gpointer userData) {
  auto* s = static_cast<SinkState*>(userData);
  s->accepted.fetch_add(1, std::memory_order_relaxed);
  SharedChannels* ch = s->channels;
  if (ch == nullptr || !ch->live.load(std::memory_order_acquire)) return GST_FLOW_OK;
  if (!s->notifyPending.exchange(true)) {
    std::lock_guard<std::mutex> lock(ch->mutex);  // the TSFN cannot be released while we call it
    if (!ch->live.load(std::memory_order_acquire)) return GST_FLOW_OK;
    auto* notice = new SampleNotice{s->shared_from_this()};
    if (ch->sampleTsfn.NonBlockingCall(notice) != napi_ok) {
      delete notice;
      s->notifyPending.store(false);
    }
  }
  return GST_FLOW_OK;
}

// Whatever thread posts: copy forwarded messages into the bounded bus queue and make one coalesced
// notification until JS has drained it; drop everything (no bus watch). A sync handler returning
// GST_BUS_DROP owns the message and must unref it (else every message, and through its source the
// whole pipeline, leaks).
GstBusSyncReply onBusSync(GstBus*, GstMessage* msg, gpointer userData) {
  auto* ch = static_cast<SharedChannels*>(userData);
  if (ch->live.load(std::memory_order_acquire)) {
    std::unique_ptr<BusEvent> ev = busEventFromMessage(msg, ch->pipeline);
    if (ev) {
      // Checked again under the lock: stop() may have closed the channels (and be about to release
      // the TSFN) since the first check, and a sync handler can still be running after it is removed.
      std::lock_guard<std::mutex> lock(ch->mutex);
      if (ch->live.load(std::memory_order_acquire)) {
        ch->busQueue->push(std::move(ev));
        if (!ch->busQueue->notifyPending.exchange(true)) {
          auto* notice = new BusNotice{ch->busQueue};
          if (ch->busTsfn.NonBlockingCall(notice) != napi_ok) {
            delete notice;
            ch->busQueue->notifyPending.store(false);
          }
        }
      }
    }
  }
  gst_message_unref(msg);
  return GST_BUS_DROP;
}

// Streaming thread, queue lock held: only count (reading properties here would deadlock).
void onQueueOverrun(GstElement*, gpointer userData) {
  static_cast<LeakyQueue*>(userData)->overruns.fetch_add(1, std::memory_order_relaxed);
}

bool isLeakyQueue(GstElement* el) {
  GstElementFactory* factory = gst_element_get_factory(el);
  if (factory == nullptr || g_strcmp0(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)), "queue") != 0) {
    return false;
  }
  gint leaky = 0;
  g_object_get(el, "leaky", &leaky, nullptr);
  return leaky != 0;
}

void installSampleCallback(SinkState* s, bool enabled) {
  GstAppSinkCallbacks callbacks = {};  // empty struct, never NULL (GStreamer reads its fields)
  if (enabled) callbacks.new_sample = onNewSample;
  gst_app_sink_set_callbacks(s->sink, &callbacks, enabled ? s : nullptr, nullptr);
}

double requireNumber(Napi::Env env, const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

std::string requireString(Napi::Env env, const Napi::Value& v, const char* what) {
  if (!v.IsString()) throw Napi::TypeError::New(env, std::string(what) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

/** Owns a pulled sample. */
class SampleRef {
 public:
  explicit SampleRef(GstSample* sample) : sample_(sample) {}
  ~SampleRef() { gst_sample_unref(sample_); }
  SampleRef(const SampleRef&) = delete;
  SampleRef& operator=(const SampleRef&) = delete;

 private:
  GstSample* sample_;
};

/** A read mapping of a buffer (possibly null), unmapped on scope exit. */
class BufferMap {
 public:
  explicit BufferMap(GstBuffer* buffer) : buffer_(buffer) { mapped_ = buffer != nullptr && gst_buffer_map(buffer, &map_, GST_MAP_READ); }
  ~BufferMap() {
    if (mapped_) gst_buffer_unmap(buffer_, &map_);
  }
  BufferMap(const BufferMap&) = delete;
  BufferMap& operator=(const BufferMap&) = delete;
  bool ok() const { return mapped_; }
  const uint8_t* data() const { return map_.data; }
  size_t size() const { return map_.size; }

 private:
  GstBuffer* buffer_;
  GstMapInfo map_{};
  bool mapped_ = false;
};

/** Optional time argument in ns: absent/undefined/-1 = none; anything else a finite value >= 0 that fits. */
GstClockTime clockTimeArg(Napi::Env env, const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || info[i].IsUndefined()) return GST_CLOCK_TIME_NONE;
  double v = requireNumber(env, info[i], what);
  if (v == -1) return GST_CLOCK_TIME_NONE;
  // 2^63: well past any media time and below GST_CLOCK_TIME_NONE (2^64 - 1).
  if (!std::isfinite(v) || v < 0 || v >= 9223372036854775808.0) {
    throw Napi::RangeError::New(env, std::string(what) + " must be a finite number of ns >= 0 (or -1 for none)");
  }
  return static_cast<GstClockTime>(v);
}

}  // namespace

// TSFN callbacks use raw Node-API only (js_call.h): they may run while a worker is terminating,
// when any node-addon-api failure would abort the process. env is null when the TSFN is torn down
// with items still queued.
void callSampleReady(Napi::Env env, Napi::Function jsCallback, std::nullptr_t*, SampleNotice* notice) {
  std::unique_ptr<SampleNotice> owned(notice);
  owned->sink->notifyPending.store(false);  // before JS drains: a sample arriving now notifies again
  if (env == nullptr || jsCallback == nullptr) return;
  callJsQuietly(env, jsCallback, jsString(env, owned->sink->name));
}

void callBus(Napi::Env env, Napi::Function jsCallback, std::nullptr_t*, BusNotice* notice) {
  std::unique_ptr<BusNotice> owned(notice);
  owned->queue->notifyPending.store(false);  // before taking: an event posted now notifies again
  std::deque<std::unique_ptr<BusEvent>> events = owned->queue->take();
  if (env == nullptr || jsCallback == nullptr) return;
  for (const auto& ev : events) callJsQuietly(env, jsCallback, busEventToJs(env, *ev));
}

Napi::Function Pipeline::Init(Napi::Env env) {
  return DefineClass(env, "NativePipeline",
                     {
                         InstanceMethod<&Pipeline::Play>("play"),
                         InstanceMethod<&Pipeline::Pause>("pause"),
                         InstanceMethod<&Pipeline::Stop>("stop"),
                         InstanceMethod<&Pipeline::Ref>("ref"),
                         InstanceMethod<&Pipeline::Unref>("unref"),
                         InstanceMethod<&Pipeline::AppSinks>("appsinks"),
                         InstanceMethod<&Pipeline::AppSrcs>("appsrcs"),
                         InstanceMethod<&Pipeline::Pull>("pull"),
                         InstanceMethod<&Pipeline::Push>("push"),
                         InstanceMethod<&Pipeline::EndOfStream>("endOfStream"),
                         InstanceMethod<&Pipeline::SendEos>("sendEos"),
                         InstanceMethod<&Pipeline::SrcLevel>("srcLevel"),
                         InstanceMethod<&Pipeline::SinkSettings>("sinkSettings"),
                         InstanceMethod<&Pipeline::ConfigureSink>("configureSink"),
                         InstanceMethod<&Pipeline::SinkCounters>("sinkCounters"),
                         InstanceMethod<&Pipeline::QueueDrops>("queueDrops"),
                         InstanceMethod<&Pipeline::ConfigureBus>("configureBus"),
                         InstanceMethod<&Pipeline::BusCounters>("busCounters"),
                         InstanceMethod<&Pipeline::Position>("position"),
                         InstanceMethod<&Pipeline::Duration>("duration"),
                         InstanceMethod<&Pipeline::Seek>("seek"),
                     });
}

Pipeline::Pipeline(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Pipeline>(info) {
  Napi::Env env = info.Env();
  env_ = env;
  std::string launch = requireString(env, info[0], "launch");
  if (!info[1].IsFunction() || !info[2].IsFunction()) {
    throw Napi::TypeError::New(env, "NativePipeline(launch, onBus, onSampleReady): callbacks must be functions");
  }
  onBus_ = Napi::Persistent(info[1].As<Napi::Function>());
  onSampleReady_ = Napi::Persistent(info[2].As<Napi::Function>());

  GError* err = nullptr;
  parseCount.fetch_add(1, std::memory_order_relaxed);
  GstElement* parsed = gst_parse_launch_full(launch.c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (err != nullptr || parsed == nullptr) {
    GstErrorInfo e;
    fillFromGError(e, err, false);
    if (err == nullptr) e.code = "parse_error";
    if (err != nullptr) g_error_free(err);
    if (parsed != nullptr) gst_object_unref(parsed);
    napi_value error = makeJsError(env, e);
    if (error == nullptr) throw Napi::Error::New(env, e.code);
    throw Napi::Error(env, error);
  }
  if (GST_IS_PIPELINE(parsed)) {
    pipeline_ = parsed;
  } else {  // a single element: wrap it so it has a bus and a clock
    pipeline_ = gst_pipeline_new(nullptr);
    gst_bin_add(GST_BIN(pipeline_), parsed);
  }
  gst_object_ref_sink(pipeline_);

  channels_ = std::make_unique<SharedChannels>();
  channels_->pipeline = pipeline_;

  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(pipeline_));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto* el = GST_ELEMENT(g_value_get_object(&item));
    gchar* name = gst_element_get_name(el);
    if (GST_IS_APP_SINK(el)) {
      auto s = std::make_shared<SinkState>();
      s->name = name;
      s->sink = GST_APP_SINK(gst_object_ref(el));
      s->channels = channels_.get();
      installSampleCallback(s.get(), true);
      sinks_.push_back(std::move(s));
    } else if (GST_IS_APP_SRC(el)) {
      srcs_.emplace_back(name, GST_APP_SRC(gst_object_ref(el)));
    } else if (isLeakyQueue(el)) {
      auto q = std::make_unique<LeakyQueue>();
      q->name = name;
      q->queue = GST_ELEMENT(gst_object_ref(el));
      q->handler = g_signal_connect(el, "overrun", G_CALLBACK(onQueueOverrun), q.get());
      leakyQueues_.push_back(std::move(q));
    }
    g_free(name);
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  // gst_bin_iterate_recurse yields sinks first; report them in launch order instead.
  std::reverse(sinks_.begin(), sinks_.end());
  std::reverse(srcs_.begin(), srcs_.end());
  std::reverse(leakyQueues_.begin(), leakyQueues_.end());
}

Pipeline::~Pipeline() {
  // Never call JS or release TSFNs here (this may run during env teardown).
  teardownWithoutJs();
}

void Pipeline::startChannels(Napi::Env env) {
  if (started_) return;
  channels_->sampleTsfn = SampleTsfn::New(env, onSampleReady_.Value(), "video-agent:sample", 0, 1);
  channels_->busTsfn = BusTsfn::New(env, onBus_.Value(), "video-agent:bus", 0, 1);
  if (!tsfnRefed_) {
    channels_->sampleTsfn.Unref(env);
    channels_->busTsfn.Unref(env);
  }
  channels_->live.store(true, std::memory_order_release);
  GstBus* bus = gst_element_get_bus(pipeline_);
  gst_bus_set_sync_handler(bus, onBusSync, channels_.get(), nullptr);
  gst_object_unref(bus);
  // Registered after the TSFNs, so it runs before their own cleanup (hooks run in reverse order).
  napi_add_env_cleanup_hook(env, &Pipeline::onEnvTeardown, this);
  hookRegistered_ = true;
  registerForProcessExit(this);
  Napi::ObjectWrap<Pipeline>::Ref();  // a playing pipeline must not be collected under its threads
  started_ = true;
}

void Pipeline::changeState(Napi::Env env, GstState state) {
  if (stopped_) throw Napi::Error::New(env, "pipeline is stopped (pipelines are single-use)");
  startChannels(env);
  // A failure is also posted on the bus as an ERROR naming the element; JS gets it there.
  gst_element_set_state(pipeline_, state);
}

Napi::Value Pipeline::Play(const Napi::CallbackInfo& info) {
  changeState(info.Env(), GST_STATE_PLAYING);
  return info.Env().Undefined();
}

Napi::Value Pipeline::Pause(const Napi::CallbackInfo& info) {
  changeState(info.Env(), GST_STATE_PAUSED);
  return info.Env().Undefined();
}

// Returns a Promise resolved once the pipeline is in NULL and released. The NULL transition runs on
// a thread of its own (not the JS thread: rtspsrc's TEARDOWN over a dead network blocks it; not the
// libuv pool: fs, DNS and crypto need it); the TSFNs are released on the JS thread afterwards.
Napi::Value Pipeline::Stop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  napi_deferred deferred = nullptr;
  napi_value promise = nullptr;
  NAPI_THROW_IF_FAILED(env, napi_create_promise(env, &deferred, &promise), Napi::Value());
  auto resolveNow = [&] {
    napi_value undefined = nullptr;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, deferred, undefined);
    return Napi::Value(env, promise);
  };
  if (stopped_) return resolveNow();  // idempotent (src/gst keeps the first promise)
  if (!started_) {  // nothing runs: NULL from NULL is immediate
    teardownWithoutJs();
    onBus_.Reset();
    onSampleReady_.Reset();
    return resolveNow();
  }
  stopped_ = true;
  channels_->close();  // from here on no thread calls a TSFN
  std::shared_ptr<Completion> done = Completion::create(env, "video-agent:stop", &Pipeline::onStopped);
  if (!done) {  // cannot hand the wait to a thread: block as before rather than leak the pipeline
    teardownWithoutJs();
    finishStop(env);
    return resolveNow();
  }
  GstElement* pipeline = pipeline_;  // our ref is released by finishStop, after the join
  try {
    stopThread_ = std::thread([pipeline, done, self = this] {
      gst_element_set_state(pipeline, GST_STATE_NULL);  // joins the streaming threads
      GstBus* bus = gst_element_get_bus(pipeline);
      gst_bus_set_sync_handler(bus, nullptr, nullptr, nullptr);
      gst_object_unref(bus);
      // When JS is gone the env cleanup hook joins this thread and finishes without JS.
      done->deliver(self);
    });
  } catch (const std::system_error&) {  // no thread to be had: block rather than leak the pipeline
    done->abandon();
    teardownWithoutJs();
    finishStop(env);
    return resolveNow();
  }
  stopDone_ = done;
  stopDeferred_ = deferred;
  return Napi::Value(env, promise);
}

void Pipeline::onStopped(napi_env env, void* payload) {
  if (env == nullptr) return;  // env teardown: onEnvTeardown joins the thread and releases
  static_cast<Pipeline*>(payload)->finishStop(env);
}

// JS thread, once the pipeline is in NULL (stopThread_ done, or a synchronous teardown).
void Pipeline::finishStop(napi_env env) {
  if (stopThread_.joinable()) stopThread_.join();  // it has delivered: returns at once
  stopDone_.reset();
  unregisterForProcessExit(this);  // before the release: the atexit handler must not see it half gone
  releaseGstObjects();
  if (hookRegistered_) {
    napi_remove_env_cleanup_hook(env_, &Pipeline::onEnvTeardown, this);
    hookRegistered_ = false;
  }
  onBus_.Reset();
  onSampleReady_.Reset();
  if (stopDeferred_ != nullptr) {
    napi_value undefined = nullptr;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, stopDeferred_, undefined);
    stopDeferred_ = nullptr;
  }
  if (started_) {
    started_ = false;
    channels_->sampleTsfn.Release();
    channels_->busTsfn.Release();
    Napi::ObjectWrap<Pipeline>::Unref();  // last: referenced by startChannels
  }
}

// Env teardown, destructor, and stop() of a pipeline that never started. Never touches JS.
void Pipeline::teardownWithoutJs() {
  stopped_ = true;
  if (channels_) channels_->close();
  if (stopThread_.joinable()) {  // an asynchronous stop is in flight: its completion will not run
    if (stopDone_) stopDone_->abandon();
    stopThread_.join();
  } else if (pipeline_ != nullptr) {
    gst_element_set_state(pipeline_, GST_STATE_NULL);  // joins the streaming threads
    GstBus* bus = gst_element_get_bus(pipeline_);
    gst_bus_set_sync_handler(bus, nullptr, nullptr, nullptr);
    gst_object_unref(bus);
  }
  unregisterForProcessExit(this);
  releaseGstObjects();
  if (hookRegistered_) {
    napi_remove_env_cleanup_hook(env_, &Pipeline::onEnvTeardown, this);
    hookRegistered_ = false;
  }
}

void Pipeline::teardownAtProcessExit() {
  channels_->close();
  // Still registered, so pipeline_ is still ours. GStreamer serialises state changes, so this waits
  // for a NULL transition already running on the owner's side instead of racing it.
  if (pipeline_ != nullptr) gst_element_set_state(pipeline_, GST_STATE_NULL);
}

void Pipeline::onEnvTeardown(void* arg) {
  auto* self = static_cast<Pipeline*>(arg);
  self->hookRegistered_ = false;  // running now: must not be removed from inside itself
  self->teardownWithoutJs();
}

void Pipeline::releaseGstObjects() {
  for (auto& s : sinks_) {
    if (s->sink != nullptr) {
      installSampleCallback(s.get(), false);
      gst_object_unref(s->sink);
      s->sink = nullptr;
    }
    s->channels = nullptr;
    if (s->lastCaps != nullptr) {
      gst_caps_unref(s->lastCaps);
      s->lastCaps = nullptr;
    }
  }
  for (auto& q : leakyQueues_) {
    if (q->queue != nullptr) {
      g_signal_handler_disconnect(q->queue, q->handler);
      gst_object_unref(q->queue);
      q->queue = nullptr;
    }
  }
  for (auto& [name, src] : srcs_) {
    if (src != nullptr) gst_object_unref(src);
    src = nullptr;
  }
  if (pipeline_ != nullptr) {
    gst_object_unref(pipeline_);
    pipeline_ = nullptr;
  }
}

Napi::Value Pipeline::Ref(const Napi::CallbackInfo& info) {
  tsfnRefed_ = true;
  if (started_ && !stopped_) {
    channels_->sampleTsfn.Ref(info.Env());
    channels_->busTsfn.Ref(info.Env());
  }
  return info.Env().Undefined();
}

Napi::Value Pipeline::Unref(const Napi::CallbackInfo& info) {
  tsfnRefed_ = false;
  if (started_ && !stopped_) {
    channels_->sampleTsfn.Unref(info.Env());
    channels_->busTsfn.Unref(info.Env());
  }
  return info.Env().Undefined();
}

Napi::Value Pipeline::AppSinks(const Napi::CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(info.Env(), sinks_.size());
  for (size_t i = 0; i < sinks_.size(); i++) out.Set(static_cast<uint32_t>(i), sinks_[i]->name);
  return out;
}

Napi::Value Pipeline::AppSrcs(const Napi::CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(info.Env(), srcs_.size());
  for (size_t i = 0; i < srcs_.size(); i++) out.Set(static_cast<uint32_t>(i), srcs_[i].first);
  return out;
}

SinkState* Pipeline::findSink(Napi::Env env, const Napi::Value& nameValue) {
  std::string name = requireString(env, nameValue, "sink name");
  for (auto& s : sinks_) {
    if (s->name == name) return s.get();
  }
  throw Napi::Error::New(env, "no appsink named \"" + name + "\" in the pipeline");
}

GstAppSrc* Pipeline::findSrc(Napi::Env env, const Napi::Value& nameValue) {
  std::string name = requireString(env, nameValue, "appsrc name");
  for (auto& [n, src] : srcs_) {
    if (n == name) return src;
  }
  throw Napi::Error::New(env, "no appsrc named \"" + name + "\" in the pipeline");
}

Napi::Value Pipeline::Pull(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SinkState* s = findSink(env, info[0]);
  if (stopped_ || s->sink == nullptr) return env.Null();  // stopped or stopping
  // Read before pulling: if the queue turns out empty, every sample accepted before this point was
  // pulled or dropped (one arriving during the pull is not counted yet).
  uint64_t acceptedBefore = s->accepted.load();
  GstSample* sample = gst_app_sink_try_pull_sample(s->sink, 0);
  if (sample == nullptr) {
    s->acceptedAtEmpty = acceptedBefore;
    s->pulledAtEmpty = s->pulled;
    return env.Null();
  }
  SampleRef owned(sample);  // unreffed on every path, a throwing Buffer::Copy included
  s->pulled++;
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  GstCaps* caps = gst_sample_get_caps(sample);
  if (caps != s->lastCaps) {
    gst_caps_replace(&s->lastCaps, caps);
    gchar* str = caps != nullptr ? gst_caps_to_string(caps) : nullptr;
    s->lastCapsString = str != nullptr ? str : "";
    g_free(str);
  }
  Napi::Object out = Napi::Object::New(env);
  {
    BufferMap map(buffer);  // unmapped before the sample is unreffed (declared after it)
    // Copy: free for JPEG/PCM sizes, and a held Buffer must not pin a decoder pool buffer.
    out.Set("data", map.ok() ? Napi::Buffer<uint8_t>::Copy(env, map.data(), map.size()) : Napi::Buffer<uint8_t>::New(env, 0));
  }
  out.Set("pts", nsOrMinusOne(buffer != nullptr ? GST_BUFFER_PTS(buffer) : GST_CLOCK_TIME_NONE));
  out.Set("duration", nsOrMinusOne(buffer != nullptr ? GST_BUFFER_DURATION(buffer) : GST_CLOCK_TIME_NONE));
  out.Set("caps", s->lastCapsString);
  return out;
}

Napi::Value Pipeline::Push(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  GstAppSrc* src = findSrc(env, info[0]);
  if (!info[1].IsBuffer()) throw Napi::TypeError::New(env, "push(src, data): data must be a Buffer");
  // src/gst validates first; this is the defence for other callers (a NaN or +Infinity cast to
  // GstClockTime is undefined behaviour).
  GstClockTime pts = clockTimeArg(env, info, 2, "pts");
  GstClockTime duration = clockTimeArg(env, info, 3, "duration");
  if (src == nullptr || stopped_) return Napi::Boolean::New(env, false);
  auto data = info[1].As<Napi::Buffer<uint8_t>>();
  GstBuffer* buffer = gst_buffer_new_memdup(data.Data(), data.Length());
  GST_BUFFER_PTS(buffer) = pts;
  GST_BUFFER_DURATION(buffer) = duration;
  // Takes ownership. Never blocks unless the launch sets block=true on the appsrc (do not).
  GstFlowReturn ret = gst_app_src_push_buffer(src, buffer);
  return Napi::Boolean::New(env, ret == GST_FLOW_OK);
}

Napi::Value Pipeline::EndOfStream(const Napi::CallbackInfo& info) {
  GstAppSrc* src = findSrc(info.Env(), info[0]);
  if (src != nullptr) gst_app_src_end_of_stream(src);
  return info.Env().Undefined();
}

// An EOS event into the whole pipeline (GstBin hands it to every source element, which pushes it
// downstream): muxers finalise their files and the bus gets EOS once every sink has it. Only while
// started and not stopped; src/gst/pipeline.ts decides when and how long to wait for the EOS.
Napi::Value Pipeline::SendEos(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!started_ || stopped_ || pipeline_ == nullptr) return Napi::Boolean::New(env, false);
  // An appsink waits at EOS until its queue is pulled empty (wait-on-eos), and the bus EOS waits for every
  // sink: a consumer that stopped pulling (a stop) would hold the EOS back until the caller gives up. Its
  // queued samples stay pullable after EOS all the same.
  for (auto& s : sinks_) {
    if (s->sink != nullptr) g_object_set(s->sink, "wait-on-eos", FALSE, nullptr);
  }
  gboolean ok = gst_element_send_event(pipeline_, gst_event_new_eos());  // takes the event
  return Napi::Boolean::New(env, ok != FALSE);
}

Napi::Value Pipeline::SrcLevel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  GstAppSrc* src = findSrc(env, info[0]);
  Napi::Object out = Napi::Object::New(env);
  auto num = [&](guint64 v) { return Napi::Number::New(env, static_cast<double>(v)); };
  out.Set("bytes", num(src != nullptr ? gst_app_src_get_current_level_bytes(src) : 0));
  out.Set("buffers", num(src != nullptr ? gst_app_src_get_current_level_buffers(src) : 0));
  out.Set("maxBytes", num(src != nullptr ? gst_app_src_get_max_bytes(src) : 0));
  out.Set("maxBuffers", num(src != nullptr ? gst_app_src_get_max_buffers(src) : 0));
  return out;
}

Napi::Value Pipeline::SinkSettings(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SinkState* s = findSink(env, info[0]);
  Napi::Object out = Napi::Object::New(env);
  out.Set("maxBuffers", static_cast<double>(s->sink != nullptr ? gst_app_sink_get_max_buffers(s->sink) : 0));
  out.Set("drop", s->sink != nullptr && gst_app_sink_get_drop(s->sink));
  return out;
}

// Explicit values only: src/gst/pipeline.ts decides and validates them before they cross.
Napi::Value Pipeline::ConfigureSink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SinkState* s = findSink(env, info[0]);
  double maxBuffers = requireNumber(env, info[1], "maxBuffers");
  if (!info[2].IsBoolean()) throw Napi::TypeError::New(env, "drop must be a boolean");
  if (s->sink != nullptr) {
    gst_app_sink_set_max_buffers(s->sink, static_cast<guint>(maxBuffers));
    gst_app_sink_set_drop(s->sink, info[2].As<Napi::Boolean>().Value());
  }
  return env.Undefined();
}

Napi::Value Pipeline::SinkCounters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SinkState* s = findSink(env, info[0]);
  Napi::Object out = Napi::Object::New(env);
  out.Set("accepted", static_cast<double>(s->accepted.load()));
  out.Set("pulled", static_cast<double>(s->pulled));
  out.Set("acceptedAtEmpty", static_cast<double>(s->acceptedAtEmpty));
  out.Set("pulledAtEmpty", static_cast<double>(s->pulledAtEmpty));
  return out;
}

Napi::Value Pipeline::QueueDrops(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  for (const auto& q : leakyQueues_) out.Set(q->name, static_cast<double>(q->overruns.load()));
  return out;
}

// The bus queue's bound: src/gst validates it and sets it before play() (C++ has no default: 0 = unbounded).
Napi::Value Pipeline::ConfigureBus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double limit = requireNumber(env, info[0], "maxQueued");
  if (!std::isfinite(limit) || limit < 0 || limit != std::floor(limit) || limit > 1048576) {
    throw Napi::RangeError::New(env, "maxQueued must be an integer between 0 and 1048576");
  }
  std::lock_guard<std::mutex> lock(channels_->busQueue->mutex);
  channels_->busQueue->limit = static_cast<size_t>(limit);
  return env.Undefined();
}

// Raw counters of the bus queue; still readable after stop().
Napi::Value Pipeline::BusCounters(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  BusQueue& q = *channels_->busQueue;
  std::lock_guard<std::mutex> lock(q.mutex);
  out.Set("queued", static_cast<double>(q.events.size()));
  out.Set("peak", static_cast<double>(q.peak));
  out.Set("dropped", static_cast<double>(q.dropped));
  out.Set("limit", static_cast<double>(q.limit));
  return out;
}

Napi::Value Pipeline::Position(const Napi::CallbackInfo& info) {
  gint64 pos = -1;
  if (stopped_ || pipeline_ == nullptr || !gst_element_query_position(pipeline_, GST_FORMAT_TIME, &pos)) pos = -1;
  return Napi::Number::New(info.Env(), static_cast<double>(pos));
}

Napi::Value Pipeline::Duration(const Napi::CallbackInfo& info) {
  gint64 dur = -1;
  if (stopped_ || pipeline_ == nullptr || !gst_element_query_duration(pipeline_, GST_FORMAT_TIME, &dur)) dur = -1;
  return Napi::Number::New(info.Env(), static_cast<double>(dur));
}

// seek(startNs, stopNs, flags[, element]): a flushing seek of the pipeline, or from one named element. src/gst/pipeline.ts validates
// the range first; the checks here only keep a NaN or Infinity from becoming a GstClockTime.
Napi::Value Pipeline::Seek(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double start = requireNumber(env, info[0], "startNs");
  double stop = requireNumber(env, info[1], "stopNs");
  std::string mode = requireString(env, info[2], "flags");
  if (!std::isfinite(start) || start < 0 || start >= 9223372036854775808.0) {
    throw Napi::RangeError::New(env, "startNs must be a finite number of ns >= 0");
  }
  if (stop != -1 && (!std::isfinite(stop) || stop < 0 || stop >= 9223372036854775808.0)) {
    throw Napi::RangeError::New(env, "stopNs must be a finite number of ns >= 0 (or -1 for none)");
  }
  int flags = GST_SEEK_FLAG_FLUSH;
  if (mode == "accurate") {
    flags |= GST_SEEK_FLAG_ACCURATE;
  } else if (mode == "key-unit") {
    flags |= GST_SEEK_FLAG_KEY_UNIT | GST_SEEK_FLAG_SNAP_BEFORE;
  } else {
    throw Napi::TypeError::New(env, "flags must be 'accurate' or 'key-unit'");
  }
  std::string target = info.Length() > 3 && !info[3].IsUndefined() ? requireString(env, info[3], "element") : "";
  if (stopped_ || pipeline_ == nullptr) return Napi::Boolean::New(env, false);
  // Default: the pipeline (GstBin sends it to every sink). A named element receives it on one of its
  // src pads, so it travels upstream from there only (past no muxer that cannot seek in time).
  GstElement* el = target.empty() ? GST_ELEMENT(gst_object_ref(pipeline_)) : gst_bin_get_by_name(GST_BIN(pipeline_), target.c_str());
  if (el == nullptr) throw Napi::Error::New(env, "seek: the pipeline has no element named " + target);
  gboolean ok = gst_element_seek(el, 1.0, GST_FORMAT_TIME, static_cast<GstSeekFlags>(flags), GST_SEEK_TYPE_SET,
                                 static_cast<gint64>(start), stop == -1 ? GST_SEEK_TYPE_NONE : GST_SEEK_TYPE_SET,
                                 stop == -1 ? static_cast<gint64>(GST_CLOCK_TIME_NONE) : static_cast<gint64>(stop));
  gst_object_unref(el);
  return Napi::Boolean::New(env, ok != FALSE);
}

Napi::Value ParseCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(parseCount.load()));
}

}  // namespace va
