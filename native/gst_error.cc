#include "gst_error.h"

#include <cstring>

#include "js_call.h"

namespace va {

std::string scrubUserinfo(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t sep = text.find("://", i);
    if (sep == std::string::npos) break;
    size_t authority = sep + 3;
    out.append(text, i, authority - i);
    // The authority ends at the first '/', '?', '#', whitespace or quote; userinfo is what precedes
    // its last '@'.
    size_t end = authority;
    while (end < text.size() && std::strchr("/?#\"' \t\r\n", text[end]) == nullptr) end++;
    size_t at = text.rfind('@', end == 0 ? 0 : end - 1);
    i = (at != std::string::npos && at >= authority && at < end) ? at + 1 : authority;
  }
  out.append(text, i, std::string::npos);
  return out;
}

const char* classifyGError(const GError* err, bool network) {
  if (err == nullptr) return "unknown";
  if (err->domain == GST_PARSE_ERROR) {
    switch (err->code) {
      case GST_PARSE_ERROR_NO_SUCH_ELEMENT: return "no_such_element";
      case GST_PARSE_ERROR_NO_SUCH_PROPERTY: return "no_such_property";
      case GST_PARSE_ERROR_COULD_NOT_SET_PROPERTY: return "bad_property_value";
      case GST_PARSE_ERROR_LINK:
      case GST_PARSE_ERROR_DELAYED_LINK: return "link_failed";
      default: return "parse_error";  // SYNTAX, EMPTY_BIN, EMPTY
    }
  }
  if (err->domain == GST_URI_ERROR) return "bad_uri";
  if (err->domain == GST_RESOURCE_ERROR) {
    switch (err->code) {
      case GST_RESOURCE_ERROR_NOT_FOUND: return "not_found";
      case GST_RESOURCE_ERROR_NOT_AUTHORIZED: return "unauthorized";
      case GST_RESOURCE_ERROR_BUSY: return "busy";
      case GST_RESOURCE_ERROR_OPEN_READ:
      case GST_RESOURCE_ERROR_OPEN_WRITE:
      case GST_RESOURCE_ERROR_OPEN_READ_WRITE: return network ? "unreachable" : "open_failed";
      case GST_RESOURCE_ERROR_READ:
      case GST_RESOURCE_ERROR_SEEK: return "read_failed";
      case GST_RESOURCE_ERROR_WRITE:
      case GST_RESOURCE_ERROR_NO_SPACE_LEFT: return "write_failed";
      default: return "resource_failed";
    }
  }
  if (err->domain == GST_STREAM_ERROR) {
    switch (err->code) {
      case GST_STREAM_ERROR_TYPE_NOT_FOUND:
      case GST_STREAM_ERROR_WRONG_TYPE: return "not_media";
      case GST_STREAM_ERROR_CODEC_NOT_FOUND: return "missing_plugin";
      case GST_STREAM_ERROR_DECODE:
      case GST_STREAM_ERROR_FORMAT: return "decode_failed";
      case GST_STREAM_ERROR_DEMUX: return "demux_failed";
      case GST_STREAM_ERROR_DECRYPT:
      case GST_STREAM_ERROR_DECRYPT_NOKEY: return "encrypted";
      default: return "stream_failed";
    }
  }
  if (err->domain == GST_CORE_ERROR) {
    switch (err->code) {
      case GST_CORE_ERROR_MISSING_PLUGIN: return "missing_plugin";
      case GST_CORE_ERROR_NEGOTIATION:
      case GST_CORE_ERROR_CAPS: return "negotiation_failed";
      case GST_CORE_ERROR_STATE_CHANGE: return "state_change_failed";
      default: return "internal";
    }
  }
  if (err->domain == GST_LIBRARY_ERROR) return "library_failed";
  return "unknown";
}

void fillFromGError(GstErrorInfo& info, const GError* err, bool network) {
  if (info.code.empty()) info.code = classifyGError(err, network);
  if (err == nullptr) return;
  info.domain = g_quark_to_string(err->domain);
  info.gstCode = err->code;
  info.message = scrubUserinfo(err->message != nullptr ? err->message : "");
}

bool isNetworkElement(GstObject* obj) {
  if (obj == nullptr || !GST_IS_ELEMENT(obj)) return false;
  GstElementFactory* factory = gst_element_get_factory(GST_ELEMENT(obj));
  if (factory == nullptr) return false;
  const gchar* klass = gst_element_factory_get_metadata(factory, GST_ELEMENT_METADATA_KLASS);
  return klass != nullptr && std::strstr(klass, "Network") != nullptr;
}

bool setErrorFields(napi_env env, napi_value obj, const GstErrorInfo& info) {
  auto put = [&](const char* key, napi_value v) { return v != nullptr && napi_set_named_property(env, obj, key, v) == napi_ok; };
  napi_value gstCode = nullptr;
  if (napi_create_int32(env, info.gstCode, &gstCode) != napi_ok) return false;
  bool ok = put("code", jsString(env, info.code)) && put("domain", jsString(env, info.domain)) && put("gstCode", gstCode) &&
            put("debug", jsString(env, info.debug)) && put("source", jsString(env, info.source)) &&
            put("element", jsString(env, info.element));
  if (ok && !info.missing.empty()) {
    napi_value arr = nullptr;
    if (napi_create_array_with_length(env, info.missing.size(), &arr) != napi_ok) return false;
    for (size_t i = 0; i < info.missing.size(); i++) {
      napi_value s = jsString(env, info.missing[i]);
      if (s == nullptr || napi_set_element(env, arr, static_cast<uint32_t>(i), s) != napi_ok) return false;
    }
    ok = put("missing", arr);
  }
  return ok;
}

napi_value makeJsError(napi_env env, const GstErrorInfo& info) {
  napi_value message = jsString(env, info.message.empty() ? info.code : info.message);
  napi_value error = nullptr;
  if (message == nullptr || napi_create_error(env, nullptr, message, &error) != napi_ok) return nullptr;
  return setErrorFields(env, error, info) ? error : nullptr;
}

}  // namespace va
