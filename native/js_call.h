// Raw Node-API helpers for ThreadSafeFunction callbacks. While a worker is being terminated (or
// the env torn down) JS cannot run: node-addon-api's throwing wrappers then build a Napi::Error,
// which itself fails and aborts the process (FATAL ERROR: Error::Error napi_define_properties).
// These helpers check every status and simply give up instead.
#pragma once

#include <node_api.h>

#include <string>

namespace va {

/** Builds a plain object; `ok` turns false at the first failing call, after which sets are no-ops. */
class JsObjectBuilder {
 public:
  explicit JsObjectBuilder(napi_env env);
  void set(const char* key, const std::string& value);
  void set(const char* key, double value);
  void setBool(const char* key, bool value);
  /** `value` nullptr sets JS null. */
  void setObject(const char* key, napi_value value);
  napi_value value() const { return ok_ ? obj_ : nullptr; }

 private:
  void put(const char* key, napi_value v);
  napi_env env_;
  napi_value obj_ = nullptr;
  bool ok_ = false;
};

/** A JS string, or nullptr when it cannot be created now. */
napi_value jsString(napi_env env, const std::string& s);

/**
 * fn(arg) with `undefined` as this. Returns false when JS could not run. A JS exception thrown by fn
 * stays pending, so Node reports it as an uncaught exception (not an abort).
 */
bool callJsQuietly(napi_env env, napi_value fn, napi_value arg);

}  // namespace va
