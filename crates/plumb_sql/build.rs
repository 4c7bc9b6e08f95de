//! Compiles the patched upb protobuf runtime (`vendor/upb`, see its README) and links it whole,
//! so its definitions win over the copy inside pg_query's `libpg_query.a`.

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=vendor/upb");
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("vendor/upb");
    let mut build = cc::Build::new();
    build
        .file(dir.join("upb.c"))
        .include(&dir)
        .include(dir.join("third_party/utf8_range"))
        .warnings(false)
        .cargo_metadata(false);
    if !env::var("TARGET").unwrap_or_default().contains("msvc") {
        // upb's own flags, as pg_query's build script sets them.
        build.flag("-fno-strict-aliasing").flag("-fwrapv");
    }
    build.compile("plumb_upb");
    let out = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo:rustc-link-search=native={out}");
    println!("cargo:rustc-link-lib=static:+whole-archive=plumb_upb");
}
