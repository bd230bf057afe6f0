//! Plugin benchmark (prints figures; asserts nothing about speed).
//!
//!     cargo bench -p baocao-plugins --bench plugin
//!
//! Compute + validate of a 1,000-cell form through the sandbox, against the
//! same logic called natively in the same run, and the cold load (compile +
//! ABI check + manifest) of every shipped plugin.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use baocao_plugins::abi::{Cell, FormData};
use baocao_plugins::{Limits, PluginHost, builtin_plugins};
use baocao_regime_sdk::Regime;
use baocao_regime_sdk::logic;
use serde_json::json;

/// IV.02a with 100 localities × 10 entered columns = 1,000 cells.
fn thousand_cells() -> FormData {
    let entered = ["c4", "c5", "c6", "c8", "c9", "c10", "c11", "c12", "c13", "c14"];
    let mut cells = Vec::with_capacity(1000);
    for row in 0..100 {
        for (i, col) in entered.iter().enumerate() {
            // Column 11 is the sum of 12–14, as the form's rule demands.
            let value = if *col == "c11" { (7..10).map(|j| row * 10 + j).sum() } else { row * 10 + i };
            cells.push(Cell { row: format!("dia-phuong-{row}"), col: (*col).to_owned(), value: json!(value) });
        }
    }
    FormData { form: "IV.02a/VPCP/KSTT".to_owned(), cells }
}

fn per_call(label: &str, iterations: u32, mut f: impl FnMut()) -> Duration {
    f(); // warm up
    let started = Instant::now();
    for _ in 0..iterations {
        f();
    }
    let each = started.elapsed() / iterations;
    println!("{label:<52} {:>9.3} ms per call", each.as_secs_f64() * 1e3);
    each
}

fn main() {
    let host = PluginHost::new(Limits::default()).unwrap();
    println!("baocao plugin host — {} built-in plugin(s)", builtin_plugins().len());
    for (name, bytes) in builtin_plugins() {
        let fresh = PluginHost::new(Limits::default()).unwrap();
        let started = Instant::now();
        let plugin = fresh.load(bytes).unwrap();
        println!(
            "cold load {name:<41} {:>9.3} ms ({} KiB, {} forms)",
            started.elapsed().as_secs_f64() * 1e3,
            bytes.len() / 1024,
            plugin.manifest.forms.len()
        );
    }
    let (_, bytes) = builtin_plugins().iter().find(|(n, _)| *n == "regime_tt01_iv").unwrap();
    let plugin = host.load(bytes).unwrap();
    let data = thousand_cells();
    let iterations = 200;
    let sandboxed = per_call("sandbox: compute + validate, 1,000 cells", iterations, || {
        let computed = host.compute(&plugin, &data).unwrap();
        assert!(host.validate(&plugin, &computed).unwrap().is_empty());
    });
    let manifest = regime_tt01_iv::RegimeIv::manifest();
    let form = logic::form(&manifest, &data.form).unwrap();
    let native = per_call("native: compute + validate, 1,000 cells", iterations, || {
        let computed = logic::compute(form, data.clone());
        assert!(logic::validate(form, &computed).is_empty());
    });
    println!(
        "sandbox / native: {:.1}×   (goal: under 5 ms per call through the host)",
        sandboxed.as_secs_f64() / native.as_secs_f64()
    );
}
