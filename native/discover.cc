#include "discover.h"

#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include "completion.h"
#include "gst_error.h"
#include "js_call.h"

namespace va {

namespace {

struct VideoInfo {
  int width = 0, height = 0, fpsN = 0, fpsD = 1;
  std::string codec, rtpEncoding;
};
struct AudioInfo {
  int rate = 0, channels = 0;
  std::string codec, rtpEncoding;
};
struct DiscoverResult {
  double durationNs = -1;
  bool seekable = false;
  bool live = false;
  std::optional<VideoInfo> video;
  std::optional<AudioInfo> audio;
  std::map<std::string, std::string> tags;
};

std::string codecOf(GstDiscovererStreamInfo* info) {
  GstCaps* caps = gst_discoverer_stream_info_get_caps(info);
  if (caps == nullptr) return "";
  std::string out;
  gchar* desc = gst_pb_utils_get_codec_description(caps);
  if (desc != nullptr) {
    out = desc;
    g_free(desc);
  } else if (gst_caps_get_size(caps) > 0) {
    out = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  }
  gst_caps_unref(caps);
  return out;
}

/**
 * The RTP encoding-name (e.g. MPEG4-GENERIC, MP4A-LATM, PCMU) when the stream came out of an RTP
 * depayloader (RTSP: the topology's previous stream info holds the application/x-rtp caps), else "".
 * A record branch copying the stream needs the depayloader that matches it.
 */
std::string rtpEncodingOf(GstDiscovererStreamInfo* info) {
  GstDiscovererStreamInfo* prev = gst_discoverer_stream_info_get_previous(info);
  if (prev == nullptr) return "";
  std::string out;
  GstCaps* caps = gst_discoverer_stream_info_get_caps(prev);
  if (caps != nullptr && gst_caps_get_size(caps) > 0) {
    const GstStructure* st = gst_caps_get_structure(caps, 0);
    const gchar* enc = gst_structure_has_name(st, "application/x-rtp") ? gst_structure_get_string(st, "encoding-name") : nullptr;
    if (enc != nullptr) out = enc;
  }
  if (caps != nullptr) gst_caps_unref(caps);
  gst_discoverer_stream_info_unref(prev);
  return out;
}

void collectTag(const GstTagList* list, const gchar* tag, gpointer userData) {
  auto* tags = static_cast<std::map<std::string, std::string>*>(userData);
  const GValue* value = gst_tag_list_get_value_index(list, tag, 0);
  if (value == nullptr || G_VALUE_HOLDS(value, GST_TYPE_SAMPLE) || G_VALUE_HOLDS(value, GST_TYPE_BUFFER)) {
    return;  // cover art and other binary payloads are not strings
  }
  gchar* str = G_VALUE_HOLDS_STRING(value) ? g_value_dup_string(value) : gst_value_serialize(value);
  if (str != nullptr) {
    (*tags)[tag] = str;
    g_free(str);
  }
}

/** The code for a failed probe: the result first, then the GError for GST_DISCOVERER_ERROR. */
void classify(GstDiscovererResult result, GstDiscovererInfo* info, const GError* err, bool network, GstErrorInfo& out) {
  const char* fromError = classifyGError(err, network);
  switch (result) {
    case GST_DISCOVERER_URI_INVALID: out.code = "bad_uri"; break;
    case GST_DISCOVERER_TIMEOUT: out.code = "timeout"; break;
    case GST_DISCOVERER_BUSY: out.code = "busy"; break;
    case GST_DISCOVERER_MISSING_PLUGINS:
      // typefind recognised something that is not media (e.g. text/plain): nothing to install.
      out.code = std::strcmp(fromError, "not_media") == 0 ? fromError : "missing_plugin";
      break;
    default: out.code = err != nullptr ? fromError : "unknown"; break;
  }
  fillFromGError(out, err, network);
  if (info != nullptr && result == GST_DISCOVERER_MISSING_PLUGINS) {
    const gchar** details = gst_discoverer_info_get_missing_elements_installer_details(info);
    for (const gchar** d = details; d != nullptr && *d != nullptr; d++) out.missing.push_back(*d);
  }
}

void fill(GstDiscovererInfo* info, DiscoverResult& out) {
  GstClockTime duration = gst_discoverer_info_get_duration(info);
  out.durationNs = GST_CLOCK_TIME_IS_VALID(duration) ? static_cast<double>(duration) : -1;
  out.seekable = gst_discoverer_info_get_seekable(info);
  out.live = gst_discoverer_info_get_live(info);

  GList* videos = gst_discoverer_info_get_video_streams(info);
  if (videos != nullptr) {
    auto* vinfo = GST_DISCOVERER_VIDEO_INFO(videos->data);
    VideoInfo v;
    v.width = static_cast<int>(gst_discoverer_video_info_get_width(vinfo));
    v.height = static_cast<int>(gst_discoverer_video_info_get_height(vinfo));
    v.fpsN = static_cast<int>(gst_discoverer_video_info_get_framerate_num(vinfo));
    v.fpsD = static_cast<int>(gst_discoverer_video_info_get_framerate_denom(vinfo));
    v.codec = codecOf(GST_DISCOVERER_STREAM_INFO(vinfo));
    v.rtpEncoding = rtpEncodingOf(GST_DISCOVERER_STREAM_INFO(vinfo));
    out.video = v;
  }
  gst_discoverer_stream_info_list_free(videos);

  GList* audios = gst_discoverer_info_get_audio_streams(info);
  if (audios != nullptr) {
    auto* ainfo = GST_DISCOVERER_AUDIO_INFO(audios->data);
    AudioInfo a;
    a.rate = static_cast<int>(gst_discoverer_audio_info_get_sample_rate(ainfo));
    a.channels = static_cast<int>(gst_discoverer_audio_info_get_channels(ainfo));
    a.codec = codecOf(GST_DISCOVERER_STREAM_INFO(ainfo));
    a.rtpEncoding = rtpEncodingOf(GST_DISCOVERER_STREAM_INFO(ainfo));
    out.audio = a;
  }
  gst_discoverer_stream_info_list_free(audios);

  const GstTagList* tags = gst_discoverer_info_get_tags(info);
  if (tags != nullptr) gst_tag_list_foreach(tags, collectTag, &out.tags);
}

napi_value resultToJs(napi_env env, const DiscoverResult& r) {
  JsObjectBuilder o(env);
  o.set("durationNs", r.durationNs);
  o.setBool("seekable", r.seekable);
  o.setBool("live", r.live);
  if (r.video) {
    JsObjectBuilder v(env);
    v.set("width", static_cast<double>(r.video->width));
    v.set("height", static_cast<double>(r.video->height));
    v.set("fpsN", static_cast<double>(r.video->fpsN));
    v.set("fpsD", static_cast<double>(r.video->fpsD));
    v.set("codec", r.video->codec);
    if (!r.video->rtpEncoding.empty()) v.set("rtpEncoding", r.video->rtpEncoding);
    o.setObject("video", v.value());
  } else {
    o.setObject("video", nullptr);
  }
  if (r.audio) {
    JsObjectBuilder a(env);
    a.set("rate", static_cast<double>(r.audio->rate));
    a.set("channels", static_cast<double>(r.audio->channels));
    a.set("codec", r.audio->codec);
    if (!r.audio->rtpEncoding.empty()) a.set("rtpEncoding", r.audio->rtpEncoding);
    o.setObject("audio", a.value());
  } else {
    o.setObject("audio", nullptr);
  }
  JsObjectBuilder tags(env);
  for (const auto& [k, v] : r.tags) tags.set(k.c_str(), v);
  o.setObject("tags", tags.value());
  return o.value();
}

struct DiscoverJob {
  napi_deferred deferred = nullptr;
  std::string uri;
  guint64 timeoutNs = 0;
  bool useCache = false;
  bool failed = false;
  GstErrorInfo error;
  DiscoverResult result;
};

// The probe's own thread (never the libuv pool, whose 4 threads serve fs, DNS and crypto for the
// whole process): no JS here.
void runDiscover(DiscoverJob* job) {
  GError* err = nullptr;
  GstDiscoverer* discoverer = gst_discoverer_new(job->timeoutNs, &err);
  if (discoverer != nullptr && job->useCache) g_object_set(discoverer, "use-cache", TRUE, nullptr);
  bool network = !g_str_has_prefix(job->uri.c_str(), "file:");
  if (discoverer == nullptr) {
    job->failed = true;
    fillFromGError(job->error, err, network);
    if (err != nullptr) g_error_free(err);
    return;
  }
  GstDiscovererInfo* info = gst_discoverer_discover_uri(discoverer, job->uri.c_str(), &err);
  GstDiscovererResult result = info != nullptr ? gst_discoverer_info_get_result(info) : GST_DISCOVERER_ERROR;
  if (result != GST_DISCOVERER_OK) {
    job->failed = true;
    classify(result, info, err, network, job->error);
  } else {
    fill(info, job->result);
  }
  if (err != nullptr) g_error_free(err);
  if (info != nullptr) g_object_unref(info);
  g_object_unref(discoverer);
}

// JS thread. env is null when the env went away with the result queued: the promise is gone too.
void completeDiscover(napi_env env, void* payload) {
  std::unique_ptr<DiscoverJob> job(static_cast<DiscoverJob*>(payload));
  if (env == nullptr || !job) return;
  if (!job->failed) {
    napi_value value = resultToJs(env, job->result);
    if (value != nullptr) napi_resolve_deferred(env, job->deferred, value);
    return;
  }
  napi_value error = makeJsError(env, job->error);
  if (error != nullptr) napi_reject_deferred(env, job->deferred, error);
}

}  // namespace

Napi::Value Discover(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // The caller (src/gst/discover.ts) has validated both: the addon applies no defaults or clamps.
  if (!info[0].IsString() || !info[1].IsNumber() || !info[2].IsBoolean()) {
    throw Napi::TypeError::New(env, "discover(uri, timeoutMs, useCache): a string, a number and a boolean");
  }
  double timeoutMs = info[1].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(timeoutMs) || timeoutMs < 0 || timeoutMs > 1e12) {  // the cast below needs a sane value
    throw Napi::RangeError::New(env, "discover: timeoutMs must be a finite number >= 0");
  }

  auto job = std::make_unique<DiscoverJob>();
  job->uri = info[0].As<Napi::String>().Utf8Value();
  job->timeoutNs = static_cast<guint64>(timeoutMs * 1e6);
  job->useCache = info[2].As<Napi::Boolean>().Value();
  napi_value promise = nullptr;
  NAPI_THROW_IF_FAILED(env, napi_create_promise(env, &job->deferred, &promise), Napi::Value());
  std::shared_ptr<Completion> done = Completion::create(env, "video-agent:discover", completeDiscover);
  if (!done) throw Napi::Error::New(env, "discover: cannot create the completion channel");
  // One thread per probe; src/gst/discover.ts bounds how many run at once. Detached: a worker that
  // terminates mid-probe does not wait for it, and the result is then dropped (Completion).
  DiscoverJob* raw = job.release();
  try {
    std::thread([raw, done] {
      runDiscover(raw);
      if (!done->deliver(raw)) delete raw;
    }).detach();
  } catch (const std::system_error&) {
    done->deliver(nullptr);  // releases the TSFN; completeDiscover ignores a null payload
    job.reset(raw);
    throw Napi::Error::New(env, "discover: cannot start a probe thread");
  }
  return Napi::Value(env, promise);
}

}  // namespace va
