#include "bus_event.h"

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

void fillGError(BusEvent& ev, GError* err, gchar* debug) {
  if (err != nullptr) {
    ev.domain = g_quark_to_string(err->domain);
    ev.code = err->code;
    ev.message = err->message != nullptr ? err->message : "";
  }
  ev.debug = debug != nullptr ? debug : "";
  if (err != nullptr) g_error_free(err);
  g_free(debug);
}

}  // namespace

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
      ev->source = objectPath(GST_MESSAGE_SRC(msg));
      fillGError(*ev, err, debug);
      break;
    }
    case GST_MESSAGE_WARNING: {
      GError* err = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_warning(msg, &err, &debug);
      ev->kind = BusEvent::Kind::Warning;
      ev->source = objectPath(GST_MESSAGE_SRC(msg));
      fillGError(*ev, err, debug);
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
      o.set("source", ev.source);
      o.set("domain", ev.domain);
      o.set("code", static_cast<double>(ev.code));
      o.set("message", ev.message);
      o.set("debug", ev.debug);
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
