//! The ABI published as a JSON Schema (`plugins/abi.schema.json`) is the one
//! the Rust types generate, and it describes what the shipped plugins send.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use baocao_plugins::{Limits, PluginHost, builtin_plugins};
use serde_json::Value;

fn published_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../plugins/abi.schema.json")
}

fn generated() -> String {
    serde_json::to_string_pretty(&baocao_regime_abi::json_schema()).unwrap() + "\n"
}

#[test]
fn the_published_schema_is_generated_from_the_types() {
    let generated = generated();
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(published_path(), &generated).unwrap();
    }
    let published = std::fs::read_to_string(published_path()).unwrap();
    assert!(
        published == generated,
        "plugins/abi.schema.json is stale; regenerate it with `BLESS=1 cargo test -p baocao-plugins --test abi_schema`"
    );
}

/// Every field a shipped plugin's manifest sends is one the schema declares,
/// and every field the schema requires is sent, for the manifest and its forms.
#[test]
fn the_schema_describes_the_shipped_manifests() {
    let schema = baocao_regime_abi::json_schema();
    let defs = &schema["$defs"];
    let host = PluginHost::new(Limits::default()).unwrap();
    for (name, bytes) in builtin_plugins() {
        let plugin = host.load(bytes).unwrap();
        let manifest = serde_json::to_value(&plugin.manifest).unwrap();
        conforms(&manifest, &defs["Manifest"], &format!("{name}: manifest"));
        for (i, form) in manifest["forms"].as_array().unwrap().iter().enumerate() {
            conforms(form, &defs["Form"], &format!("{name}: form {i}"));
            for column in form["columns"].as_array().unwrap() {
                conforms(column, &defs["Column"], &format!("{name}: a column of form {i}"));
            }
        }
        if plugin.manifest.abi.minor >= 2 {
            let forms = manifest["forms"].as_array().unwrap();
            assert!(forms.iter().all(|f| f["computed_rows"].is_array()), "{name} states its computed rows (ABI 1.2)");
        }
    }
}

fn conforms(value: &Value, def: &Value, what: &str) {
    let properties =
        def["properties"].as_object().unwrap_or_else(|| panic!("{what}: the schema has no properties for it"));
    for key in value.as_object().unwrap().keys() {
        assert!(properties.contains_key(key), "{what}: field {key} is not in the schema");
    }
    for required in def["required"].as_array().into_iter().flatten() {
        assert!(value.get(required.as_str().unwrap()).is_some(), "{what}: required field {required} is missing");
    }
}
