// A bus message copied into plain C++ strings on the streaming thread, so it can cross to the JS
// thread through a ThreadSafeFunction without touching GStreamer objects there.
#pragma once

#include <gst/gst.h>
#include <node_api.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "gst_error.h"

namespace va {

struct BusEvent {
  enum class Kind { Eos, Error, Warning, State };
  Kind kind = Kind::Eos;
  std::string source;   // element path, e.g. /GstPipeline:pipeline0/GstJpegEnc:jpegenc0
  GstErrorInfo error;   // Error and Warning only (its source is the same path)
  std::string oldState, currentState, pendingState;
};

/**
 * Bus events waiting for the JS thread. Any thread posts; the JS thread takes them all at once on one coalesced
 * notification. Bounded: beyond `limit` the oldest event that is not ERROR or EOS is dropped (and counted), so a
 * flood of warnings or state changes while JS is busy cannot grow memory, and the event that ends a pipeline is
 * never lost. Only when nothing but ERRORs and EOSes wait does the newest of them go: JS acts on the first and
 * ignores the rest, and a sink re-posts EOS on every PAUSED -> PLAYING, so they alone could grow without end.
 */
struct BusQueue {
  std::mutex mutex;
  std::deque<std::unique_ptr<BusEvent>> events;  // guarded by mutex
  size_t limit = 0;                              // 0: unbounded; src/gst sets it before anything starts
  uint64_t dropped = 0;                          // guarded by mutex
  size_t peak = 0;                               // the most events ever waiting at once; guarded by mutex
  std::atomic<bool> notifyPending{false};        // a notification is on its way to JS

  /** Appends one event, then drops the oldest droppable one while over the limit. */
  void push(std::unique_ptr<BusEvent> ev);
  /** Everything waiting, in posting order (JS thread). */
  std::deque<std::unique_ptr<BusEvent>> take();
};

/** Passed to the bus TSFN: keeps the queue alive until JS has drained it. */
struct BusNotice {
  std::shared_ptr<BusQueue> queue;
};

/** Copies the fields we forward; returns null for message types we do not forward. */
std::unique_ptr<BusEvent> busEventFromMessage(GstMessage* msg, GstElement* pipeline);

/** The JS shape documented in index.d.ts (NativeBusMessage); nullptr when JS cannot run now. */
napi_value busEventToJs(napi_env env, const BusEvent& ev);

}  // namespace va
