{
  # Built by scripts/build-native.js (npm install / npm run build:native), which probes the BLAS flags first and
  # passes them in RFM_NATIVE_CFLAGS / RFM_NATIVE_LIBS; the defaults suit Debian/Ubuntu's libopenblas-dev + liblapacke-dev.
  "targets": [
    {
      "target_name": "rfm_native",
      "sources": ["rfm_native.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-pthread", "<!@(node -p \"process.env.RFM_NATIVE_CFLAGS || ''\")"],
      "libraries": ["<!@(node -p \"process.env.RFM_NATIVE_LIBS || '-lopenblas -llapacke'\")", "-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "<!@(node -p \"process.env.RFM_NATIVE_CFLAGS || ''\")"]
      }
    }
  ]
}
