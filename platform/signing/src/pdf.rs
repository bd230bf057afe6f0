//! One signature as one incremental update of a PDF (ISO 32000-1 §7.5.6,
//! §12.8): the original bytes stay as they are, and after them come a
//! signature field with its widget on the last page, the appearance the
//! reader shows, the signature dictionary with a `/ByteRange` and a
//! zero-filled `/Contents` placeholder, a cross-reference section for the
//! new and changed objects only, and a trailer whose `/Size` is one past the
//! highest object number and whose `/Prev` points at the previous section.
//! Objects of earlier revisions are never rewritten in place, so an earlier
//! signature stays valid.

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;

use chrono::{DateTime, FixedOffset};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat, Writer};
use sha2::{Digest, Sha256};

use crate::Error;

/// Room for the CMS in `/Contents`: a chain of three RSA-4096 certificates and
/// a time-stamp token fit with space to spare.
pub const CONTENTS_BYTES: usize = 24 * 1024;
/// The placeholder of the byte range: four numbers of ten digits, patched in place.
const BYTE_RANGE_PLACEHOLDER: &str = "[0 0000000000 0000000000 0000000000]";

/// The signature to add.
pub struct Field<'a> {
    /// Unique in the document, e.g. "baocao-organisation-2".
    pub name: String,
    /// Where the widget sits on the last page: [x1 y1 x2 y2] in points.
    pub rect: [f32; 4],
    /// A one-page PDF of the widget's size: its page becomes the appearance.
    pub appearance: &'a [u8],
    pub signer_name: String,
    pub reason: String,
    pub location: String,
    /// The claimed signing time, written as `/M` (PAdES keeps it out of the CMS).
    pub time: DateTime<FixedOffset>,
}

/// A PDF with an empty signature: sign [`Prepared::digest`], then [`Prepared::embed`].
#[derive(Debug, Clone)]
pub struct Prepared {
    pub bytes: Vec<u8>,
    /// The hexadecimal digits of `/Contents`, without `<` and `>`.
    pub contents: Range<usize>,
}

impl Prepared {
    /// SHA-256 of everything but `<…>` of `/Contents`: the message digest of the CMS.
    pub fn digest(&self) -> [u8; 32] {
        let (a, b) = (self.contents.start - 1, self.contents.end + 1);
        Sha256::new().chain_update(&self.bytes[..a]).chain_update(&self.bytes[b..]).finalize().into()
    }

    /// The signed PDF: the CMS written, in hexadecimal, into the placeholder.
    pub fn embed(mut self, cms: &[u8]) -> Result<Vec<u8>, Error> {
        let room = self.contents.len() / 2;
        if cms.len() > room {
            return Err(Error::TooLarge { needed: cms.len(), room });
        }
        let hex: String = cms.iter().map(|b| format!("{b:02X}")).collect();
        self.bytes[self.contents.start..self.contents.start + hex.len()].copy_from_slice(hex.as_bytes());
        Ok(self.bytes)
    }
}

/// The size of the last page (where signatures go), in points.
pub fn last_page_size(pdf: &[u8]) -> Result<(f32, f32), Error> {
    let doc = load(pdf)?;
    let (page, _) = last_page(&doc)?;
    let media = media_box(&doc, page)?;
    Ok((media[2] - media[0], media[3] - media[1]))
}

/// The fields already signed in `pdf`, by name: a new field must not reuse one.
pub fn field_names(pdf: &[u8]) -> Result<Vec<String>, Error> {
    let doc = load(pdf)?;
    Ok(doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"FT").and_then(Object::as_name).is_ok_and(|n| n == b"Sig"))
        .filter_map(|d| d.get(b"T").ok().and_then(text_string))
        .collect())
}

/// Adds `field` as an unsigned signature: the returned bytes are ready to be
/// hashed and signed.
pub fn prepare(pdf: &[u8], field: &Field<'_>) -> Result<Prepared, Error> {
    let doc = load(pdf)?;
    if field_names(pdf)?.contains(&field.name) {
        return Err(Error::BadPdf(format!("a field named {} exists", field.name)));
    }
    let mut update = Update::new(&doc)?;
    let appearance = update.appearance(field)?;
    let sig = update.reserve();
    let widget = update.reserve();
    let (page_id, page) = last_page(&doc)?;
    update.put(widget, Object::Dictionary(widget_dict(field, sig, appearance, page_id)));
    update.add_annotation(&doc, page_id, page.clone(), widget)?;
    update.add_field(&doc, widget)?;
    write(pdf, &doc, update, sig, field)
}

fn load(pdf: &[u8]) -> Result<Document, Error> {
    let doc = Document::load_mem(pdf).map_err(|e| Error::BadPdf(e.to_string()))?;
    if doc.is_encrypted() {
        return Err(Error::BadPdf("encrypted".into()));
    }
    Ok(doc)
}

fn last_page(doc: &Document) -> Result<(ObjectId, &Dictionary), Error> {
    let id = *doc.get_pages().values().last().ok_or_else(|| Error::BadPdf("no page".into()))?;
    let page = doc.get_dictionary(id).map_err(|e| Error::BadPdf(e.to_string()))?;
    Ok((id, page))
}

fn media_box(doc: &Document, page: ObjectId) -> Result<[f32; 4], Error> {
    let mut id = page;
    // MediaBox is inheritable: walk up the page tree.
    for _ in 0..32 {
        let dict = doc.get_dictionary(id).map_err(|e| Error::BadPdf(e.to_string()))?;
        if let Ok(b) = dict.get(b"MediaBox") {
            let b = doc.dereference(b).map_err(|e| Error::BadPdf(e.to_string()))?.1;
            let nums: Vec<f32> =
                b.as_array().map(|a| a.iter().filter_map(|n| n.as_float().ok()).collect()).unwrap_or_default();
            if let [x1, y1, x2, y2] = nums[..] {
                return Ok([x1, y1, x2, y2]);
            }
        }
        id = dict.get(b"Parent").and_then(Object::as_reference).map_err(|_| Error::BadPdf("no MediaBox".into()))?;
    }
    Err(Error::BadPdf("page tree too deep".into()))
}

/// The objects of one incremental update, by number.
struct Update {
    objects: BTreeMap<u32, Object>,
    next: u32,
}

impl Update {
    fn new(doc: &Document) -> Result<Self, Error> {
        let size = doc.trailer.get(b"Size").and_then(Object::as_i64).unwrap_or(0);
        let next = u32::try_from(size).unwrap_or(0).max(doc.max_id + 1);
        Ok(Self { objects: BTreeMap::new(), next })
    }

    fn reserve(&mut self) -> u32 {
        self.next += 1;
        self.next - 1
    }

    fn put(&mut self, id: u32, object: Object) {
        self.objects.insert(id, object);
    }

    /// The appearance: the page of `field.appearance` as a Form XObject, its
    /// resources (fonts, images with their soft masks) copied under new numbers.
    fn appearance(&mut self, field: &Field<'_>) -> Result<u32, Error> {
        let src = load(field.appearance)?;
        let (page_id, page) = last_page(&src)?;
        let content = src.get_page_content(page_id);
        let resources = match page.get(b"Resources") {
            Ok(r) => self.copy(&src, r, &mut BTreeMap::new())?,
            Err(_) => Object::Dictionary(Dictionary::new()),
        };
        let [x1, y1, x2, y2] = field.rect;
        let mut dict = Dictionary::new();
        dict.set("Type", Object::Name(b"XObject".to_vec()));
        dict.set("Subtype", Object::Name(b"Form".to_vec()));
        dict.set("BBox", vec![0.into(), 0.into(), Object::Real(x2 - x1), Object::Real(y2 - y1)]);
        dict.set("Resources", resources);
        let id = self.reserve();
        self.put(id, Object::Stream(Stream::new(dict, content)));
        Ok(id)
    }

    /// A deep copy of `object` from `src`, every reference renumbered into this update.
    fn copy(&mut self, src: &Document, object: &Object, seen: &mut BTreeMap<ObjectId, u32>) -> Result<Object, Error> {
        Ok(match object {
            Object::Reference(r) => {
                if let Some(id) = seen.get(r) {
                    return Ok(Object::Reference((*id, 0)));
                }
                let id = self.reserve();
                seen.insert(*r, id);
                let target = src.get_object(*r).map_err(|e| Error::BadPdf(e.to_string()))?;
                let copied = self.copy(src, target, seen)?;
                self.put(id, copied);
                Object::Reference((id, 0))
            }
            Object::Array(items) => {
                Object::Array(items.iter().map(|o| self.copy(src, o, seen)).collect::<Result<_, _>>()?)
            }
            Object::Dictionary(d) => Object::Dictionary(self.copy_dict(src, d, seen)?),
            Object::Stream(s) => {
                let dict = self.copy_dict(src, &s.dict, seen)?;
                Object::Stream(Stream::new(dict, s.content.clone()).with_compression(false))
            }
            other => other.clone(),
        })
    }

    fn copy_dict(
        &mut self, src: &Document, d: &Dictionary, seen: &mut BTreeMap<ObjectId, u32>,
    ) -> Result<Dictionary, Error> {
        let mut out = Dictionary::new();
        for (k, v) in d.iter() {
            out.set(k.clone(), self.copy(src, v, seen)?);
        }
        Ok(out)
    }

    /// The page lists the widget among its annotations (a new version of the
    /// page, or of its `/Annots` array when that is an object of its own).
    fn add_annotation(
        &mut self, doc: &Document, page_id: ObjectId, mut page: Dictionary, widget: u32,
    ) -> Result<(), Error> {
        let new = Object::Reference((widget, 0));
        match page.get(b"Annots") {
            Ok(Object::Reference(r)) => {
                let mut annots =
                    doc.get_object(*r).and_then(Object::as_array).map_err(|e| Error::BadPdf(e.to_string()))?.clone();
                annots.push(new);
                self.put(r.0, Object::Array(annots));
            }
            Ok(Object::Array(a)) => {
                let mut annots = a.clone();
                annots.push(new);
                page.set("Annots", annots);
                self.put(page_id.0, Object::Dictionary(page));
            }
            _ => {
                page.set("Annots", vec![new]);
                self.put(page_id.0, Object::Dictionary(page));
            }
        }
        Ok(())
    }

    /// The catalog's interactive form lists the field, with SigFlags 3
    /// (signatures exist; append only).
    fn add_field(&mut self, doc: &Document, widget: u32) -> Result<(), Error> {
        let root =
            doc.trailer.get(b"Root").and_then(Object::as_reference).map_err(|_| Error::BadPdf("no catalog".into()))?;
        let mut catalog = doc.get_dictionary(root).map_err(|e| Error::BadPdf(e.to_string()))?.clone();
        let (form_id, mut form) = match catalog.get(b"AcroForm") {
            Ok(Object::Reference(r)) => {
                (Some(*r), doc.get_dictionary(*r).map_err(|e| Error::BadPdf(e.to_string()))?.clone())
            }
            Ok(Object::Dictionary(d)) => (None, d.clone()),
            _ => (None, Dictionary::new()),
        };
        let mut fields = match form.get(b"Fields") {
            Ok(f) => doc.dereference(f).ok().and_then(|(_, f)| f.as_array().ok().cloned()).unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        fields.push(Object::Reference((widget, 0)));
        form.set("Fields", fields);
        form.set("SigFlags", 3);
        match form_id {
            Some(r) => self.put(r.0, Object::Dictionary(form)),
            None => {
                let id = self.reserve();
                self.put(id, Object::Dictionary(form));
                catalog.set("AcroForm", Object::Reference((id, 0)));
                self.put(root.0, Object::Dictionary(catalog));
            }
        }
        Ok(())
    }
}

fn widget_dict(field: &Field<'_>, sig: u32, appearance: u32, page: ObjectId) -> Dictionary {
    let mut ap = Dictionary::new();
    ap.set("N", Object::Reference((appearance, 0)));
    let mut d = Dictionary::new();
    d.set("Type", Object::Name(b"Annot".to_vec()));
    d.set("Subtype", Object::Name(b"Widget".to_vec()));
    d.set("FT", Object::Name(b"Sig".to_vec()));
    d.set("T", text(&field.name));
    d.set("V", Object::Reference((sig, 0)));
    // Print and Locked: the signature shows on paper and cannot be moved.
    d.set("F", 132);
    d.set("Rect", field.rect.iter().map(|v| Object::Real(*v)).collect::<Vec<_>>());
    d.set("P", Object::Reference(page));
    d.set("AP", ap);
    d
}

/// A PDF text string: UTF-16BE with its byte order mark, so Vietnamese survives.
fn text(s: &str) -> Object {
    let mut bytes = vec![0xfe, 0xff];
    for unit in s.encode_utf16() {
        bytes.extend(unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// Reads a PDF text string (UTF-16BE with a BOM, else PDFDocEncoding read as Latin-1).
pub(crate) fn text_string(o: &Object) -> Option<String> {
    let bytes = o.as_str().ok()?;
    if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        return String::from_utf16(&units).ok();
    }
    Some(bytes.iter().map(|b| char::from(*b)).collect())
}

/// `D:YYYYMMDDHHmmSS+07'00'`.
pub(crate) fn pdf_date(t: DateTime<FixedOffset>) -> String {
    let offset = t.offset().local_minus_utc();
    let sign = if offset < 0 { '-' } else { '+' };
    let (h, m) = (offset.abs() / 3600, offset.abs() % 3600 / 60);
    format!("D:{}{sign}{h:02}'{m:02}'", t.format("%Y%m%d%H%M%S"))
}

/// The signature dictionary, written by hand so its placeholders sit at known
/// places; it ends with `<`, the zeros of `/Contents`, and `> >>`.
fn sig_dict(field: &Field<'_>) -> std::io::Result<Vec<u8>> {
    let mut out = b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached".to_vec();
    let entries = [
        ("Name", text(&field.signer_name)),
        ("Reason", text(&field.reason)),
        ("Location", text(&field.location)),
        ("M", Object::string_literal(pdf_date(field.time))),
    ];
    for (key, value) in entries {
        write!(out, " /{key} ")?;
        Writer::write_object(&mut out, &value)?;
    }
    write!(out, " /ByteRange {BYTE_RANGE_PLACEHOLDER} /Contents <")?;
    out.extend(std::iter::repeat_n(b'0', CONTENTS_BYTES * 2));
    out.extend(b"> >>");
    Ok(out)
}

/// Writes the update after `pdf`, then patches the byte range.
fn write(pdf: &[u8], doc: &Document, mut update: Update, sig: u32, field: &Field<'_>) -> Result<Prepared, Error> {
    let io = |e: std::io::Error| Error::BadPdf(e.to_string());
    let mut out = pdf.to_vec();
    if out.last() != Some(&b'\n') {
        out.push(b'\n');
    }
    update.put(sig, Object::Null);
    let mut offsets = BTreeMap::new();
    let mut contents_at = 0;
    for (id, object) in &update.objects {
        offsets.insert(*id, out.len());
        writeln!(out, "{id} 0 obj").map_err(io)?;
        if *id == sig {
            let dict = sig_dict(field).map_err(io)?;
            contents_at = out.len() + dict.len() - 4 - CONTENTS_BYTES * 2;
            out.extend(dict);
        } else {
            Writer::write_object(&mut out, object).map_err(io)?;
        }
        out.extend(b"\nendobj\n");
    }
    let xref_at = out.len();
    write_xref(&mut out, &offsets).map_err(io)?;
    write_trailer(&mut out, doc, update.next, xref_at).map_err(io)?;
    let contents = contents_at..contents_at + CONTENTS_BYTES * 2;
    patch_byte_range(&mut out, &contents)?;
    Ok(Prepared { bytes: out, contents })
}

fn write_xref(out: &mut Vec<u8>, offsets: &BTreeMap<u32, usize>) -> std::io::Result<()> {
    out.extend(b"xref\n");
    let ids: Vec<u32> = offsets.keys().copied().collect();
    let mut i = 0;
    while i < ids.len() {
        let mut j = i + 1;
        while j < ids.len() && ids[j] == ids[j - 1] + 1 {
            j += 1;
        }
        writeln!(out, "{} {}", ids[i], j - i)?;
        for id in &ids[i..j] {
            write!(out, "{:010} 00000 n\r\n", offsets[id])?;
        }
        i = j;
    }
    Ok(())
}

fn write_trailer(out: &mut Vec<u8>, doc: &Document, size: u32, xref_at: usize) -> std::io::Result<()> {
    let mut trailer = Dictionary::new();
    trailer.set("Size", i64::from(size));
    for key in [&b"Root"[..], b"Info", b"ID"] {
        if let Ok(v) = doc.trailer.get(key) {
            trailer.set(key.to_vec(), v.clone());
        }
    }
    trailer.set("Prev", doc.xref_start as i64);
    out.extend(b"trailer\n");
    Writer::write_object(out, &Object::Dictionary(trailer))?;
    write!(out, "\nstartxref\n{xref_at}\n%%EOF\n")
}

/// [0, offset of '<', offset after '>', the rest], padded to the placeholder's width.
fn patch_byte_range(out: &mut [u8], contents: &Range<usize>) -> Result<(), Error> {
    let (lt, after) = (contents.start - 1, contents.end + 1);
    let range = format!("[0 {lt} {after} {}]", out.len() - after);
    let placeholder = BYTE_RANGE_PLACEHOLDER.as_bytes();
    let at = out[..lt]
        .windows(placeholder.len())
        .rposition(|w| w == placeholder)
        .ok_or_else(|| Error::BadPdf("byte range placeholder lost".into()))?;
    let padded = format!("{range:<width$}", width = placeholder.len());
    out[at..at + placeholder.len()].copy_from_slice(padded.as_bytes());
    Ok(())
}
