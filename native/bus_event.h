// A bus message copied into plain C++ strings on the streaming thread, so it can cross to the JS
// thread through a ThreadSafeFunction without touching GStreamer objects there.
#pragma once

#include <gst/gst.h>
#include <node_api.h>

#include <memory>
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

/** Copies the fields we forward; returns null for message types we do not forward. */
std::unique_ptr<BusEvent> busEventFromMessage(GstMessage* msg, GstElement* pipeline);

/** The JS shape documented in index.d.ts (NativeBusMessage); nullptr when JS cannot run now. */
napi_value busEventToJs(napi_env env, const BusEvent& ev);

}  // namespace va
