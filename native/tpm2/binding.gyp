# Build of the tpm2-tss addon: warnings are errors, symbols hidden; libraries come from pkg-config (libtss2-dev).
{
  "targets": [
    {
      "target_name": "tpm2",
      "sources": ["src/addon.cc", "src/seal.cc", "src/nv.cc", "src/query.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags": ["-Wall", "-Wextra", "-Werror", "-fvisibility=hidden"],
      "cflags_cc": ["-Wall", "-Wextra", "-Werror", "-fvisibility=hidden", "-fvisibility-inlines-hidden", "-std=c++17",
                    "<!@(pkg-config --cflags tss2-esys tss2-tctildr tss2-mu tss2-rc)"],
      "libraries": ["<!@(pkg-config --libs tss2-esys tss2-tctildr tss2-mu tss2-rc)"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
        "GCC_TREAT_WARNINGS_AS_ERRORS": "YES"
      }
    }
  ]
}
