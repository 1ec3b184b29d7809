{
  "targets": [
    {
      "target_name": "fwctl_native",
      "sources": [
        "native/src/addon.cc",
        "native/src/netlink.cc",
        "native/src/bpf_ops.cc",
        "native/src/nft.cc",
        "native/src/nft_elements.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
      "libraries": ["-lbpf", "-lnftables"]
    }
  ]
}
