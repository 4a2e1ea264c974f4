#include "discover.h"

#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>

namespace va {

namespace {

struct VideoInfo {
  int width = 0, height = 0, fpsN = 0, fpsD = 1;
  std::string codec;
};
struct AudioInfo {
  int rate = 0, channels = 0;
  std::string codec;
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

std::string resultMessage(GstDiscovererResult result, GError* err, const std::string& uri) {
  std::string detail = err != nullptr && err->message != nullptr ? err->message : "";
  switch (result) {
    case GST_DISCOVERER_URI_INVALID:
      return "invalid URI " + uri + (detail.empty() ? "" : ": " + detail);
    case GST_DISCOVERER_TIMEOUT:
      return "timed out probing " + uri;
    case GST_DISCOVERER_BUSY:
      return "discoverer busy probing " + uri;
    case GST_DISCOVERER_MISSING_PLUGINS:
      return "cannot decode " + uri + ": missing GStreamer plugins" + (detail.empty() ? "" : " (" + detail + ")");
    default:
      return detail.empty() ? "could not probe " + uri : detail;
  }
}

class DiscoverWorker : public Napi::AsyncWorker {
 public:
  DiscoverWorker(Napi::Env env, std::string uri, guint64 timeoutNs)
      : Napi::AsyncWorker(env, "video-agent:discover"), deferred_(Napi::Promise::Deferred::New(env)),
        uri_(std::move(uri)), timeoutNs_(timeoutNs) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    GError* err = nullptr;
    GstDiscoverer* discoverer = gst_discoverer_new(timeoutNs_, &err);
    if (discoverer == nullptr) {
      SetError(err != nullptr ? err->message : "could not create a GstDiscoverer");
      if (err != nullptr) g_error_free(err);
      return;
    }
    GstDiscovererInfo* info = gst_discoverer_discover_uri(discoverer, uri_.c_str(), &err);
    GstDiscovererResult result = info != nullptr ? gst_discoverer_info_get_result(info) : GST_DISCOVERER_ERROR;
    if (result != GST_DISCOVERER_OK) {
      SetError(resultMessage(result, err, uri_));
    } else {
      fill(info);
    }
    if (err != nullptr) g_error_free(err);
    if (info != nullptr) g_object_unref(info);
    g_object_unref(discoverer);
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("durationNs", result_.durationNs);
    o.Set("seekable", result_.seekable);
    o.Set("live", result_.live);
    if (result_.video) {
      Napi::Object v = Napi::Object::New(env);
      v.Set("width", result_.video->width);
      v.Set("height", result_.video->height);
      v.Set("fpsN", result_.video->fpsN);
      v.Set("fpsD", result_.video->fpsD);
      v.Set("codec", result_.video->codec);
      o.Set("video", v);
    } else {
      o.Set("video", env.Null());
    }
    if (result_.audio) {
      Napi::Object a = Napi::Object::New(env);
      a.Set("rate", result_.audio->rate);
      a.Set("channels", result_.audio->channels);
      a.Set("codec", result_.audio->codec);
      o.Set("audio", a);
    } else {
      o.Set("audio", env.Null());
    }
    Napi::Object tags = Napi::Object::New(env);
    for (const auto& [k, v] : result_.tags) tags.Set(k, v);
    o.Set("tags", tags);
    deferred_.Resolve(o);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  void fill(GstDiscovererInfo* info) {
    GstClockTime duration = gst_discoverer_info_get_duration(info);
    result_.durationNs = GST_CLOCK_TIME_IS_VALID(duration) ? static_cast<double>(duration) : -1;
    result_.seekable = gst_discoverer_info_get_seekable(info);
    result_.live = gst_discoverer_info_get_live(info);

    GList* videos = gst_discoverer_info_get_video_streams(info);
    if (videos != nullptr) {
      auto* vinfo = GST_DISCOVERER_VIDEO_INFO(videos->data);
      VideoInfo v;
      v.width = static_cast<int>(gst_discoverer_video_info_get_width(vinfo));
      v.height = static_cast<int>(gst_discoverer_video_info_get_height(vinfo));
      v.fpsN = static_cast<int>(gst_discoverer_video_info_get_framerate_num(vinfo));
      v.fpsD = static_cast<int>(gst_discoverer_video_info_get_framerate_denom(vinfo));
      v.codec = codecOf(GST_DISCOVERER_STREAM_INFO(vinfo));
      result_.video = v;
    }
    gst_discoverer_stream_info_list_free(videos);

    GList* audios = gst_discoverer_info_get_audio_streams(info);
    if (audios != nullptr) {
      auto* ainfo = GST_DISCOVERER_AUDIO_INFO(audios->data);
      AudioInfo a;
      a.rate = static_cast<int>(gst_discoverer_audio_info_get_sample_rate(ainfo));
      a.channels = static_cast<int>(gst_discoverer_audio_info_get_channels(ainfo));
      a.codec = codecOf(GST_DISCOVERER_STREAM_INFO(ainfo));
      result_.audio = a;
    }
    gst_discoverer_stream_info_list_free(audios);

    const GstTagList* tags = gst_discoverer_info_get_tags(info);
    if (tags != nullptr) gst_tag_list_foreach(tags, collectTag, &result_.tags);
  }

  Napi::Promise::Deferred deferred_;
  std::string uri_;
  guint64 timeoutNs_;
  DiscoverResult result_;
};

}  // namespace

Napi::Value Discover(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "discover(uri, timeoutMs): uri must be a string");
  double timeoutMs = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 10000;
  if (!(timeoutMs > 0)) throw Napi::RangeError::New(env, "discover(uri, timeoutMs): timeoutMs must be > 0");
  // GstDiscoverer's timeout property accepts 1 s .. 1 h; outside it g_object_new would warn and ignore it.
  timeoutMs = std::min(std::max(timeoutMs, 1000.0), 3600000.0);
  auto* worker = new DiscoverWorker(env, info[0].As<Napi::String>().Utf8Value(),
                                    static_cast<guint64>(timeoutMs * 1e6));
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // AsyncWorker deletes itself after OnOK/OnError
  return promise;
}

}  // namespace va
