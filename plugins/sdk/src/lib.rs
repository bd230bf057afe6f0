//! Write a regime plugin as data plus a few plain functions.
//!
//! ```ignore
//! struct MyRegime;
//! impl baocao_regime_sdk::Regime for MyRegime {
//!     fn manifest() -> Manifest { /* forms built with `column`, `fixed_row` … */ }
//! }
//! baocao_regime_sdk::export_regime!(MyRegime);
//! ```
//!
//! The default `compute` fills every formula column and total row the
//! manifest declares, `validate` checks cell types and declared rules,
//! `check` does both in one call, and
//! `schedule` derives the data windows of Decree 09/2019 Art. 12 (15th of the
//! previous month to the 14th) and the per-level deadlines. A regime
//! overrides any of them with its own function. The same logic runs natively
//! in the host's tests and benchmarks.

pub mod logic;
pub mod wire;

pub use baocao_regime_abi as abi;
pub use baocao_regime_abi::*;

/// What a regime plugin implements; only `manifest` is required.
pub trait Regime {
    fn manifest() -> Manifest;

    fn compute(manifest: &Manifest, data: FormData) -> Result<FormData, String> {
        let form = logic::form(manifest, &data.form)?;
        Ok(logic::compute(form, data))
    }

    fn validate(manifest: &Manifest, data: &FormData) -> Result<Vec<CellError>, String> {
        let form = logic::form(manifest, &data.form)?;
        Ok(logic::validate(form, data))
    }

    /// `compute`, then `validate` of the result: what a save needs, in one call (ABI 1.2).
    fn check(manifest: &Manifest, data: FormData) -> Result<Checked, String> {
        let data = Self::compute(manifest, data)?;
        let errors = Self::validate(manifest, &data)?;
        Ok(Checked { data, errors })
    }

    fn schedule(manifest: &Manifest, request: &ScheduleRequest) -> Result<Vec<PeriodWindow>, String> {
        logic::schedule(manifest, request)
    }

    /// Totals and ranks units on a scoring form; uses this regime's `compute`.
    fn score(manifest: &Manifest, request: &ScoreRequest) -> Result<Vec<UnitScore>, String> {
        let form = logic::form(manifest, &request.form)?;
        let mut computed = Vec::with_capacity(request.units.len());
        for unit in &request.units {
            let data = Self::compute(manifest, FormData { form: request.form.clone(), cells: unit.cells.clone() })?;
            computed.push((unit.unit.clone(), data));
        }
        logic::score(form, &computed)
    }
}

/// Declares the exports of the ABI for a [`Regime`].
#[macro_export]
macro_rules! export_regime {
    ($regime:ty) => {
        fn __baocao_manifest() -> &'static $crate::Manifest {
            static MANIFEST: std::sync::OnceLock<$crate::Manifest> = std::sync::OnceLock::new();
            MANIFEST.get_or_init(|| $crate::logic::complete(<$regime as $crate::Regime>::manifest()))
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn baocao_abi_major() -> i32 {
            $crate::abi::ABI_MAJOR as i32
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn baocao_alloc(len: i32) -> i32 {
            $crate::wire::alloc(len)
        }

        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn baocao_free(ptr: i32, len: i32) {
            // SAFETY: the host passes back exactly a buffer this module allocated.
            unsafe { $crate::wire::free(ptr, len) }
        }

        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn baocao_call(function: i32, ptr: i32, len: i32) -> i64 {
            // SAFETY: ptr..ptr+len is the buffer the host obtained from baocao_alloc and filled.
            let input = unsafe { $crate::wire::input(ptr, len) };
            $crate::wire::dispatch::<$regime>(__baocao_manifest(), function, &input)
        }
    };
}
