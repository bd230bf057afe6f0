//! The signatures checked by the validators a receiver would use instead of
//! ours: pyHanko (PyPI) and poppler's pdfsig (Debian). Both must find every
//! signature of a twice-signed document valid and intact and the document
//! unmodified; a one-byte change fails in both; pyHanko refuses the revoked
//! and the expired certificate. `.ci/run` installs both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use baocao_documents::pdf::{SignatureKind, signature_appearance, signature_rect};
use baocao_signing::SigningKey;
use baocao_signing::pdf::Field;
use baocao_signing::pki::{Authority, Issued, Subject};
use chrono::{FixedOffset, Utc};
use serde_json::Value;

fn sign(pdf: &[u8], key: &SigningKey, kind: SignatureKind, name: &str) -> Vec<u8> {
    let rect = signature_rect(kind, (595.0, 842.0));
    let appearance =
        signature_appearance((rect[2] - rect[0], rect[3] - rect[1]), None, &[format!("Ký bởi {name}")]).unwrap();
    let field = Field {
        name: name.to_owned(),
        rect,
        appearance: &appearance,
        signer_name: name.to_owned(),
        reason: "Ký số báo cáo".into(),
        location: "Hà Nội".into(),
        time: Utc::now().with_timezone(&FixedOffset::east_opt(7 * 3600).unwrap()),
    };
    baocao_signing::sign(pdf, &field, key).unwrap()
}

fn pyhanko(pdf: &Path, root: &Path, crl: Option<&Path>) -> Vec<Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validators/pyhanko_validate.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script).arg(pdf).arg(root);
    if let Some(crl) = crl {
        cmd.arg(crl);
    }
    let out = cmd.output().expect("python3 runs (pyHanko is installed by .ci/run)");
    assert!(out.status.success(), "pyHanko: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn pdfsig(pdf: &Path) -> String {
    let out = Command::new("pdfsig")
        .arg("-nocert")
        .arg(pdf)
        .output()
        .expect("pdfsig runs (poppler-utils is installed by .ci/run)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct World {
    dir: tempfile::TempDir,
    ca: Authority,
}

impl World {
    fn new() -> Self {
        let root = Authority::root("Gốc kiểm thử").unwrap();
        let ca = root.intermediate("CA kiểm thử").unwrap().with_crl_url("http://127.0.0.1:9/ca.crl");
        let dir = tempfile::tempdir().unwrap();

        std::fs::write(dir.path().join("root.pem"), root.certificate_pem().unwrap()).unwrap();
        Self { dir, ca }
    }
    fn key(&self, who: &Issued) -> SigningKey {
        who.signing_key(&[self.ca.certificate()]).unwrap()
    }
    fn write(&self, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
    fn root_pem(&self) -> std::path::PathBuf {
        self.dir.path().join("root.pem")
    }
}

fn base() -> Vec<u8> {
    signature_appearance((595.0, 842.0), None, &["Báo cáo số liệu tháng 10 năm 2026".to_owned()]).unwrap()
}

#[test]
fn pyhanko_and_pdfsig_accept_both_signatures_and_catch_a_changed_byte() {
    let w = World::new();
    let leader = w.ca.issue(&Subject::person("Nguyễn Văn Ánh"), 365).unwrap();
    let unit = w.ca.issue(&Subject::organisation("Sở Tài chính"), 365).unwrap();
    let once = sign(&base(), &w.key(&leader), SignatureKind::Personal, "baocao-personal-1");
    let twice = sign(&once, &w.key(&unit), SignatureKind::Organisation, "baocao-organisation-2");
    let file = w.write("twice.pdf", &twice);
    let crl = w.write("ca.crl", &w.ca.crl(&[]).unwrap().to_der().unwrap());

    let report = pyhanko(&file, &w.root_pem(), Some(&crl));
    assert_eq!(report.len(), 2, "{report:?}");
    for sig in &report {
        assert_eq!(sig["intact"], true, "{sig}");
        assert_eq!(sig["valid"], true, "{sig}");
        assert_eq!(sig["trusted"], true, "{sig}");
        assert_eq!(sig["revoked"], false, "{sig}");
    }
    assert_eq!(report[1]["coverage"], "ENTIRE_FILE", "{report:?}");
    assert_ne!(report[0]["modification_level"], "OTHER", "the second signature is an allowed change: {report:?}");

    let text = pdfsig(&file);
    assert_eq!(text.matches("Signature Validation: Signature is Valid.").count(), 2, "{text}");
    assert_eq!(text.matches("Signed Ranges").count(), 2, "{text}");
    assert!(text.contains("Total document signed"), "{text}");

    // The first widget's flags (Print, Locked → also ReadOnly): inside both signed ranges, still a readable PDF.
    let mut tampered = twice.clone();
    let at = tampered.windows(6).position(|x| x == b"/F 132").unwrap() + 5;
    tampered[at] = b'3';
    let file = w.write("tampered.pdf", &tampered);
    assert!(pyhanko(&file, &w.root_pem(), None).iter().all(|s| s["intact"] == false));
    let text = pdfsig(&file);
    assert!(!text.contains("Signature is Valid"), "{text}");
}

#[test]
fn pyhanko_refuses_the_revoked_and_the_expired_certificate() {
    let w = World::new();
    let revoked = w.ca.issue(&Subject::person("Phạm Văn D"), 365).unwrap();
    let expired = w.ca.issue(&Subject::person("Hoàng Thị E"), -10).unwrap();
    let crl = w.write("ca.crl", &w.ca.crl(&[revoked.certificate()]).unwrap().to_der().unwrap());
    let by_revoked = w.write("revoked.pdf", &sign(&base(), &w.key(&revoked), SignatureKind::Personal, "p1"));
    let r = pyhanko(&by_revoked, &w.root_pem(), Some(&crl));
    assert_eq!(r[0]["intact"], true);
    assert_eq!(r[0]["revoked"], true, "{r:?}");
    assert_eq!(r[0]["bottom_line"], false);
    let by_expired = w.write("expired.pdf", &sign(&base(), &w.key(&expired), SignatureKind::Personal, "p1"));
    let r = pyhanko(&by_expired, &w.root_pem(), None);
    assert_eq!(r[0]["trusted"], false, "{r:?}");
    assert_eq!(r[0]["bottom_line"], false);
}
