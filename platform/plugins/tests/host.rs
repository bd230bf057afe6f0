//! The plugin host against the shipped regime and against hostile modules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use baocao_plugins::abi::{Cell, FormData, PeriodType, RowMode, ScheduleRequest};
use baocao_plugins::{Limits, PluginError, PluginHost, builtin_plugins};
use baocao_regime_sdk::Regime;
use serde_json::{Value, json};

fn host() -> PluginHost {
    PluginHost::new(Limits {
        fuel: 200_000_000,
        deadline: Duration::from_millis(800),
        max_memory_bytes: 32 << 20,
        ..Limits::default()
    })
    .unwrap()
}

fn regime_iv(host: &PluginHost) -> Arc<baocao_plugins::Plugin> {
    let (_, bytes) =
        builtin_plugins().iter().find(|(name, _)| *name == "regime_tt01_iv").expect("regime IV is built in");
    host.load(bytes).unwrap()
}

fn cell(row: &str, col: &str, value: Value) -> Cell {
    Cell { row: row.to_owned(), col: col.to_owned(), value }
}

fn value(data: &FormData, row: &str, col: &str) -> Value {
    data.cells.iter().find(|c| c.row == row && c.col == col).map(|c| c.value.clone()).unwrap_or(Value::Null)
}

#[test]
fn the_built_in_regime_loads_with_its_manifest() {
    let host = host();
    let plugin = regime_iv(&host);
    assert_eq!(plugin.manifest.code, "TT01-IV");
    assert_eq!(plugin.manifest.effective_from, "2020-12-15");
    assert_eq!(plugin.sha256.len(), 64);
    let form = plugin.manifest.forms.iter().find(|f| f.code == "IV.02a/VPCP/KSTT").unwrap();
    let formulas: Vec<u32> = form.columns.iter().filter(|c| c.formula.is_some()).map(|c| c.number).collect();
    assert_eq!(formulas, vec![3, 7], "the handbook names columns 3 and 7 as formulas");
    // Loading the same bytes again is served from the cache.
    let again = regime_iv(&host);
    assert!(Arc::ptr_eq(&plugin, &again));
}

#[test]
fn compute_fills_formulas_and_the_total_row() {
    let host = host();
    let plugin = regime_iv(&host);
    let input = FormData {
        form: "IV.02a/VPCP/KSTT".to_owned(),
        cells: vec![
            // The handbook's sample row: 222 = 17 + 85 + 120.
            cell("thai-binh", "c4", json!(17)),
            cell("thai-binh", "c5", json!(85)),
            cell("thai-binh", "c6", json!(120)),
            cell("thai-binh", "c8", json!(15)),
            cell("thai-binh", "c9", json!(80)),
            cell("thai-binh", "c10", json!(100)),
            cell("hung-yen", "c4", json!(20)),
            cell("hung-yen", "c5", json!(0)),
            cell("hung-yen", "c6", json!(104)),
            // A wrong value typed into a formula cell is replaced.
            cell("hung-yen", "c3", json!(1)),
        ],
    };
    let out = host.compute(&plugin, &input).unwrap();
    assert_eq!(value(&out, "thai-binh", "c3"), json!(222));
    assert_eq!(value(&out, "thai-binh", "c7"), json!(195));
    assert_eq!(value(&out, "hung-yen", "c3"), json!(124));
    assert_eq!(value(&out, "tong", "c3"), json!(346));
    assert_eq!(value(&out, "tong", "c4"), json!(37));
    assert_eq!(value(&out, "tong", "c7"), json!(195), "a column only one row filled");
    assert_eq!(value(&out, "tong", "c11"), Value::Null, "nobody filled it");
    // The same logic called natively gives the same answer.
    let native = baocao_regime_sdk::logic::compute(
        baocao_regime_sdk::logic::form(&regime_tt01_iv::RegimeIv::manifest(), "IV.02a/VPCP/KSTT").unwrap(),
        input,
    );
    assert_eq!(native, out);
}

#[test]
fn percent_columns_are_computed_and_guard_division_by_zero() {
    let host = host();
    let plugin = regime_iv(&host);
    let input = FormData {
        form: "IV.01/VPCP/KSTT".to_owned(),
        cells: vec![
            cell("bo-tu-phap", "c3", json!(1500)),
            cell("bo-tu-phap", "c4", json!(1275)),
            cell("bo-tu-phap", "c6", json!(0)),
            cell("bo-tu-phap", "c7", json!(0)),
        ],
    };
    let out = host.compute(&plugin, &input).unwrap();
    assert_eq!(value(&out, "bo-tu-phap", "c5"), json!(85.0));
    assert_eq!(value(&out, "bo-tu-phap", "c8"), Value::Null);
}

#[test]
fn validate_names_each_offending_cell() {
    let host = host();
    let plugin = regime_iv(&host);
    let input = FormData {
        form: "IV.02a/VPCP/KSTT".to_owned(),
        cells: vec![
            cell("thai-binh", "c11", json!(300)),
            cell("thai-binh", "c12", json!(20)),
            cell("thai-binh", "c13", json!(8)),
            cell("thai-binh", "c14", json!(260)),
            cell("thai-binh", "c4", json!(-1)),
            cell("thai-binh", "c5", json!("nhiều")),
            cell("thai-binh", "c6", json!(2.5)),
            cell("thai-binh", "c99", json!(1)),
        ],
    };
    let errors = host.validate(&plugin, &input).unwrap();
    let at = |col: &str| {
        errors.iter().find(|e| e.col.as_deref() == Some(col)).unwrap_or_else(|| panic!("no error at {col}: {errors:?}"))
    };
    assert!(at("c4").message.vi.contains("không được âm"));
    assert!(at("c5").message.vi.contains("phải là số"));
    assert!(at("c6").message.vi.contains("số nguyên"));
    assert!(at("c99").message.vi.contains("không có cột"));
    let rule = at("c11");
    assert!(
        rule.message.vi.contains("(11) = (12) + (13) + (14)") && rule.message.vi.contains("300 ≠ 288"),
        "{}",
        rule.message.vi
    );
    assert!(rule.message.vi.starts_with("Dòng \"thai-binh\", cột (11)"));
    assert_eq!(errors.len(), 5);
    let fine = FormData {
        form: input.form.clone(),
        cells: vec![
            cell("thai-binh", "c11", json!(288)),
            cell("thai-binh", "c12", json!(20)),
            cell("thai-binh", "c13", json!(8)),
            cell("thai-binh", "c14", json!(260)),
        ],
    };
    assert!(host.validate(&plugin, &fine).unwrap().is_empty());
    // An unknown form is the plugin's refusal, not a crash.
    let unknown = FormData { form: "X.01".to_owned(), cells: vec![] };
    assert!(matches!(host.validate(&plugin, &unknown), Err(PluginError::Refused(m)) if m.contains("unknown form")));
}

#[test]
fn schedule_gives_the_decree_09_windows() {
    let host = host();
    let plugin = regime_iv(&host);
    let q2021 = host.schedule(&plugin, &ScheduleRequest { year: 2021, period: PeriodType::Quarter }).unwrap();
    assert_eq!(q2021.len(), 4);
    assert_eq!(
        (q2021[0].data_from.as_str(), q2021[0].data_to.as_str()),
        ("2020-12-15", "2021-03-14"),
        "Q1 2021 as in the handbook"
    );
    assert_eq!((q2021[1].data_from.as_str(), q2021[1].data_to.as_str()), ("2021-03-15", "2021-06-14"));
    assert_eq!((q2021[3].data_from.as_str(), q2021[3].data_to.as_str()), ("2021-09-15", "2021-12-14"));
    assert_eq!(q2021[0].entry_opens, "2021-03-15");
    assert_eq!(q2021[0].deadlines[0].date, "2021-03-20");
    let q2026 = host.schedule(&plugin, &ScheduleRequest { year: 2026, period: PeriodType::Quarter }).unwrap();
    assert_eq!((q2026[0].data_from.as_str(), q2026[0].data_to.as_str()), ("2025-12-15", "2026-03-14"));
    // Six months and years follow the same rule (checked natively: regime IV is quarterly only).
    let mut manifest = regime_tt01_iv::RegimeIv::manifest();
    manifest.periods = vec![PeriodType::HalfYear, PeriodType::Year];
    let halves =
        baocao_regime_sdk::logic::schedule(&manifest, &ScheduleRequest { year: 2026, period: PeriodType::HalfYear })
            .unwrap();
    assert_eq!(
        (
            halves[0].data_from.as_str(),
            halves[0].data_to.as_str(),
            halves[1].data_from.as_str(),
            halves[1].data_to.as_str()
        ),
        ("2025-12-15", "2026-06-14", "2026-06-15", "2026-12-14")
    );
    let year = baocao_regime_sdk::logic::schedule(&manifest, &ScheduleRequest { year: 2021, period: PeriodType::Year })
        .unwrap();
    assert_eq!((year[0].data_from.as_str(), year[0].data_to.as_str()), ("2020-12-15", "2021-12-14"));
    assert!(matches!(
        host.schedule(&plugin, &ScheduleRequest { year: 2021, period: PeriodType::Year }),
        Err(PluginError::Refused(_))
    ));
}

// ---------------------------------------------------------------- hostile ---

/// A module speaking the ABI whose `baocao_call` runs `body` and whose memory
/// holds `reply` at offset 2048 (for modules that answer with a fixed reply).
fn wat(abi: i32, body: &str, reply: &str) -> Vec<u8> {
    let escaped: String = reply.bytes().map(|b| format!("\\{b:02x}")).collect();
    let text = format!(
        r#"(module
            (memory (export "memory") 1)
            (data (i32.const 2048) "{escaped}")
            (func (export "baocao_abi_major") (result i32) i32.const {abi})
            (func (export "baocao_alloc") (param i32) (result i32) i32.const 1024)
            (func (export "baocao_free") (param i32 i32))
            (func (export "baocao_call") (param i32 i32 i32) (result i64) {body}))"#
    );
    wat_bytes(&text)
}

/// Assembles the text format into the binary a real upload carries.
fn wat_bytes(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap()
}

fn answer(reply: &str) -> String {
    format!("i64.const {}", baocao_plugins::abi::pack(2048, reply.len() as u32))
}

fn manifest_with_duplicate_columns() -> String {
    let mut manifest = serde_json::to_value(regime_tt01_iv::RegimeIv::manifest()).unwrap();
    let columns = manifest["forms"][1]["columns"].as_array_mut().unwrap();
    let first = columns[0].clone();
    columns.push(first);
    json!({"ok": manifest}).to_string()
}

fn expect_err(result: Result<Arc<baocao_plugins::Plugin>, PluginError>) -> PluginError {
    match result {
        Ok(p) => panic!("a hostile plugin was accepted: {p:?}"),
        Err(e) => e,
    }
}

#[test]
fn hostile_plugins_are_refused_with_a_clear_reason() {
    let host = host();
    let good_reply = json!({"ok": regime_tt01_iv::RegimeIv::manifest()}).to_string();

    let looping = wat(1, "(loop $forever (br $forever)) i64.const 0", "");
    let started = Instant::now();
    let e = expect_err(host.load(&looping));
    assert!(matches!(e, PluginError::OutOfFuel | PluginError::Timeout(_)), "{e}");
    assert!(started.elapsed() < Duration::from_secs(5), "the loop was stopped");

    let greedy = wat(1, "(loop $grow (drop (memory.grow (i32.const 16))) (br $grow)) i64.const 0", "");
    let e = expect_err(host.load(&greedy));
    assert!(matches!(e, PluginError::MemoryLimit | PluginError::OutOfFuel | PluginError::Trap(_)), "{e}");

    let crashing = wat(1, "unreachable", "");
    assert!(matches!(expect_err(host.load(&crashing)), PluginError::Trap(_)));

    let huge = wat(1, &format!("i64.const {}", baocao_plugins::abi::pack(0, u32::MAX)), "");
    assert!(matches!(expect_err(host.load(&huge)), PluginError::OutputTooLarge(_)));

    let lying = wat(1, &answer("not json"), "not json");
    assert!(matches!(expect_err(host.load(&lying)), PluginError::MalformedOutput(_)));

    let future = wat(2, &answer(&good_reply), &good_reply);
    let e = expect_err(host.load(&future));
    assert!(matches!(e, PluginError::AbiMismatch { found: 2, supported: 1 }), "{e}");

    let duplicate = manifest_with_duplicate_columns();
    let e = expect_err(host.load(&wat(1, &answer(&duplicate), &duplicate)));
    assert!(
        matches!(&e, PluginError::InvalidManifest(p) if p.iter().any(|m| m.contains("column code c3 is used twice"))),
        "{e}"
    );

    let with_import = wat_bytes(
        r#"(module (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i64 i32) (result i32))) (memory (export "memory") 1))"#,
    );
    assert!(matches!(expect_err(host.load(&with_import)), PluginError::Imports(i) if i.contains("clock_time_get")));

    assert!(matches!(expect_err(host.load(b"MZ\x90\x00 not a module")), PluginError::NotWasm(_)));
    let oversize = vec![0u8; host.limits().max_module_bytes + 1];
    assert!(matches!(expect_err(host.load(&oversize)), PluginError::TooLarge { .. }));

    // The well-behaved twin of these modules is accepted.
    let fine = wat(1, &answer(&good_reply), &good_reply);
    assert_eq!(host.load(&fine).unwrap().manifest.code, "TT01-IV");
}

#[test]
fn a_looping_plugin_does_not_stop_other_calls() {
    let host = Arc::new(host());
    let plugin = regime_iv(&host);
    let looping = wat(1, "(loop $forever (br $forever)) i64.const 0", "");
    let spinner = {
        let host = host.clone();
        std::thread::spawn(move || (0..3).filter(|_| host.load(&looping).is_err()).count() == 3)
    };
    let input = FormData {
        form: "IV.02a/VPCP/KSTT".to_owned(),
        cells: vec![cell("x", "c4", json!(1)), cell("x", "c5", json!(2)), cell("x", "c6", json!(3))],
    };
    let mut served = 0;
    while !spinner.is_finished() {
        let out = host.compute(&plugin, &input).unwrap();
        assert_eq!(value(&out, "x", "c3"), json!(6));
        served += 1;
    }
    assert!(spinner.join().unwrap(), "every looping load was refused");
    assert!(served > 0, "calls were served meanwhile");
}

#[test]
fn the_meetings_regime_has_a_deadline_per_level() {
    let host = host();
    let (_, bytes) =
        builtin_plugins().iter().find(|(name, _)| *name == "regime_tt01_iii").expect("regime III is built in");
    let plugin = host.load(bytes).unwrap();
    assert_eq!(plugin.manifest.code, "TT01-III");
    let year = host.schedule(&plugin, &ScheduleRequest { year: 2021, period: PeriodType::Year }).unwrap();
    assert_eq!((year[0].data_from.as_str(), year[0].data_to.as_str()), ("2020-12-15", "2021-12-14"));
    let at = |level: &str| year[0].deadlines.iter().find(|d| d.level == level).unwrap().date.clone();
    assert_eq!(
        (at("xa"), at("huyen"), at("tinh"), at("bo")),
        ("2021-12-17".to_owned(), "2021-12-19".to_owned(), "2021-12-22".to_owned(), "2021-12-22".to_owned())
    );
    let form = &plugin.manifest.forms[0];
    assert!(form.row_modes.contains(&baocao_plugins::abi::RowMode::Catalogue), "units are picked from the catalogue");
    let out = host
        .compute(
            &plugin,
            &FormData {
                form: form.code.clone(),
                cells: vec![
                    cell("xa-a", "c4", json!(30)),
                    cell("xa-a", "c5", json!(10)),
                    cell("xa-b", "c4", json!(12)),
                ],
            },
        )
        .unwrap();
    assert_eq!(value(&out, "xa-a", "c3"), json!(40));
    assert_eq!(value(&out, "xa-a", "c7"), json!(25.0));
    assert_eq!(value(&out, "tong", "c3"), json!(52));
    assert_eq!(value(&out, "tong", "c5"), json!(10));
}

fn thai_binh(host: &PluginHost) -> Arc<baocao_plugins::Plugin> {
    let (_, bytes) = builtin_plugins()
        .iter()
        .find(|(name, _)| *name == "regime_thaibinh_cds_2022")
        .expect("the Thái Bình regime is built in");
    host.load(bytes).unwrap()
}

#[test]
fn thai_binh_scoring_sums_criteria_and_checks_the_maxima() {
    let host = host();
    let plugin = thai_binh(&host);
    assert_eq!(plugin.manifest.abi.minor, 1);
    let codes: Vec<&str> = plugin.manifest.forms.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, vec!["CDS_CAPSO_2022", "CDS_CAPHUYEN_2022", "CDS_CAPXA_2022"]);
    let department = &plugin.manifest.forms[0];
    let indices = department.rows.iter().filter(|r| r.level == 0 && !r.total).count();
    assert_eq!(indices, 6, "departments are scored on 6 indices");
    assert_eq!(plugin.manifest.forms[1].rows.iter().filter(|r| r.level == 0 && !r.total).count(), 8, "districts on 8");
    let appraised = department.columns.iter().find(|c| c.code == "appraised").unwrap();
    assert_eq!(appraised.fill_groups, vec!["TINH_TONGHOP", "TINH_SO_TONGHOP"]);

    let data = FormData {
        form: "CDS_CAPSO_2022".to_owned(),
        cells: vec![
            cell("1.1", "self", json!(45)),
            cell("1.2", "self", json!(8.5)),
            cell("1.2", "evidence", json!("Văn bản số 12/STP ngày 03/3/2022")),
            cell("1.1", "max", json!(999)),
        ],
    };
    let out = host.compute(&plugin, &data).unwrap();
    assert_eq!(value(&out, "1.1", "max"), json!(50.0), "maxima come from the criteria list, not the input");
    assert_eq!(value(&out, "1", "max"), json!(100.0));
    assert_eq!(value(&out, "1", "self"), json!(53.5));
    assert_eq!(value(&out, "tong", "max"), json!(1000.0));
    assert_eq!(value(&out, "tong", "self"), json!(53.5));

    let wrong = FormData {
        form: "CDS_CAPSO_2022".to_owned(),
        cells: vec![
            cell("1.1", "self", json!(50.5)),
            cell("2", "self", json!(10)),
            cell("3.1", "appraised", json!(-1)),
        ],
    };
    let errors = host.validate(&plugin, &wrong).unwrap();
    let messages: Vec<&str> = errors.iter().map(|e| e.message.vi.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("Người đứng đầu") && m.contains("50,5") && m.contains("0 – 50")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.contains("Kiến tạo thể chế") && m.contains("tiêu chí con")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("điểm thẩm định -1")), "{messages:?}");
}

#[test]
fn thai_binh_units_are_ranked() {
    let host = host();
    let plugin = thai_binh(&host);
    let unit = |name: &str, cells: Vec<Cell>| baocao_plugins::abi::UnitData { unit: name.to_owned(), cells };
    let request = baocao_plugins::abi::ScoreRequest {
        form: "CDS_CAPXA_2022".to_owned(),
        units: vec![
            unit(
                "xa-minh-quang",
                vec![
                    cell("1.1", "self", json!(40)),
                    cell("6.1", "self", json!(80)),
                    cell("1.1", "appraised", json!(35)),
                    cell("6.1", "appraised", json!(70)),
                ],
            ),
            unit("xa-tam-quang", vec![cell("1.1", "self", json!(45)), cell("6.1", "self", json!(60))]),
            unit(
                "phuong-le-hong-phong",
                vec![
                    cell("1.1", "self", json!(50)),
                    cell("6.1", "self", json!(55)),
                    cell("1.1", "appraised", json!(45)),
                ],
            ),
        ],
    };
    let ranking = host.score(&plugin, &request).unwrap();
    let order: Vec<(&str, f64, u32)> = ranking.iter().map(|s| (s.unit.as_str(), s.final_score, s.rank)).collect();
    // Minh Quang: appraised 105; Tam Quang: not appraised, self 105; Lê Hồng Phong: appraisal incomplete, self 105.
    assert_eq!(
        order,
        vec![("phuong-le-hong-phong", 105.0, 1), ("xa-minh-quang", 105.0, 1), ("xa-tam-quang", 105.0, 1)]
    );
    assert_eq!(ranking.iter().find(|s| s.unit == "xa-minh-quang").unwrap().appraised_score, Some(105.0));
    assert_eq!(
        ranking.iter().find(|s| s.unit == "phuong-le-hong-phong").unwrap().appraised_score,
        None,
        "one criterion is not appraised yet"
    );
    let mut request = request;
    request.units[1].cells.push(cell("8.1", "self", json!(7.5)));
    let ranking = host.score(&plugin, &request).unwrap();
    assert_eq!((ranking[0].unit.as_str(), ranking[0].final_score, ranking[0].rank), ("xa-tam-quang", 112.5, 1));
    assert_eq!((ranking[1].rank, ranking[2].rank), (2, 2), "ties share a rank");
    let not_scoring = baocao_plugins::abi::ScoreRequest { form: "IV.02a/VPCP/KSTT".to_owned(), units: vec![] };
    assert!(
        matches!(host.score(&regime_iv(&host), &not_scoring), Err(PluginError::Refused(m)) if m.contains("not a scoring form"))
    );
}

#[test]
fn regimes_v_and_vi_compute_their_formulas() {
    let host = host();
    let load = |name: &str| host.load(builtin_plugins().iter().find(|(n, _)| *n == name).unwrap().1).unwrap();
    let v = load("regime_tt01_v");
    assert_eq!(v.manifest.periods, vec![PeriodType::HalfYear, PeriodType::Year]);
    let halves = host.schedule(&v, &ScheduleRequest { year: 2026, period: PeriodType::HalfYear }).unwrap();
    assert_eq!(
        (halves[0].data_to.as_str(), halves[0].deadlines[0].date.as_str()),
        ("2026-06-14", "2026-06-25"),
        "by the 25th, Decree 09 Art. 13"
    );
    let out = host
        .compute(
            &v,
            &FormData {
                form: "V.01/VPCP/KSTT".to_owned(),
                cells: vec![
                    cell("luy-ke", "c5", json!(12)),
                    cell("luy-ke", "c6", json!(5)),
                    cell("luy-ke", "c7", json!(1)),
                ],
            },
        )
        .unwrap();
    assert_eq!(value(&out, "luy-ke", "c4"), json!(18));
    let extra = host
        .validate(&v, &FormData { form: "V.01/VPCP/KSTT".to_owned(), cells: vec![cell("them-dong", "c3", json!(1))] })
        .unwrap();
    assert!(extra[0].message.vi.contains("không có dòng"), "fixed-row forms refuse other rows");
    let vi = load("regime_tt01_vi");
    let out = host
        .compute(
            &vi,
            &FormData {
                form: "VI.01/VPCP/TTĐT".to_owned(),
                cells: vec![
                    cell("ket-qua", "c4", json!(40)),
                    cell("ket-qua", "c5", json!(8)),
                    cell("ket-qua", "c6", json!(46)),
                    cell("ket-qua", "c7", json!(23)),
                ],
            },
        )
        .unwrap();
    assert_eq!(value(&out, "ket-qua", "c3"), json!(48));
    assert_eq!(value(&out, "ket-qua", "c8"), json!(50.0));
}

#[test]
fn every_shipped_plugin_loads_with_a_valid_manifest() {
    let host = host();
    let mut codes = Vec::new();
    for (name, bytes) in builtin_plugins() {
        let plugin = host.load(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(baocao_plugins::abi::check_manifest(&plugin.manifest).is_empty(), "{name}");
        assert!(!plugin.manifest.forms.is_empty(), "{name} declares forms");
        assert!(!plugin.manifest.name.vi.is_ascii(), "{name} has a Vietnamese name with diacritics");
        codes.push(plugin.manifest.code.clone());
    }
    codes.sort();
    assert_eq!(codes, vec!["TB-CDS-2022", "TT01-I", "TT01-II", "TT01-III", "TT01-IV", "TT01-V", "TT01-VI"]);
}

/// Who enters what in regimes I and VI (handbook §2.1.a, §2.1.e, §2.2).
#[test]
fn regimes_i_and_vi_give_each_form_to_the_units_the_handbook_names() {
    let host = host();
    let load = |name: &str| host.load(builtin_plugins().iter().find(|(n, _)| *n == name).unwrap().1).unwrap();
    let i = load("regime_tt01_i");
    let form = |code: &str| i.manifest.forms.iter().find(|f| f.code == code).unwrap().clone();
    let i03 = form("I.03/VPCP/TH");
    assert!(i03.title.vi.starts_with("NHIỆM VỤ GIAO BỘ, CƠ QUAN LIÊN QUAN ĐẾN ĐỊA PHƯƠNG"), "{}", i03.title.vi);
    assert_eq!(i03.row_modes, [RowMode::FreeText], "one added row per overdue task");
    assert!(i03.entered_at("tinh", "thaibinh") && !i03.entered_at("bo", "btp"));
    assert!(form("I.01/VPCP/TH").entered_at("bo", "btp") && !form("I.01/VPCP/TH").entered_at("tinh", "thaibinh"));
    assert!(form("I.02/VPCP/TH").entered_at("bo", "btp") && form("I.02/VPCP/TH").entered_at("tinh", "thaibinh"));
    let vi = load("regime_tt01_vi");
    let outline = vi.manifest.outlines.iter().find(|o| o.code == "VI.01-ĐC").expect("VI has its outline (§2.2)");
    let top: Vec<&str> = outline.sections.iter().filter(|s| s.level == 0).map(|s| s.label.as_str()).collect();
    assert_eq!(top, ["I", "II", "III", "IV", "V"]);
    assert!(vi.manifest.forms[0].entered_at("tinh", "thaibinh") && !vi.manifest.forms[0].entered_at("bo", "btp"));
    assert_eq!(vi.manifest.reporting_levels, ["bo", "tinh"], "ministries write the outline too");
}

#[test]
fn regime_i_computes_the_handbook_formulas_and_keeps_i04_outside() {
    let host = host();
    let plugin = host.load(builtin_plugins().iter().find(|(n, _)| *n == "regime_tt01_i").unwrap().1).unwrap();
    let data = FormData {
        form: "I.01/VPCP/TH".to_owned(),
        cells: vec![
            cell("chinh-phu", "c3", json!(20)),
            cell("chinh-phu", "c4", json!(5)),
            cell("chinh-phu", "c5", json!(1)),
            cell("chinh-phu", "c9", json!(15)),
            cell("chinh-phu", "c10", json!(3)),
            cell("thu-tuong", "c3", json!(10)),
            cell("thu-tuong", "c9", json!(10)),
        ],
    };
    let out = host.compute(&plugin, &data).unwrap();
    assert_eq!(value(&out, "chinh-phu", "c6"), json!(24), "(6) = (3) + (4) − (5)");
    assert_eq!(value(&out, "chinh-phu", "c14"), json!(75.0), "(14) = ((9) + (10)) / (6) × 100");
    assert_eq!(value(&out, "tong", "c6"), json!(34));
    assert_eq!(value(&out, "tong", "c14"), json!(82.35), "the total's ratio comes from the totals");
    let i02 = FormData {
        form: "I.02/VPCP/TH".to_owned(),
        cells: vec![
            cell("mat", "c3", json!(9)),
            cell("mat", "c4", json!(5)),
            cell("mat", "c5", json!(3)),
            cell("mat", "c6", json!(1)),
            cell("mat", "c7", json!(4)),
        ],
    };
    let errors = host.validate(&plugin, &i02).unwrap();
    assert!(
        errors.iter().any(|e| e.message.vi.contains("(4) = (5) + (6)") && e.message.vi.contains("5 ≠ 4")),
        "{errors:?}"
    );
    let i04 = host.validate(&plugin, &FormData { form: "I.04/VPCP/TH".to_owned(), cells: vec![] }).unwrap();
    assert!(i04[0].message.vi.contains("không thực hiện trên hệ thống"));
    let i05 = FormData {
        form: "I.05/VPCP/TH".to_owned(),
        cells: vec![cell("nv-1", "c3", json!("Công văn 123/VPCP-TH")), cell("nv-1", "c4", json!("30/06/2026"))],
    };
    assert!(host.validate(&plugin, &i05).unwrap().is_empty(), "free-text rows are the form's own");
    assert_eq!(plugin.manifest.outlines[0].code, "I.01-ĐC");
}

#[test]
fn regime_ii_reports_three_quarters_and_the_year_with_deadlines_per_level() {
    let host = host();
    let plugin = host.load(builtin_plugins().iter().find(|(n, _)| *n == "regime_tt01_ii").unwrap().1).unwrap();
    let quarters = host.schedule(&plugin, &ScheduleRequest { year: 2021, period: PeriodType::Quarter }).unwrap();
    assert_eq!(
        quarters.iter().map(|w| w.number).collect::<Vec<_>>(),
        vec![1, 2, 3],
        "the year's report stands for the fourth quarter"
    );
    let at = |level: &str| quarters[2].deadlines.iter().find(|d| d.level == level).unwrap().date.clone();
    assert_eq!(
        (at("xa"), at("so"), at("huyen"), at("tinh")),
        ("2021-09-16".into(), "2021-09-18".into(), "2021-09-19".into(), "2021-09-20".into())
    );
    let codes: Vec<&str> = plugin.manifest.forms.iter().map(|f| f.code.split('/').next().unwrap_or("")).collect();
    assert_eq!(
        codes,
        ["II.01a", "II.02a", "II.02b", "II.02c", "II.03a", "II.04", "II.07a", "II.08", "II.05a", "II.06a", "II.07b"],
        "the handbook's §2.1.b"
    );
    let form_at = |code: &str| plugin.manifest.forms.iter().find(|f| f.code.starts_with(code)).unwrap();
    let ministry = |code: &str| form_at(code).entered_at("cuc_vu", "bxd") && !form_at(code).entered_at("xa", "bxd");
    assert!(["II.01a", "II.02b", "II.03a", "II.04", "II.07a", "II.08"].into_iter().all(ministry));
    assert!(form_at("II.02a").entered_at("cuc_vu", "btp") && !form_at("II.02a").entered_at("cuc_vu", "bxd"));
    let vertical: Vec<&str> = codes.iter().copied().filter(|c| form_at(c).entered_at("nganh_doc_tw", "bhxh")).collect();
    assert_eq!(vertical, ["II.02c", "II.07a", "II.08"]);
    let local: Vec<&str> = codes.iter().copied().filter(|c| form_at(c).entered_at("xa", "thaibinh")).collect();
    assert_eq!(local, ["II.05a", "II.06a", "II.07b"]);
    assert_eq!(at("cuc_vu"), "2021-09-18", "departments of a ministry by the 18th");
    let form = plugin.manifest.forms.iter().find(|f| f.code == "II.06a/VPCP/KSTT").unwrap();
    assert_eq!(form.catalogue.as_deref(), Some("linh_vuc_tthc"));
    let data = FormData {
        form: form.code.clone(),
        cells: vec![
            cell("cong-an", "c4", json!(120)),
            cell("cong-an", "c5", json!(30)),
            cell("cong-an", "c6", json!(10)),
            cell("cong-an", "c8", json!(40)),
            cell("cong-an", "c9", json!(90)),
            cell("cong-an", "c10", json!(5)),
            cell("cong-an", "c12", json!(20)),
            cell("cong-an", "c13", json!(5)),
        ],
    };
    let out = host.compute(&plugin, &data).unwrap();
    assert_eq!(
        (value(&out, "cong-an", "c3"), value(&out, "cong-an", "c7"), value(&out, "cong-an", "c11")),
        (json!(160), json!(135), json!(25))
    );
    assert!(host.validate(&plugin, &out).unwrap().is_empty(), "(3) = (7) + (11) holds");
    let mut broken = out.clone();
    broken.cells.retain(|c| !(c.row == "cong-an" && c.col == "c13"));
    let recomputed = host.compute(&plugin, &broken).unwrap();
    let errors = host.validate(&plugin, &recomputed).unwrap();
    assert!(errors.iter().any(|e| e.message.vi.contains("(3) = (7) + (11)")), "{errors:?}");
}

#[test]
fn a_module_that_loops_while_instantiating_is_refused() {
    let host = host();
    let bytes = wat_bytes(
        r#"(module
            (memory (export "memory") 1)
            (func $boot (loop $l (br $l)))
            (start $boot)
            (func (export "baocao_abi_major") (result i32) i32.const 1)
            (func (export "baocao_alloc") (param i32) (result i32) i32.const 1024)
            (func (export "baocao_free") (param i32 i32))
            (func (export "baocao_call") (param i32 i32 i32) (result i64) i64.const 0))"#,
    );
    let e = expect_err(host.load(&bytes));
    assert!(matches!(e, PluginError::OutOfFuel | PluginError::Timeout(_)), "{e}");
}

/// A save needs the regime's recompute and its validation: one call into a
/// plugin of ABI 1.2, the two calls it serves for a plugin of ABI 1.1, with
/// the same answer either way.
#[test]
fn check_is_one_call_for_abi_1_2_and_two_for_abi_1_1() {
    let host = host();
    let meetings = host.load(builtin_plugins().iter().find(|(n, _)| *n == "regime_tt01_iii").unwrap().1).unwrap();
    assert!(meetings.manifest.abi.minor >= 2, "built against ABI 1.2 or later");
    let data = FormData { form: meetings.manifest.forms[0].code.clone(), cells: vec![cell("xa-a", "c4", json!(3))] };
    let before = host.stats().calls;
    let one = host.check(&meetings, &data).unwrap();
    assert_eq!(host.stats().calls - before, 1, "one sandbox call for ABI 1.2");
    let two = host.check_in_two_calls(&meetings, &data).unwrap();
    assert_eq!(one, two, "the 1.2 call answers as compute then validate do");
    assert_eq!(value(&one.data, "tong", "c3"), json!(3));

    let scoring = thai_binh(&host);
    assert_eq!(scoring.manifest.abi.minor, 1);
    assert!(scoring.manifest.forms.iter().all(|f| f.computed_rows.is_none()), "a 1.1 manifest does not state them");
    let data = FormData { form: "CDS_CAPSO_2022".to_owned(), cells: vec![cell("1.1", "self", json!(45))] };
    let before = host.stats().calls;
    let checked = host.check(&scoring, &data).unwrap();
    assert_eq!(host.stats().calls - before, 2, "compute, then validate, for ABI 1.1");
    assert!(checked.errors.is_empty(), "{:?}", checked.errors);
    let form = &scoring.manifest.forms[0];
    let group = form.rows.iter().position(|r| r.level == 0 && !r.total).unwrap();
    assert!(computes_row_at(form, group), "a criteria group that sums its children is computed (inferred)");
}

/// Whether the form computes row `i`, as the platform reads it.
fn computes_row_at(form: &baocao_plugins::abi::Form, i: usize) -> bool {
    form.computes_row(&form.rows[i].code)
}

/// A plugin stating a newer minor ABI than the host serves is refused, saying which to build against.
#[test]
fn a_newer_minor_abi_is_refused_with_a_clear_message() {
    let mut manifest: serde_json::Value = serde_json::to_value(&thai_binh(&host()).manifest).unwrap();
    manifest["abi"]["minor"] = json!(baocao_plugins::abi::ABI_MINOR + 1);
    let problems = baocao_plugins::abi::check_manifest(&serde_json::from_value(manifest).unwrap());
    assert!(
        problems.iter().any(|p| p.contains("newer than this host serves")
            && p.contains(&format!("1.{}", baocao_plugins::abi::ABI_MINOR))),
        "{problems:?}"
    );
}
