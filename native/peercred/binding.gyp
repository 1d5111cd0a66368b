# The credentials of the peer of a connected UNIX socket (Linux SO_PEERCRED, macOS getpeereid + LOCAL_PEERPID), for
# the local agent to accept only processes of its own user. Warnings are errors, symbols hidden.
{
  "targets": [
    {
      "target_name": "peercred",
      "sources": ["src/peercred.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-Wall", "-Wextra", "-Werror", "-fvisibility=hidden"],
      "cflags_cc": ["-Wall", "-Wextra", "-Werror", "-fvisibility=hidden", "-fvisibility-inlines-hidden", "-std=c++17"],
      "xcode_settings": { "GCC_SYMBOLS_PRIVATE_EXTERN": "YES", "GCC_TREAT_WARNINGS_AS_ERRORS": "YES" }
    }
  ]
}
