# Process hardening for the KMS: no core dumps, no ptrace attach by the same user (Linux PR_SET_DUMPABLE,
# macOS PT_DENY_ATTACH), and the Linux sandbox (no_new_privs, Landlock, seccomp). Warnings are errors, symbols hidden.
{
  "targets": [
    {
      "target_name": "harden",
      "sources": ["src/harden.cc", "src/sandboxBinding.cc", "src/landlock.cc", "src/allThreads.cc", "src/seccompFilter.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-Wall", "-Wextra", "-Werror", "-fvisibility=hidden"],
      "cflags_cc": ["-Wall", "-Wextra", "-Werror", "-fvisibility=hidden", "-fvisibility-inlines-hidden", "-std=c++17"],
      "xcode_settings": { "GCC_SYMBOLS_PRIVATE_EXTERN": "YES", "GCC_TREAT_WARNINGS_AS_ERRORS": "YES" }
    }
  ]
}
