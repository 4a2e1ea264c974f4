{
  # The same sources as CMakeLists.txt, built by node-gyp (`npm run build:gyp` -> build/Release).
  # node-gyp rebuild wipes build/ (cmake-js output included); src/gst/native.ts loads either build.
  "targets": [
    {
      "target_name": "video_agent_native",
      "sources": [
        "native/bus_event.cc",
        "native/completion.cc",
        "native/discover.cc",
        "native/gst_error.cc",
        "native/js_call.cc",
        "native/module.cc",
        "native/pipeline.cc",
        "native/process_exit.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-fvisibility=hidden", "<!@(pkg-config --cflags gstreamer-1.0 gstreamer-app-1.0 gstreamer-pbutils-1.0)"],
      "libraries": ["<!@(pkg-config --libs gstreamer-1.0 gstreamer-app-1.0 gstreamer-pbutils-1.0)", "-ldl", "-lpthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["<!@(pkg-config --cflags gstreamer-1.0 gstreamer-app-1.0 gstreamer-pbutils-1.0)"]
      }
    }
  ]
}
