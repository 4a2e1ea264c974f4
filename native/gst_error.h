// GStreamer failures as data for JS: a stable `code` decided here from the GError domain/code (or
// the GstDiscovererResult), plus the raw GError fields. No English is composed here; src/gst/errors.ts
// maps each code to a VideoAgentError and writes the user-facing message. Every string that leaves
// through these helpers has URI userinfo (rtsp://user:pass@host) removed first.
#pragma once

#include <gst/gst.h>
#include <node_api.h>

#include <string>
#include <vector>

namespace va {

struct GstErrorInfo {
  std::string code;     // e.g. not_media, timeout, no_such_element (see index.d.ts NativeErrorCode)
  std::string domain;   // GError domain quark, '' when there was no GError
  int gstCode = 0;      // GError code within the domain
  std::string message;  // GError message verbatim (GStreamer's words), scrubbed
  std::string debug;    // GStreamer's debug string, scrubbed
  std::string source;   // element path, '' when not from an element
  std::string element;  // element name (last path component), ''
  std::vector<std::string> missing;  // missing plugins (installer detail strings), discover only
};

/** Removes `user[:password]@` after every `scheme://` in text. */
std::string scrubUserinfo(const std::string& text);

/**
 * The code for a GError. `network` tells a network source (its factory class names Network, or the
 * URI is not file://) from a local one: OPEN_READ on a socket means the host is unreachable.
 */
const char* classifyGError(const GError* err, bool network);

/** Fills domain/gstCode/message from err (scrubbed); code from classifyGError unless already set. */
void fillFromGError(GstErrorInfo& info, const GError* err, bool network);

/** True when the element's factory class says Network (rtspsrc, souphttpsrc, udpsrc...). */
bool isNetworkElement(GstObject* obj);

/** Sets code, domain, gstCode, debug, source, element (and missing when non-empty) on obj. Status-checked. */
bool setErrorFields(napi_env env, napi_value obj, const GstErrorInfo& info);

/** An Error whose message is GStreamer's (or the code when GStreamer gave none), with the fields set. */
napi_value makeJsError(napi_env env, const GstErrorInfo& info);

}  // namespace va
