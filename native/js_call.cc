#include "js_call.h"

namespace va {

JsObjectBuilder::JsObjectBuilder(napi_env env) : env_(env) { ok_ = napi_create_object(env, &obj_) == napi_ok; }

void JsObjectBuilder::put(const char* key, napi_value v) {
  if (!ok_ || v == nullptr || napi_set_named_property(env_, obj_, key, v) != napi_ok) ok_ = false;
}

void JsObjectBuilder::set(const char* key, const std::string& value) {
  if (ok_) put(key, jsString(env_, value));
}

void JsObjectBuilder::set(const char* key, double value) {
  if (!ok_) return;
  napi_value v = nullptr;
  if (napi_create_double(env_, value, &v) != napi_ok) v = nullptr;
  put(key, v);
}

void JsObjectBuilder::setBool(const char* key, bool value) {
  if (!ok_) return;
  napi_value v = nullptr;
  if (napi_get_boolean(env_, value, &v) != napi_ok) v = nullptr;
  put(key, v);
}

void JsObjectBuilder::setObject(const char* key, napi_value value) {
  if (!ok_) return;
  if (value == nullptr && napi_get_null(env_, &value) != napi_ok) value = nullptr;
  put(key, value);
}

napi_value jsString(napi_env env, const std::string& s) {
  napi_value v = nullptr;
  if (napi_create_string_utf8(env, s.data(), s.size(), &v) != napi_ok) return nullptr;
  return v;
}

bool callJsQuietly(napi_env env, napi_value fn, napi_value arg) {
  if (env == nullptr || fn == nullptr || arg == nullptr) return false;
  napi_value recv = nullptr;
  if (napi_get_undefined(env, &recv) != napi_ok) return false;
  napi_value result = nullptr;
  return napi_call_function(env, recv, fn, 1, &arg, &result) == napi_ok;
}

}  // namespace va
