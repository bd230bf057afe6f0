//! Signing twice and checking: both signatures valid, intact and trusted;
//! one changed byte, a later change that is not a signature, an untrusted
//! root, a revoked and an expired certificate are each caught.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use baocao_documents::pdf::{SignatureKind, signature_appearance, signature_rect};
use baocao_signing::SigningKey;
use baocao_signing::pdf::{Field, prepare};
use baocao_signing::pki::{Authority, Issued, Subject};
use baocao_signing::verify::{Problem, Revocation, Trust, verify};
use chrono::{FixedOffset, Utc};

struct Pki {
    root: Authority,
    ca: Authority,
}

impl Pki {
    fn new() -> Self {
        let root = Authority::root("Gốc thử nghiệm").unwrap();
        let ca = root.intermediate("CA phục vụ thử nghiệm").unwrap();
        Self { root, ca }
    }

    fn key(&self, issued: &Issued) -> SigningKey {
        issued.signing_key(&[self.ca.certificate()]).unwrap()
    }

    fn trust(&self) -> Trust {
        Trust::default().with_anchor(self.root.certificate().clone())
    }
}

fn document() -> Vec<u8> {
    signature_appearance((595.0, 842.0), None, &["Báo cáo tình hình thực hiện — Sở Tài chính".to_owned()]).unwrap()
}

fn sign(pdf: &[u8], key: &SigningKey, kind: SignatureKind, name: &str) -> Vec<u8> {
    let rect = signature_rect(kind, (595.0, 842.0));
    let appearance =
        signature_appearance((rect[2] - rect[0], rect[3] - rect[1]), None, &[format!("Ký bởi: {name}")]).unwrap();
    let field = Field {
        name: name.to_owned(),
        rect,
        appearance: &appearance,
        signer_name: "Nguyễn Văn Ánh".into(),
        reason: "Duyệt báo cáo".into(),
        location: "Thái Bình".into(),
        time: Utc::now().with_timezone(&FixedOffset::east_opt(7 * 3600).unwrap()),
    };
    baocao_signing::sign(pdf, &field, key).unwrap()
}

#[test]
fn two_signatures_in_order_both_valid() {
    let pki = Pki::new();
    let leader = pki.ca.issue(&Subject::person("Nguyễn Văn Ánh"), 365).unwrap();
    let unit = pki.ca.issue(&Subject::organisation("Sở Tài chính tỉnh Thái Bình"), 365).unwrap();
    let base = document();
    let once = sign(&base, &pki.key(&leader), SignatureKind::Personal, "baocao-personal-1");
    assert!(once.starts_with(&base), "an incremental update keeps the original bytes");
    let twice = sign(&once, &pki.key(&unit), SignatureKind::Organisation, "baocao-organisation-2");
    assert!(twice.starts_with(&once));
    let checks = verify(&twice, &pki.trust().with_crl(pki.ca.crl(&[]).unwrap())).unwrap();
    assert_eq!(checks.len(), 2);
    for c in &checks {
        assert!(c.valid(), "{}: {:?}", c.field, c.problems);
        assert!(c.intact && c.trusted);
        assert_eq!(c.revocation, Revocation::Good);
    }
    assert_eq!(checks[0].field, "baocao-personal-1");
    assert_eq!(checks[0].signer.as_ref().unwrap().common_name, "Nguyễn Văn Ánh");
    assert_eq!(checks[1].signer.as_ref().unwrap().common_name, "Sở Tài chính tỉnh Thái Bình");
    assert_eq!(checks[1].revision_end, twice.len());
    assert_eq!(checks[0].revision_end, once.len());
}

#[test]
fn one_changed_byte_breaks_the_signature() {
    let pki = Pki::new();
    let leader = pki.ca.issue(&Subject::person("Trần Thị B"), 365).unwrap();
    let signed = sign(&document(), &pki.key(&leader), SignatureKind::Personal, "baocao-personal-1");
    // A byte of the page content, well before the signature.
    let at = signed.windows(6).position(|w| w == b"stream").unwrap() + 20;
    let mut tampered = signed.clone();
    tampered[at] ^= 0x01;
    let checks = verify(&tampered, &pki.trust()).unwrap();
    assert_eq!(checks.len(), 1);
    assert!(!checks[0].valid() && !checks[0].intact);
    assert!(checks[0].problems.contains(&Problem::DigestMismatch), "{:?}", checks[0].problems);
}

#[test]
fn a_later_change_that_is_not_a_signature_is_detected() {
    let pki = Pki::new();
    let leader = pki.ca.issue(&Subject::person("Lê Văn C"), 365).unwrap();
    let signed = sign(&document(), &pki.key(&leader), SignatureKind::Personal, "baocao-personal-1");
    let doc = lopdf::Document::load_mem(&signed).unwrap();
    let mut update = lopdf::IncrementalDocument::create_from(signed.clone(), doc.clone());
    let page = *doc.get_pages().values().next().unwrap();
    update.opt_clone_object_to_new_document(page).unwrap();
    let dict = update.new_document.get_dictionary_mut(page).unwrap();
    dict.set("Rotate", 90);
    let mut changed = Vec::new();
    update.save_to(&mut changed).unwrap();
    let checks = verify(&changed, &pki.trust()).unwrap();
    assert!(checks[0].problems.contains(&Problem::ModifiedAfterSigning), "{:?}", checks[0].problems);
    assert!(!checks[0].valid());
}

#[test]
fn untrusted_revoked_and_expired_certificates_are_refused() {
    let pki = Pki::new();
    let revoked = pki.ca.issue(&Subject::person("Phạm Văn D"), 365).unwrap();
    let expired = pki.ca.issue(&Subject::person("Hoàng Thị E"), -10).unwrap();
    let base = document();
    let by_revoked = sign(&base, &pki.key(&revoked), SignatureKind::Personal, "baocao-personal-1");
    let crl = pki.ca.crl(&[revoked.certificate()]).unwrap();
    let checks = verify(&by_revoked, &pki.trust().with_crl(crl)).unwrap();
    assert_eq!(checks[0].revocation, Revocation::Revoked);
    assert!(checks[0].problems.contains(&Problem::Revoked) && !checks[0].valid());
    assert!(checks[0].intact, "revocation is not tampering");

    let by_expired = sign(&base, &pki.key(&expired), SignatureKind::Personal, "baocao-personal-1");
    let checks = verify(&by_expired, &pki.trust()).unwrap();
    assert!(checks[0].problems.contains(&Problem::NotValidAtSigningTime), "{:?}", checks[0].problems);

    let other = Authority::root("Gốc khác").unwrap();
    let checks = verify(&by_revoked, &Trust::default().with_anchor(other.certificate().clone())).unwrap();
    assert!(!checks[0].trusted && !checks[0].valid());
    assert!(matches!(checks[0].problems[0], Problem::Untrusted(_)));
    assert_eq!(checks[0].revocation, Revocation::Unknown);
}

#[test]
fn the_same_field_name_twice_is_refused() {
    let pki = Pki::new();
    let leader = pki.ca.issue(&Subject::person("Vũ Văn G"), 365).unwrap();
    let once = sign(&document(), &pki.key(&leader), SignatureKind::Personal, "baocao-personal-1");
    let appearance = signature_appearance((100.0, 50.0), None, &[]).unwrap();
    let field = Field {
        name: "baocao-personal-1".into(),
        rect: [0.0, 0.0, 100.0, 50.0],
        appearance: &appearance,
        signer_name: String::new(),
        reason: String::new(),
        location: String::new(),
        time: Utc::now().fixed_offset(),
    };
    assert!(prepare(&once, &field).is_err());
}
