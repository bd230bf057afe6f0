//! Regimes compiled ahead of time. Compiling a regime's module to machine
//! code takes about a second each; an instance that starts with every
//! regime preloaded would wait that long per regime on every start. So a
//! compiled module is kept as a file (wasmtime's serialised form) and read
//! back on the next start, in milliseconds. `baocao regimes precompile`
//! fills the directory when an image is built; a server fills it itself
//! when it may write there.
//!
//! A file is used only when its header names the same module (the SHA-256
//! of the `.wasm` being loaded), the same engine (wasmtime's version and the
//! hash of every setting that shapes machine code) and the SHA-256 of the
//! compiled bytes that follow. Anything else is compiled again. The
//! directory must be writable by the service alone: whoever can write
//! there chooses the machine code the server runs.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::{Engine, Module};

const MAGIC: &str = "baocao-regime-artifact 1";

/// Where compiled modules are kept, for one engine configuration.
pub(crate) struct Artifacts {
    dir: PathBuf,
    /// The engine's compatibility hash, in hex.
    engine_key: String,
}

impl Artifacts {
    pub(crate) fn new(engine: &Engine, dir: PathBuf) -> Self {
        let mut hasher = std::hash::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        // The hash covers the target, the compiler's settings, the features
        // and wasmtime's own version.
        let engine_key = format!("{:016x}", hasher.finish());
        Artifacts { dir, engine_key }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, module_sha256: &str) -> PathBuf {
        self.dir.join(format!("{module_sha256}-{}.cwasm", self.engine_key))
    }

    /// The compiled module for `module_sha256`, if a sound file for this
    /// engine is there.
    pub(crate) fn read(&self, engine: &Engine, module_sha256: &str) -> Option<Module> {
        let path = self.path(module_sha256);
        let file = std::fs::read(&path).ok()?;
        let Some(body) = self.checked_body(&file, module_sha256) else {
            tracing::warn!(path = %path.display(), "a compiled regime does not match its module or this engine; compiling again");
            return None;
        };
        // SAFETY: `Module::deserialize` runs the bytes as machine code. They
        // were written by `Module::serialize` of an engine with the same
        // version and code-shaping settings (the header's engine key), for
        // this very module (its SHA-256), and are intact (their own SHA-256).
        // wasmtime checks its own header again and refuses a mismatch.
        #[allow(unsafe_code)]
        let module = unsafe { Module::deserialize(engine, body) };
        match module {
            Ok(module) => Some(module),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "a compiled regime could not be read; compiling again");
                None
            }
        }
    }

    /// The compiled bytes after a header that names this module and engine
    /// and the bytes' own SHA-256.
    fn checked_body<'a>(&self, file: &'a [u8], module_sha256: &str) -> Option<&'a [u8]> {
        let end = file.iter().position(|&b| b == b'\n')?;
        let header = std::str::from_utf8(&file[..end]).ok()?;
        let body = &file[end + 1..];
        let expected = format!("{MAGIC} {module_sha256} {} {}", self.engine_key, hex::encode(Sha256::digest(body)));
        (header == expected).then_some(body)
    }

    /// Keeps a freshly compiled module for the next start. Best effort: a
    /// read-only directory (a container's image) only costs the next start
    /// its compile.
    pub(crate) fn write(&self, module_sha256: &str, module: &Module) {
        if let Err(error) = self.try_write(module_sha256, module) {
            tracing::debug!(dir = %self.dir.display(), %error, "a compiled regime was not kept");
        }
    }

    fn try_write(&self, module_sha256: &str, module: &Module) -> Result<PathBuf, Box<dyn std::error::Error>> {
        let body = module.serialize()?;
        let header = format!("{MAGIC} {module_sha256} {} {}\n", self.engine_key, hex::encode(Sha256::digest(&body)));
        std::fs::create_dir_all(&self.dir)?;
        let path = self.path(module_sha256);
        // Written aside and renamed: processes starting together never read half a file.
        let partial = self.dir.join(format!(".{module_sha256}.{}.partial", std::process::id()));
        std::fs::write(&partial, [header.as_bytes(), &body].concat())?;
        std::fs::rename(&partial, &path)?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAT: &str = r#"(module (func (export "f") (result i32) i32.const 7))"#;

    fn engine() -> Engine {
        Engine::default()
    }

    #[test]
    fn a_kept_module_is_read_back_and_a_spoiled_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine();
        let artifacts = Artifacts::new(&engine, dir.path().to_path_buf());
        let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
        assert!(artifacts.read(&engine, "abc").is_none(), "nothing kept yet");
        let path = artifacts.try_write("abc", &module).unwrap();
        assert!(artifacts.read(&engine, "abc").is_some(), "kept and read back");
        assert!(artifacts.read(&engine, "abd").is_none(), "another module's name finds nothing");

        // One flipped byte in the machine code: its SHA-256 no longer matches.
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        assert!(artifacts.read(&engine, "abc").is_none(), "a spoiled file is compiled again");

        // A file kept for another module, renamed to this one's name.
        let other = artifacts.try_write("other", &module).unwrap();
        std::fs::rename(other, &path).unwrap();
        assert!(artifacts.read(&engine, "abc").is_none(), "the header names another module");
    }

    #[test]
    fn another_engine_configuration_does_not_read_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine();
        let artifacts = Artifacts::new(&engine, dir.path().to_path_buf());
        artifacts.try_write("abc", &Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap()).unwrap();
        let mut config = wasmtime::Config::new();
        config.consume_fuel(true);
        let fueled = Engine::new(&config).unwrap();
        let other = Artifacts::new(&fueled, dir.path().to_path_buf());
        assert_ne!(other.engine_key, artifacts.engine_key, "fuel changes the machine code");
        assert!(other.read(&fueled, "abc").is_none());
    }
}
