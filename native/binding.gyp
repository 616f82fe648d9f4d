{
  # Built by scripts/build-native.js (npm install / npm run build:native), which probes the BLAS flags first and
  # passes them in RFM_NATIVE_CFLAGS / RFM_NATIVE_LIBS; the defaults suit Debian/Ubuntu's libopenblas-dev + liblapacke-dev.
  # -fno-math-errno / -fno-trapping-math let the distance kernel's sqrt and division vectorise (neither changes a
  # result); -ffp-contract=off keeps its ISA-specific copies (rfm_native.cc) free of fused multiply-adds, so every
  # copy gives the same bits; -fopenmp-simd honours its `omp simd` pragmas without OpenMP's runtime.
  "targets": [
    {
      "target_name": "rfm_native",
      "sources": ["rfm_native.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off", "-fopenmp-simd", "-pthread", "<!@(node -p \"process.env.RFM_NATIVE_CFLAGS || ''\")"],
      "libraries": ["<!@(node -p \"process.env.RFM_NATIVE_LIBS || '-lopenblas -llapacke'\")", "-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off", "-fopenmp-simd", "<!@(node -p \"process.env.RFM_NATIVE_CFLAGS || ''\")"]
      }
    }
  ]
}
