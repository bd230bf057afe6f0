//! Builds the regime plugins of `plugins/` for wasm32 and embeds them, so
//! that `cargo build --bin baocao` yields a binary carrying the built-in
//! regimes. It uses whichever wasm toolchain the machine has:
//!
//! 1. the active toolchain's `wasm32-unknown-unknown` standard library
//!    (installed with `rustup target add wasm32-unknown-unknown`, tried here
//!    when rustup is present);
//! 2. otherwise Debian's `rustc-web`/`cargo-web`/`rust-web-src`, building the
//!    standard library from source (`-Zbuild-std`) and linking with rust-lld.
//!
//! Set `BAOCAO_WASM_TOOLCHAIN=rustup` or `=debian` to force one route,
//! `BAOCAO_PLUGINS_WASM_DIR` to a directory of prebuilt `.wasm` files to skip
//! the build (packaging), or `BAOCAO_SKIP_PLUGIN_BUILD=1` to embed none.

// A build script reports failure by panicking with a message; that is its interface.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-unknown-unknown";

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let plugins = manifest_dir.join("../../plugins").canonicalize().expect("plugins/ exists beside platform/");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    // Relative to this package: build outputs are shared between checkouts
    // that use one target directory, and an absolute path would watch the
    // checkout that happened to build first.
    println!("cargo:rerun-if-changed=../../plugins");
    println!("cargo:rerun-if-env-changed=BAOCAO_PLUGINS_WASM_DIR");
    println!("cargo:rerun-if-env-changed=BAOCAO_SKIP_PLUGIN_BUILD");
    println!("cargo:rerun-if-env-changed=BAOCAO_WASM_TOOLCHAIN");

    let wasm_files: Vec<PathBuf> = if std::env::var_os("BAOCAO_SKIP_PLUGIN_BUILD").is_some() {
        Vec::new()
    } else if let Some(dir) = std::env::var_os("BAOCAO_PLUGINS_WASM_DIR") {
        list_wasm(Path::new(&dir))
    } else {
        let target_dir = out.join("plugins-target");
        build(&plugins, &target_dir);
        list_wasm(&target_dir.join(TARGET).join("release"))
    };

    // Fixtures (`plugins/fixtures/`) and the template (`plugins/template/`) are
    // built with the regimes but never loaded as built-ins; tests and
    // benchmarks upload them.
    let is_fixture = |f: &PathBuf| {
        f.file_stem().and_then(|s| s.to_str()).is_some_and(|s| s.starts_with("fixture_") || s.starts_with("template_"))
    };
    let mut code = String::from(
        "/// The regime plugins built from `plugins/`: (file stem, module bytes).\npub const BUILTIN: &[(&str, &[u8])] = &[\n",
    );
    for file in wasm_files.iter().filter(|f| !is_fixture(f)) {
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("plugin");
        let _ = writeln!(code, "    ({stem:?}, include_bytes!({:?})),", file.display().to_string());
    }
    // Only their paths: the fixture bytes stay out of the server binary.
    code.push_str("];\n/// Fixture plugins for tests and benchmarks: (file stem, path of the built module).\npub const FIXTURES: &[(&str, &str)] = &[\n");
    for file in wasm_files.iter().filter(|f| is_fixture(f)) {
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("plugin");
        let _ = writeln!(code, "    ({stem:?}, {:?}),", file.display().to_string());
    }
    code.push_str("];\n");
    std::fs::write(out.join("builtin.rs"), code).expect("write builtin.rs");
}

fn list_wasm(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    files.sort();
    files
}

/// A cargo command with nothing of the outer build's environment that would
/// redirect or alter the inner one.
fn clean(mut cmd: Command) -> Command {
    for var in [
        "CARGO_TARGET_DIR",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        cmd.env_remove(var);
    }
    for (key, _) in std::env::vars() {
        if key.starts_with("CARGO_PROFILE_") || key.starts_with("CARGO_CFG_") || key.starts_with("CARGO_FEATURE_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn rustc() -> String {
    std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned())
}

fn has_wasm_std() -> bool {
    let Ok(out) = Command::new(rustc()).args(["--print", "target-libdir", "--target", TARGET]).output() else {
        return false;
    };
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    out.status.success()
        && std::fs::read_dir(&dir)
            .map(|d| d.flatten().any(|e| e.file_name().to_string_lossy().starts_with("libstd-")))
            .unwrap_or(false)
}

fn rust_lld() -> Option<PathBuf> {
    let home = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".rustup")))?;
    let toolchains = std::fs::read_dir(home.join("toolchains")).ok()?;
    let mut found: Vec<PathBuf> = toolchains
        .flatten()
        .map(|t| t.path().join("lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found.into_iter().next().or_else(|| {
        ["/usr/bin/rust-lld", "/usr/bin/lld", "/usr/bin/wasm-ld"].iter().map(PathBuf::from).find(|p| p.exists())
    })
}

fn run(mut cmd: Command, how: &str) {
    let status = cmd.status().unwrap_or_else(|e| panic!("{how}: could not start cargo: {e}"));
    assert!(status.success(), "{how}: building the regime plugins failed (see the output above)");
}

fn build(plugins: &Path, target_dir: &Path) {
    let forced = std::env::var("BAOCAO_WASM_TOOLCHAIN").ok();
    let try_rustup = forced.as_deref() != Some("debian");
    if try_rustup
        && !has_wasm_std()
        && Command::new("rustup").args(["target", "add", TARGET]).status().is_ok_and(|s| s.success())
    {
        println!("cargo:warning=installed the {TARGET} target with rustup");
    }
    if try_rustup && has_wasm_std() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut cmd = clean(Command::new(cargo));
        cmd.current_dir(plugins)
            .args(["build", "--release", "--locked", "--target", TARGET])
            .env("CARGO_TARGET_DIR", target_dir);
        run(cmd, "rustup toolchain");
        return;
    }
    // Debian's toolchain: the standard library is built from rust-web-src.
    let debian_cargo = Path::new("/usr/bin/cargo");
    let lld = rust_lld();
    match (debian_cargo.exists() && Path::new("/usr/lib/rustlib/src").exists(), lld) {
        (true, Some(lld)) => {
            let mut cmd = clean(Command::new(debian_cargo));
            cmd.env_remove("RUSTC")
                .env_remove("CARGO")
                .env_remove("RUSTUP_TOOLCHAIN")
                .env("PATH", format!("/usr/bin:{}", std::env::var("PATH").unwrap_or_default()))
                .env("RUSTC_BOOTSTRAP", "1")
                .env("RUSTFLAGS", format!("-C linker={}", lld.display()))
                .env("CARGO_TARGET_DIR", target_dir)
                .current_dir(plugins)
                .args(["build", "--release", "--locked", "-Zbuild-std=std,panic_abort", "--target", TARGET]);
            run(cmd, "Debian rustc-web toolchain");
        }
        _ if forced.as_deref() == Some("rustup") => {
            panic!("BAOCAO_WASM_TOOLCHAIN=rustup, but the {TARGET} target could not be installed")
        }
        _ => panic!(
            "no wasm32 toolchain: run `rustup target add {TARGET}`, or `apt-get install rustc-web cargo-web rust-web-src` \
             (see DEVELOPERS.md), or point BAOCAO_PLUGINS_WASM_DIR at prebuilt plugins"
        ),
    }
}
