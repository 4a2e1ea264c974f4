#include "bus_event.h"

#include <algorithm>
#include <iterator>

#include "js_call.h"

namespace va {

namespace {

std::string objectPath(GstObject* obj) {
  if (obj == nullptr) return "";
  gchar* path = gst_object_get_path_string(obj);
  std::string out = path != nullptr ? path : "";
  g_free(path);
  return out;
}

std::string objectName(GstObject* obj) {
  if (obj == nullptr) return "";
  gchar* name = gst_object_get_name(obj);
  std::string out = name != nullptr ? name : "";
  g_free(name);
  return out;
}

// Takes ownership of err and debug.
void fillGError(BusEvent& ev, GstObject* src, GError* err, gchar* debug) {
  ev.source = scrubUserinfo(objectPath(src));
  ev.error.source = ev.source;
  ev.error.element = scrubUserinfo(objectName(src));
  fillFromGError(ev.error, err, isNetworkElement(src));
  ev.error.debug = scrubUserinfo(debug != nullptr ? debug : "");
  if (err != nullptr) g_error_free(err);
  g_free(debug);
}

}  // namespace

void BusQueue::push(std::unique_ptr<BusEvent> ev) {
  std::lock_guard<std::mutex> lock(mutex);
  events.push_back(std::move(ev));
  if (limit > 0 && events.size() > limit) {
    auto victim = std::find_if(events.begin(), events.end(), [](const std::unique_ptr<BusEvent>& e) {
      return e->kind != BusEvent::Kind::Error && e->kind != BusEvent::Kind::Eos;
    });
    // Nothing but ERRORs and EOSes waiting: the newest goes, the first ones stay (JS acts on the first and
    // ignores what follows; a sink re-posts EOS on every PAUSED -> PLAYING, so they can repeat without end).
    if (victim == events.end()) victim = std::prev(events.end());
    events.erase(victim);
    dropped++;
  }
  if (events.size() > peak) peak = events.size();
}

std::deque<std::unique_ptr<BusEvent>> BusQueue::take() {
  std::lock_guard<std::mutex> lock(mutex);
  std::deque<std::unique_ptr<BusEvent>> out;
  out.swap(events);
  return out;
}

std::unique_ptr<BusEvent> busEventFromMessage(GstMessage* msg, GstElement* pipeline) {
  auto ev = std::make_unique<BusEvent>();
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_EOS:
      ev->kind = BusEvent::Kind::Eos;
      break;
    case GST_MESSAGE_ERROR: {
      GError* err = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(msg, &err, &debug);
      ev->kind = BusEvent::Kind::Error;
      fillGError(*ev, GST_MESSAGE_SRC(msg), err, debug);
      break;
    }
    case GST_MESSAGE_WARNING: {
      GError* err = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_warning(msg, &err, &debug);
      ev->kind = BusEvent::Kind::Warning;
      fillGError(*ev, GST_MESSAGE_SRC(msg), err, debug);
      break;
    }
    case GST_MESSAGE_STATE_CHANGED: {
      // Only the pipeline's own transitions: every element posts these and JS needs just one.
      if (GST_MESSAGE_SRC(msg) != GST_OBJECT(pipeline)) return nullptr;
      GstState oldS, newS, pendingS;
      gst_message_parse_state_changed(msg, &oldS, &newS, &pendingS);
      ev->kind = BusEvent::Kind::State;
      ev->source = objectPath(GST_MESSAGE_SRC(msg));
      ev->oldState = gst_element_state_get_name(oldS);
      ev->currentState = gst_element_state_get_name(newS);
      ev->pendingState = gst_element_state_get_name(pendingS);
      break;
    }
    default:
      return nullptr;
  }
  return ev;
}

napi_value busEventToJs(napi_env env, const BusEvent& ev) {
  JsObjectBuilder o(env);
  switch (ev.kind) {
    case BusEvent::Kind::Eos:
      o.set("type", std::string("eos"));
      break;
    case BusEvent::Kind::Error:
    case BusEvent::Kind::Warning:
      o.set("type", std::string(ev.kind == BusEvent::Kind::Error ? "error" : "warning"));
      o.set("message", ev.error.message);
      if (o.value() == nullptr || !setErrorFields(env, o.value(), ev.error)) return nullptr;
      break;
    case BusEvent::Kind::State:
      o.set("type", std::string("state"));
      o.set("source", ev.source);
      o.set("old", ev.oldState);
      o.set("current", ev.currentState);
      o.set("pending", ev.pendingState);
      break;
  }
  return o.value();
}

}  // namespace va
