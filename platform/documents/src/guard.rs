//! What an uploaded workbook may cost, checked before a reader touches it.
//!
//! A workbook reader trusts the file: calamine reads the whole shared-string
//! table of an .xlsx into memory (reserving what its `uniqueCount` claims),
//! and reserves an .xls sheet's whole bounding box from its DIMENSIONS record
//! and its cells. A 2 MiB zip can unpack to gigabytes of XML, and a few bytes
//! of BIFF can claim 2³² rows. So every upload is inspected here first, with
//! bounded memory: each zip entry is inflated into a small buffer and counted
//! (never kept), and an .xls's records are walked, not materialised. The cell
//! reader then counts cells and watches the clock while it streams
//! ([`Budget`]).

use std::io::{Cursor, Read};
use std::time::{Duration, Instant};

/// The limits of one import (from `reports.import_*`).
#[derive(Debug, Clone, Copy)]
pub struct ImportLimits {
    pub max_unpacked_bytes: u64,
    pub max_cells: u64,
    pub max_seconds: u64,
}

/// Why an upload is refused before or while it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A limit on size: the unpacked bytes, cells, shared strings, or a
    /// compression ratio no spreadsheet has.
    TooLarge(Limit),
    /// Reading took longer than allowed.
    TooSlow { seconds: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    Unpacked { max: u64 },
    Cells { max: u64 },
    SharedStrings { max: u64 },
    Ratio { entry: String },
    Entries { max: usize },
    Structure,
}

/// A zip entry that inflates more than this many times its packed size is a
/// bomb, not a spreadsheet (real sheets compress 5–50×).
const MAX_RATIO: u64 = 200;
/// The ratio is judged only on entries that unpack beyond this.
const RATIO_FLOOR: u64 = 1024 * 1024;
/// Parts of a workbook: sheets, styles, themes, relationships … never thousands.
const MAX_ENTRIES: usize = 2_000;

/// The reader's running account: cells seen and time spent.
pub struct Budget {
    limits: ImportLimits,
    started: Instant,
    cells: u64,
}

impl Budget {
    pub fn new(limits: ImportLimits) -> Self {
        Budget { limits, started: Instant::now(), cells: 0 }
    }

    pub fn limits(&self) -> ImportLimits {
        self.limits
    }

    /// Checks the clock; cheap enough to call every few thousand steps.
    pub fn check_time(&self) -> Result<(), Refusal> {
        if self.started.elapsed() > Duration::from_secs(self.limits.max_seconds) {
            return Err(Refusal::TooSlow { seconds: self.limits.max_seconds });
        }
        Ok(())
    }

    /// Counts one cell read from a sheet.
    pub fn cell(&mut self) -> Result<(), Refusal> {
        self.cells += 1;
        if self.cells > self.limits.max_cells {
            return Err(Refusal::TooLarge(Limit::Cells { max: self.limits.max_cells }));
        }
        if self.cells % 4096 == 0 {
            self.check_time()?;
        }
        Ok(())
    }
}

/// Inspects an .xlsx (a zip): the entry count, each entry's real unpacked size
/// and ratio, the total, and the shared-string table's size and claimed count.
pub fn inspect_zip(bytes: &[u8], budget: &Budget) -> Result<(), Refusal> {
    let limits = budget.limits();
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        // Not a readable zip: the reader will say so.
        return Ok(());
    };
    if archive.len() > MAX_ENTRIES {
        return Err(Refusal::TooLarge(Limit::Entries { max: MAX_ENTRIES }));
    }
    let mut total = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    for index in 0..archive.len() {
        let Ok(mut entry) = archive.by_index(index) else { continue };
        let name = entry.name().to_owned();
        let packed = entry.compressed_size().max(1);
        let shared_strings = name.eq_ignore_ascii_case("xl/sharedStrings.xml");
        let mut counter = SharedStringCounter::default();
        let mut unpacked = 0u64;
        loop {
            let n = match entry.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                // A damaged entry: the reader will refuse the file.
                Err(_) => break,
            };
            unpacked += n as u64;
            total += n as u64;
            if total > limits.max_unpacked_bytes {
                return Err(Refusal::TooLarge(Limit::Unpacked { max: limits.max_unpacked_bytes }));
            }
            if unpacked > RATIO_FLOOR && unpacked / packed > MAX_RATIO {
                return Err(Refusal::TooLarge(Limit::Ratio { entry: name }));
            }
            if shared_strings {
                counter.feed(&buffer[..n]);
                if counter.strings > limits.max_cells || counter.claimed.is_some_and(|c| c > limits.max_cells) {
                    return Err(Refusal::TooLarge(Limit::SharedStrings { max: limits.max_cells }));
                }
            }
            budget.check_time()?;
        }
    }
    Ok(())
}

/// Counts `<si>` elements of a shared-string table as it streams past, and
/// reads the `uniqueCount` the table claims (a reader reserves that much).
#[derive(Default)]
struct SharedStringCounter {
    strings: u64,
    claimed: Option<u64>,
    /// The end of the previous chunk, so a tag split across chunks is seen.
    carry: Vec<u8>,
    header_seen: bool,
}

impl SharedStringCounter {
    fn feed(&mut self, chunk: &[u8]) {
        let mut window = std::mem::take(&mut self.carry);
        window.extend_from_slice(chunk);
        if !self.header_seen
            && let Some(claimed) = attribute_number(&window, b"uniqueCount=\"")
        {
            self.claimed = Some(claimed);
            self.header_seen = true;
        }
        let mut at = 0;
        while let Some(i) = find(&window[at..], b"<si") {
            let after = window.get(at + i + 3).copied();
            match after {
                Some(b'>' | b' ' | b'/' | b'\t' | b'\n' | b'\r') => self.strings += 1,
                // "<sip…" is not a string item; a cut-off "<si" is counted in the next chunk.
                Some(_) => {}
                None => break,
            }
            at += i + 3;
        }
        // Keep the tail: a tag or the header's attribute may continue in the next chunk.
        let keep = window.len().min(if self.header_seen { 3 } else { 256 });
        let from = if at > window.len() - keep { at.min(window.len()) } else { window.len() - keep };
        self.carry = window[from..].to_vec();
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn attribute_number(window: &[u8], prefix: &[u8]) -> Option<u64> {
    let start = find(window, prefix)? + prefix.len();
    let digits: Vec<u8> = window[start..].iter().take_while(|b| b.is_ascii_digit()).copied().collect();
    if start + digits.len() >= window.len() {
        return None;
    }
    // More digits than u64 holds: as large as can be.
    Some(std::str::from_utf8(&digits).ok()?.parse::<u64>().unwrap_or(u64::MAX))
}

/// Inspects an .xls (BIFF8 in a compound file): the compound header's tables
/// must fit in the file, and every sheet's claimed dimensions, its cells'
/// bounding box, their count and the shared-string count stay within the limits.
pub fn inspect_compound(bytes: &[u8], budget: &Budget) -> Result<(), Refusal> {
    check_compound_header(bytes)?;
    let Ok(mut file) = cfb::CompoundFile::open(Cursor::new(bytes)) else { return Ok(()) };
    let stream = ["/Workbook", "/Book"].into_iter().find(|p| file.is_stream(p));
    let Some(stream) = stream else { return Ok(()) };
    let mut data = Vec::new();
    let Ok(mut reader) = file.open_stream(stream) else { return Ok(()) };
    // The stream lies within the upload, so it is no larger than the file.
    if reader.read_to_end(&mut data).is_err() {
        return Ok(());
    }
    BiffScan::new(budget).run(&data)
}

/// The FAT, DIFAT and mini-FAT counts of a compound header sized against the
/// file: a reader allocates by them before it reads a sector.
fn check_compound_header(bytes: &[u8]) -> Result<(), Refusal> {
    let u32_at = |at: usize| bytes.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64);
    let shift = bytes.get(0x1E..0x20).map(|b| u16::from_le_bytes([b[0], b[1]]) as u32).unwrap_or(9);
    if !(7..=16).contains(&shift) {
        return Err(Refusal::TooLarge(Limit::Structure));
    }
    let sectors = bytes.len() as u64 >> shift;
    for at in [0x2C, 0x40, 0x48] {
        if u32_at(at).is_some_and(|n| n > sectors + 1) {
            return Err(Refusal::TooLarge(Limit::Structure));
        }
    }
    Ok(())
}

struct BiffScan<'a> {
    budget: &'a Budget,
    cells: u64,
    /// The bounding box of the current sheet's cells: (first row, last row, first col, last col).
    bounds: Option<(u32, u32, u32, u32)>,
}

impl<'a> BiffScan<'a> {
    fn new(budget: &'a Budget) -> Self {
        BiffScan { budget, cells: 0, bounds: None }
    }

    fn max(&self) -> u64 {
        self.budget.limits().max_cells
    }

    fn run(mut self, stream: &[u8]) -> Result<(), Refusal> {
        let mut at = 0usize;
        let mut records = 0u64;
        while at + 4 <= stream.len() {
            let kind = u16::from_le_bytes([stream[at], stream[at + 1]]);
            let len = u16::from_le_bytes([stream[at + 2], stream[at + 3]]) as usize;
            let data = stream.get(at + 4..at + 4 + len).unwrap_or(&stream[(at + 4).min(stream.len())..]);
            self.record(kind, data)?;
            at += 4 + len;
            records += 1;
            if records % 4096 == 0 {
                self.budget.check_time()?;
            }
        }
        self.close_sheet()
    }

    fn record(&mut self, kind: u16, data: &[u8]) -> Result<(), Refusal> {
        let u16_at = |i: usize| data.get(i..i + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as u32);
        let u32_at = |i: usize| data.get(i..i + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64);
        match kind {
            // BOF: a new substream (sheet) begins.
            0x0809 => self.close_sheet()?,
            // SST: the shared-string count a reader may reserve.
            0x00FC if u32_at(4).is_some_and(|n| n > self.max()) => {
                return Err(Refusal::TooLarge(Limit::SharedStrings { max: self.max() }));
            }
            // DIMENSIONS: first row, last row + 1 (u32), first col, last col + 1 (u16).
            0x0200 => {
                let (Some(r0), Some(r1), Some(c0), Some(c1)) = (u32_at(0), u32_at(4), u16_at(8), u16_at(10)) else {
                    return Ok(());
                };
                let area = r1
                    .saturating_sub(r0)
                    .saturating_add(1)
                    .saturating_mul((c1.saturating_sub(c0) as u64).saturating_add(1));
                if r1 < r0 || c1 < c0 || area > self.max().saturating_mul(4).max(1 << 16) {
                    return Err(Refusal::TooLarge(Limit::Cells { max: self.max() }));
                }
            }
            // Single cells: FORMULA, LABELSST, NUMBER, LABEL, BOOLERR, RK, RSTRING.
            0x0006 | 0x00FD | 0x0203 | 0x0204 | 0x0205 | 0x027E | 0x00D6 => {
                if let (Some(row), Some(col)) = (u16_at(0), u16_at(2)) {
                    self.cells(row, col, col, 1)?;
                }
            }
            // MULRK: a run of cells on one row, the last column in the final two bytes.
            0x00BD if data.len() >= 6 => {
                let last = u16_at(data.len() - 2).unwrap_or(0);
                if let (Some(row), Some(first)) = (u16_at(0), u16_at(2)) {
                    self.cells(row, first, last.max(first), (last.max(first) - first + 1) as u64)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn cells(&mut self, row: u32, first: u32, last: u32, count: u64) -> Result<(), Refusal> {
        self.cells += count;
        if self.cells > self.max() {
            return Err(Refusal::TooLarge(Limit::Cells { max: self.max() }));
        }
        self.bounds = Some(match self.bounds {
            None => (row, row, first, last),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(first), c1.max(last)),
        });
        Ok(())
    }

    /// A reader holds a sheet as its whole bounding box: that must fit too.
    fn close_sheet(&mut self) -> Result<(), Refusal> {
        if let Some((r0, r1, c0, c1)) = self.bounds.take() {
            let area = (r1 - r0 + 1) as u64 * (c1 - c0 + 1) as u64;
            if area > self.max() {
                return Err(Refusal::TooLarge(Limit::Cells { max: self.max() }));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Write;

    fn limits() -> ImportLimits {
        ImportLimits { max_unpacked_bytes: 8 * 1024 * 1024, max_cells: 10_000, max_seconds: 20 }
    }

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut out);
            let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            for (name, body) in entries {
                w.start_file(*name, options).unwrap();
                w.write_all(body).unwrap();
            }
            w.finish().unwrap();
        }
        out.into_inner()
    }

    fn strings(n: usize, claimed: &str) -> Vec<u8> {
        let mut xml =
            format!("<?xml version=\"1.0\"?><sst xmlns=\"x\" count=\"{n}\" uniqueCount=\"{claimed}\">").into_bytes();
        for _ in 0..n {
            xml.extend_from_slice(b"<si><t>a</t></si>");
        }
        xml.extend_from_slice(b"</sst>");
        xml
    }

    #[test]
    fn a_normal_table_passes_and_too_many_strings_or_a_false_count_do_not() {
        let budget = Budget::new(limits());
        assert_eq!(inspect_zip(&zip_of(&[("xl/sharedStrings.xml", &strings(9_000, "9000"))]), &budget), Ok(()));
        let many = inspect_zip(&zip_of(&[("xl/sharedStrings.xml", &strings(10_001, "10001"))]), &budget);
        assert_eq!(many, Err(Refusal::TooLarge(Limit::SharedStrings { max: 10_000 })));
        // Few strings, but a count that makes the reader reserve 4 billion.
        let claimed = inspect_zip(&zip_of(&[("xl/sharedStrings.xml", &strings(3, "4000000000"))]), &budget);
        assert_eq!(claimed, Err(Refusal::TooLarge(Limit::SharedStrings { max: 10_000 })));
    }

    #[test]
    fn strings_split_across_chunks_are_each_counted_once() {
        let xml = strings(50_000, "50000");
        let mut counter = SharedStringCounter::default();
        for chunk in xml.chunks(7) {
            counter.feed(chunk);
        }
        assert_eq!(counter.strings, 50_000);
        assert_eq!(counter.claimed, Some(50_000));
    }

    #[test]
    fn unpacked_size_and_ratio_are_bounded() {
        let budget = Budget::new(limits());
        let big = vec![b'a'; 9 * 1024 * 1024];
        assert_eq!(
            inspect_zip(&zip_of(&[("xl/worksheets/sheet1.xml", &big)]), &budget),
            Err(Refusal::TooLarge(Limit::Ratio { entry: "xl/worksheets/sheet1.xml".into() }))
        );
        let generous = Budget::new(ImportLimits { max_unpacked_bytes: 4 * 1024 * 1024, ..limits() });
        let varied: Vec<u8> = (0..5 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        assert_eq!(
            inspect_zip(&zip_of(&[("xl/worksheets/sheet1.xml", &varied)]), &generous),
            Err(Refusal::TooLarge(Limit::Unpacked { max: 4 * 1024 * 1024 }))
        );
    }

    fn record(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut r = kind.to_le_bytes().to_vec();
        r.extend((data.len() as u16).to_le_bytes());
        r.extend_from_slice(data);
        r
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        d.extend([0u8; 10]);
        record(0x0203, &d)
    }

    #[test]
    fn biff_dimensions_and_far_apart_cells_are_bounded() {
        let budget = Budget::new(limits());
        let bof = record(0x0809, &[0; 16]);
        let small = [bof.clone(), number(0, 0), number(50, 10)].concat();
        assert_eq!(BiffScan::new(&budget).run(&small), Ok(()));
        let far = [bof.clone(), number(0, 0), number(60_000, 200)].concat();
        assert_eq!(BiffScan::new(&budget).run(&far), Err(Refusal::TooLarge(Limit::Cells { max: 10_000 })));
        let mut dims = 0u32.to_le_bytes().to_vec();
        dims.extend(u32::MAX.to_le_bytes());
        dims.extend([0, 0, 0, 1, 0, 0]);
        let claimed = [bof, record(0x0200, &dims)].concat();
        assert_eq!(BiffScan::new(&budget).run(&claimed), Err(Refusal::TooLarge(Limit::Cells { max: 10_000 })));
    }

    #[test]
    fn a_compound_header_claiming_more_tables_than_the_file_holds_is_refused() {
        let mut header = vec![0u8; 512 * 4];
        header[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
        header[0x1E..0x20].copy_from_slice(&9u16.to_le_bytes());
        header[0x2C..0x30].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(check_compound_header(&header), Err(Refusal::TooLarge(Limit::Structure)));
        header[0x2C..0x30].copy_from_slice(&1u32.to_le_bytes());
        assert_eq!(check_compound_header(&header), Ok(()));
    }
}
