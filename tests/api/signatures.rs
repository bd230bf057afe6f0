//! Digital signatures through the API: a ward's leader approves and signs
//! with a key the server holds (name hidden, with a signature image), the
//! clerk signs as the organisation and sends, the province sees both
//! signatures valid — and so do pyHanko and pdfsig on the downloaded file —
//! and accepts. A token signs through prepare/complete; a PDF signed by
//! another tool is uploaded. Bad certificates, images and signatures are
//! refused with clear errors and change nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use baocao_signing::pki::{Authority, Issued, Subject};
use baocao_tests::{Backend, Session, TestApp, assert_error, both, spawn_app_with, unique};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::reports::{act, assign_meetings, put};

both!(
    a_report_is_signed_by_its_leader_and_its_unit_and_checked_by_the_receiver,
    a_token_signs_through_prepare_and_complete,
    a_pdf_signed_elsewhere_is_uploaded,
    bad_certificates_images_and_signatures_are_refused,
    the_signatures_page_checks_a_pdf_and_keeps_images,
    a_revocation_list_is_fetched_from_the_distribution_point,
    a_unit_sets_its_signing_policy,
    a_time_stamping_authority_makes_signatures_pades_b_t,
    a_report_whose_required_signature_no_longer_holds_cannot_be_accepted
);

/// A test PKI: a root in the server's trust directory, an intermediate CA
/// whose (empty) CRL is there too.
pub(crate) struct Pki {
    pub(crate) root: Authority,
    pub(crate) ca: Authority,
    pub(crate) trust: PathBuf,
}

impl Pki {
    pub(crate) fn new() -> Self {
        let root = Authority::root("Gốc chuyên dùng thử nghiệm").unwrap();
        let ca = root
            .intermediate("CA phục vụ cơ quan nhà nước thử nghiệm")
            .unwrap()
            .with_crl_url("http://127.0.0.1:9/ca.crl");
        let trust = std::env::temp_dir().join(unique("baocao-trust"));
        std::fs::create_dir_all(&trust).unwrap();
        std::fs::write(trust.join("root.pem"), root.certificate_pem().unwrap()).unwrap();
        let pki = Self { root, ca, trust };
        pki.publish_crl(&[]);
        pki
    }

    fn publish_crl(&self, revoked: &[&Issued]) {
        let certs: Vec<_> = revoked.iter().map(|i| i.certificate()).collect();
        std::fs::write(self.trust.join("ca.crl"), self.ca.crl(&certs).unwrap().to_der().unwrap()).unwrap();
    }

    pub(crate) fn p12(&self, who: &Issued) -> Vec<u8> {
        who.pkcs12("mật khẩu 123", &[self.ca.certificate(), self.root.certificate()]).unwrap()
    }

    fn chain_b64(&self, who: &Issued) -> Vec<String> {
        [who.certificate().to_der().unwrap(), self.ca.certificate().to_der().unwrap()]
            .iter()
            .map(|d| STANDARD.encode(d))
            .collect()
    }
}

pub(crate) struct World {
    pub(crate) app: TestApp,
    pub(crate) pki: Pki,
    entry: Session,
    pub(crate) leader: Session,
    pub(crate) clerk: Session,
    pub(crate) province: Session,
    pub(crate) ward: i64,
}

pub(crate) async fn world(backend: Backend) -> World {
    world_with(backend, Tsa::None).await
}

/// Which time-stamping authority the server asks.
enum Tsa {
    None,
    /// One answering from the world's CA.
    Answering,
    /// An address where nobody answers.
    Silent,
}

async fn world_with(backend: Backend, tsa: Tsa) -> World {
    let pki = Pki::new();
    let trust = pki.trust.clone();
    let tsa_url = match tsa {
        Tsa::None => None,
        Tsa::Answering => Some(time_stamping_authority(&pki)),
        Tsa::Silent => Some("http://127.0.0.1:9/tsa".to_owned()),
    };
    let app = spawn_app_with(backend, move |s| {
        s.signing.trust_dir = trust;
        s.signing.require_organisation = true;
        s.signing.tsa_url = tsa_url;
    })
    .await;
    World {
        entry: app.login("hy.phohien.nhaplieu").await,
        leader: app.login("hy.phohien.duyet").await,
        clerk: app.login("hy.phohien.gui").await,
        province: app.login("hy.tonghop").await,
        ward: app.unit_id("hungyen", "phuong-pho-hien").await,
        app,
        pki,
    }
}

impl World {
    /// A report of the ward, filled and submitted to its leader.
    pub(crate) async fn submitted(&self) -> i64 {
        let assigned = assign_meetings(&self.app, &self.province, self.ward, json!({})).await;
        let id = assigned[0]["report"]["id"].as_i64().unwrap();
        let current = self.app.get_json(&self.entry, &format!("/api/v1/reports/{id}")).await;
        let data = json!({"version": current["version"], "rows_added": [{"title": "UBND phường Phố Hiến", "catalogue": "phuong-pho-hien"}],
            "cells": [{"row": "x1", "col": "c4", "value": "1.200"}, {"row": "x1", "col": "c5", "value": 300}]});
        assert_eq!(
            put(&self.app, &self.entry, &format!("/api/v1/reports/{id}/data"), data).await.status(),
            StatusCode::OK
        );
        assert_eq!(act(&self.app, &self.entry, id, "submit", None).await.status(), StatusCode::OK);
        id
    }

    pub(crate) async fn install(&self, who: &Session, path: &str, p12: Vec<u8>, password: &str) -> reqwest::Response {
        self.app
            .request(who, reqwest::Method::POST, path)
            .header("X-Pkcs12-Password", password)
            .header("Content-Type", "application/x-pkcs12")
            .body(p12)
            .send()
            .await
            .unwrap()
    }

    async fn step(&self, who: &Session, id: i64, body: Value) -> reqwest::Response {
        self.app.post(who, &format!("/api/v1/reports/{id}/transitions"), body).await
    }

    pub(crate) async fn pdf(&self, who: &Session, id: i64) -> Vec<u8> {
        let r = self.app.get(who, &format!("/api/v1/reports/{id}/pdf")).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        r.bytes().await.unwrap().to_vec()
    }

    pub(crate) async fn image(&self, who: &Session, png: Vec<u8>, kind: &str, title: &str) -> reqwest::Response {
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(png).file_name("chu-ky.png").mime_str("image/png").unwrap())
            .text("kind", kind.to_owned())
            .text("title", title.to_owned());
        self.app
            .request(who, reqwest::Method::POST, "/api/v1/me/signature-images")
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    async fn status(&self, id: i64) -> String {
        self.app.get_json(&self.province, &format!("/api/v1/reports/{id}")).await["status"].as_str().unwrap().to_owned()
    }
}

/// A red disc on a transparent square: a seal as Decree 30/2020 draws it.
pub(crate) fn seal_png(size: u32) -> Vec<u8> {
    let mut pixels = Vec::new();
    let c = size as f32 / 2.0;
    for y in 0..size {
        for x in 0..size {
            let inside = ((x as f32 - c).powi(2) + (y as f32 - c).powi(2)).sqrt() < c - 1.0;
            pixels.extend(if inside { [220, 20, 20, 255] } else { [0, 0, 0, 0] });
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, size, size);
    encoder.set_color(png::ColorType::Rgba);
    encoder.write_header().unwrap().write_image_data(&pixels).unwrap();
    out
}

fn pyhanko(pdf: &[u8], root_pem: &Path, crl: &Path) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, pdf).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../platform/signing/tests/validators/pyhanko_validate.py");
    let out = Command::new("python3").arg(script).arg(&file).arg(root_pem).arg(crl).output().unwrap();
    assert!(out.status.success(), "pyHanko: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn pdfsig(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdfsig")
        .arg("-nocert")
        .arg(&file)
        .output()
        .expect("pdfsig (poppler-utils) is installed by .ci/run");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// How many clearly red pixels the last page shows when rendered by poppler.
pub(crate) fn red_pixels_on_last_page(pdf: &[u8]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, pdf).unwrap();
    let info = Command::new("pdfinfo").arg(&file).output().unwrap();
    let pages: u32 = String::from_utf8_lossy(&info.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap()))
        .unwrap();
    let out = dir.path().join("page");
    let status = Command::new("pdftoppm")
        .args(["-r", "40", "-f", &pages.to_string(), "-l", &pages.to_string(), "-singlefile"])
        .arg(&file)
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let ppm = std::fs::read(dir.path().join("page.ppm")).unwrap();
    // P6 header: magic, width, height, maxval, then RGB bytes.
    let mut fields = 0;
    let mut at = 0;
    while fields < 4 {
        while ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        while !ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields += 1;
    }
    ppm[at + 1..].chunks_exact(3).filter(|p| p[0] > 160 && p[1] < 90 && p[2] < 90).count()
}

async fn a_report_is_signed_by_its_leader_and_its_unit_and_checked_by_the_receiver(backend: Backend) {
    let w = world(backend).await;
    let leader_name = w.leader.user["full_name"].as_str().unwrap().to_owned();
    let leader_cert = w.pki.ca.issue(&Subject::person(&leader_name), 365).unwrap();
    let unit_cert = w.pki.ca.issue(&Subject::organisation("UBND phường Phố Hiến"), 365).unwrap();
    let installed = w.install(&w.leader, "/api/v1/me/certificates", w.pki.p12(&leader_cert), "mật khẩu 123").await;
    assert_eq!(installed.status(), StatusCode::CREATED);
    let installed: Value = installed.json().await.unwrap();
    assert_eq!(installed["common_name"], leader_name.as_str());
    assert!(installed["serial"].as_str().unwrap().len() > 8);
    let path = format!("/api/v1/units/{}/certificates", w.ward);
    let unit_installed = w.install(&w.clerk, &path, w.pki.p12(&unit_cert), "mật khẩu 123").await;
    assert_eq!(unit_installed.status(), StatusCode::CREATED, "{}", unit_installed.text().await.unwrap());
    let image = w.image(&w.leader, seal_png(96), "personal", "Chủ tịch").await;
    assert_eq!(image.status(), StatusCode::CREATED);
    let image: Value = image.json().await.unwrap();
    assert_eq!(w.app.get_json(&w.leader, "/api/v1/me/signature-images").await[0]["title"], "Chủ tịch");

    let id = w.submitted().await;
    let draft = w.pdf(&w.leader, id).await;
    assert!(draft.starts_with(b"%PDF"));
    assert_eq!(draft, w.pdf(&w.leader, id).await, "the same report gives the same bytes");
    let approve = json!({"action": "approve", "signature": {"key": "server", "hide_signer": true, "hide_time": false, "image": image["id"]}});
    assert_eq!(w.step(&w.leader, id, approve).await.status(), StatusCode::OK);
    let frozen = w.pdf(&w.clerk, id).await;
    assert!(frozen.starts_with(&draft), "the frozen document is the drawing plus the leader's signature");

    // Sending needs the organisation's signature (the default policy); refused, nothing changes.
    assert_error(
        w.step(&w.clerk, id, json!({"action": "send"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "signature_required",
    )
    .await;
    assert_eq!(w.status(id).await, "unit_approved");
    assert_eq!(w.pdf(&w.clerk, id).await, frozen);
    let send = json!({"action": "send", "signature": {"key": "server", "hide_signer": false, "hide_time": true, "image": null}});
    assert_eq!(w.step(&w.clerk, id, send).await.status(), StatusCode::OK);

    let signed = w.pdf(&w.province, id).await;
    assert!(signed.starts_with(&frozen));
    let sigs = w.app.get_json(&w.province, &format!("/api/v1/reports/{id}/signatures")).await;
    let kinds: Vec<&str> = sigs.as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["personal", "organisation"]);
    for s in sigs.as_array().unwrap() {
        assert_eq!(
            (s["valid"].as_bool(), s["intact"].as_bool(), s["trusted"].as_bool()),
            (Some(true), Some(true), Some(true)),
            "{s}"
        );
        assert_eq!(s["revocation"], "good");
        assert!(s["signed_at"].as_str().unwrap().ends_with("+07:00"));
    }
    assert_eq!(sigs[0]["signer"], leader_name.as_str());
    assert_eq!(sigs[1]["signer"], "UBND phường Phố Hiến");
    let rechecked = w.app.get_json(&w.province, &format!("/api/v1/reports/{id}/signatures?recheck=true")).await;
    assert_eq!(rechecked.as_array().unwrap().len(), 2);

    // The independent validators agree, and the seal image shows on the page.
    let report = pyhanko(&signed, &w.pki.trust.join("root.pem"), &w.pki.trust.join("ca.crl"));
    assert_eq!(report.len(), 2);
    assert!(report.iter().all(|s| s["intact"] == true && s["valid"] == true && s["trusted"] == true), "{report:?}");
    let text = pdfsig(&signed);
    assert_eq!(text.matches("Signature Validation: Signature is Valid.").count(), 2, "{text}");
    assert!(red_pixels_on_last_page(&signed) > 50, "the red seal image is drawn");
    assert_eq!(red_pixels_on_last_page(&draft), 0);

    // "Kiểm tra ký số" on any PDF; one changed byte is caught.
    let verified = verify(&w, &w.province, signed.clone()).await;
    assert_eq!(verified["signatures"].as_array().unwrap().len(), 2);
    assert!(verified["signatures"].as_array().unwrap().iter().all(|s| s["valid"] == true));
    let mut tampered = signed.clone();
    let at = tampered.windows(6).position(|x| x == b"/F 132").unwrap() + 5;
    tampered[at] = b'3';
    let verified = verify(&w, &w.province, tampered).await;
    assert!(verified["signatures"].as_array().unwrap().iter().all(|s| s["valid"] == false && s["intact"] == false));

    assert_eq!(act(&w.app, &w.province, id, "accept", None).await.status(), StatusCode::OK);
    assert_eq!(w.status(id).await, "accepted");
}

async fn verify(w: &World, who: &Session, pdf: Vec<u8>) -> Value {
    let r = w
        .app
        .request(who, reqwest::Method::POST, "/api/v1/signatures/verify")
        .header("Content-Type", "application/pdf")
        .body(pdf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// The token is played by the key itself: it signs exactly the bytes the
/// server asks for, as a PKCS#11 token does with CKM_SHA256_RSA_PKCS.
async fn a_token_signs_through_prepare_and_complete(backend: Backend) {
    let w = world(backend).await;
    let leader_name = w.leader.user["full_name"].as_str().unwrap().to_owned();
    let token = w.pki.ca.issue(&Subject::person(&leader_name), 365).unwrap();
    let key = token.signing_key(&[w.pki.ca.certificate()]).unwrap();
    let id = w.submitted().await;
    let prepare = |chain: Vec<String>| json!({"action": "approve", "certificate_chain": chain, "hide_signer": false, "hide_time": false, "image": null});
    let prepared = w
        .app
        .post(&w.leader, &format!("/api/v1/reports/{id}/signatures/prepare"), prepare(w.pki.chain_b64(&token)))
        .await;
    assert_eq!(prepared.status(), StatusCode::OK);
    let prepared: Value = prepared.json().await.unwrap();
    assert_eq!(prepared["digest_algorithm"], "sha256");
    let tbs = STANDARD.decode(prepared["to_be_signed"].as_str().unwrap()).unwrap();
    assert_eq!(tbs[0], 0x31, "the DER SET of the signed attributes");
    let sid = prepared["id"].as_str().unwrap();
    let complete = format!("/api/v1/reports/{id}/signatures/{sid}/complete");

    // A signature over other bytes is refused; the report stays where it was.
    let wrong = STANDARD.encode(key.sign(b"other bytes").unwrap());
    assert_error(
        w.app.post(&w.leader, &complete, json!({"signature": wrong})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "signature_mismatch",
    )
    .await;
    assert_eq!(w.status(id).await, "submitted");
    // Only the one who prepared may complete.
    let right = STANDARD.encode(key.sign(&tbs).unwrap());
    assert_eq!(w.app.post(&w.clerk, &complete, json!({"signature": right})).await.status(), StatusCode::NOT_FOUND);
    let done = w.app.post(&w.leader, &complete, json!({"signature": right})).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(done.json::<Value>().await.unwrap()["status"], "unit_approved");
    assert_eq!(
        w.app.post(&w.leader, &complete, json!({"signature": right})).await.status(),
        StatusCode::NOT_FOUND,
        "used once"
    );
    let sigs = w.app.get_json(&w.leader, &format!("/api/v1/reports/{id}/signatures?recheck=true")).await;
    assert_eq!(sigs.as_array().unwrap().len(), 1);
    assert_eq!(sigs[0]["valid"], true, "{sigs}");
    assert_eq!(sigs[0]["kind"], "personal");

    // Someone else's certificate is refused at preparation.
    let stranger = w.pki.ca.issue(&Subject::person("Người khác"), 365).unwrap();
    let unit_step = json!({"action": "send", "certificate_chain": w.pki.chain_b64(&stranger)});
    assert_error(
        w.app.post(&w.clerk, &format!("/api/v1/reports/{id}/signatures/prepare"), unit_step).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unexpected_signer",
    )
    .await;
}

/// Signs `pdf` as another tool would (the VNPT-CA plugin): one incremental update, one signature.
fn sign_elsewhere(pdf: &[u8], key: &baocao_signing::SigningKey, name: &str, field: &str) -> Vec<u8> {
    use baocao_signing::cms;
    use baocao_signing::pdf::{Field, prepare};
    let appearance = baocao_signing_appearance();
    let field = Field {
        name: field.into(),
        rect: [300.0, 60.0, 480.0, 135.0],
        appearance: &appearance,
        signer_name: name.into(),
        reason: "Ký số".into(),
        location: "Hưng Yên".into(),
        time: chrono::Utc::now().fixed_offset(),
    };
    let prepared = prepare(pdf, &field).unwrap();
    let chain = key.chain_der().unwrap();
    let attrs = cms::signed_attributes(&prepared.digest(), &chain[0]).unwrap();
    prepared.embed(&cms::signed_data(&attrs, &key.sign(&attrs).unwrap(), &chain).unwrap()).unwrap()
}

/// A minimal one-page PDF as the appearance another tool would draw.
fn baocao_signing_appearance() -> Vec<u8> {
    let body = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 180 75] /Contents 4 0 R >>\nendobj\n4 0 obj\n<< /Length 22 >>\nstream\n0 0 1 rg 0 0 180 75 re f\nendstream\nendobj\n";
    let xref_at = body.len();
    let mut offsets = Vec::new();
    for n in 1..=4 {
        offsets.push(body.find(&format!("{n} 0 obj")).unwrap());
    }
    let mut out = body.to_owned();
    out.push_str("xref\n0 5\n0000000000 65535 f \n");
    for o in offsets {
        out.push_str(&format!("{o:010} 00000 n \n"));
    }
    out.push_str(&format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"));
    out.into_bytes()
}

async fn a_pdf_signed_elsewhere_is_uploaded(backend: Backend) {
    let w = world(backend).await;
    let unit = w.pki.ca.issue(&Subject::organisation("UBND phường Phố Hiến"), 365).unwrap();
    let key = unit.signing_key(&[w.pki.ca.certificate()]).unwrap();
    let id = w.submitted().await;
    assert_eq!(w.step(&w.leader, id, json!({"action": "approve"})).await.status(), StatusCode::OK);
    let document = w.pdf(&w.clerk, id).await;
    let upload = |pdf: Vec<u8>| {
        w.app
            .request(&w.clerk, reqwest::Method::POST, &format!("/api/v1/reports/{id}/signatures/upload?action=send"))
            .header("Content-Type", "application/pdf")
            .body(pdf)
            .send()
    };
    // Another document, a document changed after signing, two updates: refused.
    let other = sign_elsewhere(&baocao_signing_appearance(), &key, "x", "Signature1");
    assert_error(upload(other).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "not_this_document").await;
    let signed = sign_elsewhere(&document, &key, "UBND phường Phố Hiến", "Signature1");
    let mut broken = signed.clone();
    let at = broken.len() - 200;
    broken[at] ^= 1;
    let twice = sign_elsewhere(&signed, &key, "UBND phường Phố Hiến", "Signature2");
    assert_error(upload(twice).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "one_update_expected").await;
    assert_eq!(upload(broken).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(w.status(id).await, "unit_approved");
    assert_eq!(w.pdf(&w.clerk, id).await, document, "nothing stored");

    let done = upload(signed.clone()).await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(w.status(id).await, "sent");
    assert_eq!(w.pdf(&w.province, id).await, signed, "the receiver downloads exactly what was signed");
    let sigs = w.app.get_json(&w.province, &format!("/api/v1/reports/{id}/signatures")).await;
    assert_eq!(sigs[0]["kind"], "organisation");
    assert_eq!(sigs[0]["valid"], true);
}

async fn bad_certificates_images_and_signatures_are_refused(backend: Backend) {
    let w = world(backend).await;
    let good = w.pki.ca.issue(&Subject::person("Chủ tịch UBND phường Phố Hiến"), 365).unwrap();
    let expired = w.pki.ca.issue(&Subject::person("Chủ tịch UBND phường Phố Hiến"), -5).unwrap();
    let revoked = w.pki.ca.issue(&Subject::person("Chủ tịch UBND phường Phố Hiến"), 365).unwrap();
    w.pki.publish_crl(&[&revoked]);
    let elsewhere = Authority::root("Gốc lạ").unwrap().issue(&Subject::person("X"), 365).unwrap();
    let me = "/api/v1/me/certificates";
    let cases = [
        (w.pki.p12(&good), "sai mật khẩu", "wrong_password"),
        (b"not a p12".to_vec(), "x", "not_pkcs12"),
        (w.pki.p12(&expired), "mật khẩu 123", "certificate_expired"),
        (w.pki.p12(&revoked), "mật khẩu 123", "certificate_revoked"),
        (elsewhere.pkcs12("p", &[]).unwrap(), "p", "certificate_untrusted"),
    ];
    for (p12, password, code) in cases {
        let body =
            assert_error(w.install(&w.leader, me, p12, password).await, StatusCode::UNPROCESSABLE_ENTITY, code).await;
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    // No key was stored: approving with the server key is refused, and nothing moves.
    let id = w.submitted().await;
    let approve = json!({"action": "approve", "signature": {"key": "server"}});
    assert_error(w.step(&w.leader, id, approve).await, StatusCode::UNPROCESSABLE_ENTITY, "no_key").await;
    assert_eq!(w.status(id).await, "submitted");
    // Another unit's clerk cannot install this unit's key.
    let other_clerk = w.app.login("tb.tonghop").await;
    let path = format!("/api/v1/units/{}/certificates", w.ward);
    assert_eq!(w.install(&other_clerk, &path, w.pki.p12(&good), "mật khẩu 123").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        w.install(&w.province, &path, w.pki.p12(&good), "mật khẩu 123").await.status(),
        StatusCode::FORBIDDEN,
        "reads the ward, neither manages nor signs for it"
    );

    assert_error(
        w.image(&w.leader, b"GIF89a".to_vec(), "personal", "x").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_png",
    )
    .await;
    assert_error(
        w.image(&w.leader, seal_png(8), "personal", "x").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "image_size",
    )
    .await;
    assert_error(
        w.image(&w.leader, seal_png(32), "stamp", "x").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_kind",
    )
    .await;
    assert_eq!(w.app.get_json(&w.leader, "/api/v1/me/signature-images").await, json!([]));
    let image: Value = w.image(&w.leader, seal_png(32), "organisation", "Con dấu").await.json().await.unwrap();
    let other: Value = w.image(&w.clerk, seal_png(32), "personal", "Văn thư").await.json().await.unwrap();
    let gone = format!("/api/v1/me/signature-images/{}", other["id"]);
    assert_eq!(w.app.delete(&w.leader, &gone).await.status(), StatusCode::NOT_FOUND, "not the leader's image");
    assert_eq!(
        w.app.delete(&w.leader, &format!("/api/v1/me/signature-images/{}", image["id"])).await.status(),
        StatusCode::NO_CONTENT
    );

    let garbage = w
        .app
        .request(&w.province, reqwest::Method::POST, "/api/v1/signatures/verify")
        .body(b"%PDF-broken".to_vec())
        .send()
        .await
        .unwrap();
    assert_error(garbage, StatusCode::UNPROCESSABLE_ENTITY, "bad_pdf").await;
}

/// The "Ký số" page: a signed PDF checked from a form, an image uploaded and
/// deleted, and a form without its CSRF token refused.
async fn the_signatures_page_checks_a_pdf_and_keeps_images(backend: Backend) {
    let w = world(backend).await;
    let unit = w.pki.ca.issue(&Subject::organisation("UBND phường Phố Hiến"), 365).unwrap();
    let key = unit.signing_key(&[w.pki.ca.certificate()]).unwrap();
    let signed = sign_elsewhere(&baocao_signing_appearance(), &key, "UBND phường Phố Hiến", "Signature1");
    let cookie = format!("baocao_session={}", w.province.token);
    let post = |path: &str, form: reqwest::multipart::Form| {
        w.app.client.post(w.app.url(path)).header("cookie", cookie.clone()).multipart(form).send()
    };
    let file = |bytes: Vec<u8>, name: &str| reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
    let checked = post(
        "/signatures/verify",
        reqwest::multipart::Form::new()
            .text("csrf_token", w.province.csrf.clone())
            .part("file", file(signed.clone(), "a.pdf")),
    )
    .await
    .unwrap();
    assert_eq!(checked.status(), StatusCode::OK);
    let html = checked.text().await.unwrap();
    assert!(html.contains("Chữ ký hợp lệ") && html.contains("UBND phường Phố Hiến"), "{html}");
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap())
        .format("%d/%m/%Y")
        .to_string();
    assert!(html.contains(&today), "the signing time in dd/MM/yyyy: {html}");
    let forged = post(
        "/signatures/verify",
        reqwest::multipart::Form::new().text("csrf_token", "sai").part("file", file(signed, "a.pdf")),
    )
    .await
    .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let upload = reqwest::multipart::Form::new()
        .text("csrf_token", w.province.csrf.clone())
        .text("kind", "personal")
        .text("title", "Chánh Văn phòng")
        .part("file", file(seal_png(48), "ky.png"));
    assert_eq!(post("/signatures/images", upload).await.unwrap().status(), StatusCode::SEE_OTHER);
    let images = w.app.get_json(&w.province, "/api/v1/me/signature-images").await;
    assert_eq!(images[0]["title"], "Chánh Văn phòng");
    let page = w
        .app
        .client
        .get(w.app.url("/signatures"))
        .header("cookie", cookie.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Chánh Văn phòng") && page.contains("Kiểm tra ký số"));
    let delete = w
        .app
        .client
        .post(w.app.url(&format!("/signatures/images/{}/delete", images[0]["id"])))
        .header("cookie", cookie.clone())
        .form(&[("csrf_token", w.province.csrf.clone())])
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.app.get_json(&w.province, "/api/v1/me/signature-images").await, json!([]));
}

/// A CA whose CRL is published at its distribution point only (not in the
/// trust directory): the check fetches it and finds the certificate revoked;
/// a distribution point nobody answers leaves the status "unknown".
async fn a_revocation_list_is_fetched_from_the_distribution_point(backend: Backend) {
    let w = world(backend).await;
    // The CA names the address before its CRL exists: pick a free port, then publish there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let ca = w
        .pki
        .root
        .intermediate("CA có điểm phân phối CRL")
        .unwrap()
        .with_crl_url(&format!("http://127.0.0.1:{port}/ca.crl"));
    let revoked = ca.issue(&Subject::organisation("UBND phường Phố Hiến"), 365).unwrap();
    let crl = ca.crl(&[revoked.certificate()]).unwrap().to_der().unwrap();
    serve_bytes_on(port, crl);
    let key = revoked.signing_key(&[ca.certificate()]).unwrap();
    let signed = sign_elsewhere(&baocao_signing_appearance(), &key, "UBND phường Phố Hiến", "Signature1");
    let checked = verify(&w, &w.province, signed).await;
    let s = &checked["signatures"][0];
    assert_eq!(
        (s["trusted"].as_bool(), s["revocation"].as_str(), s["valid"].as_bool()),
        (Some(true), Some("revoked"), Some(false)),
        "{s}"
    );

    let silent = w.pki.root.intermediate("CA không trả lời").unwrap().with_crl_url("http://127.0.0.1:9/none.crl");
    let other = silent.issue(&Subject::organisation("UBND phường Phố Hiến"), 365).unwrap();
    let signed = sign_elsewhere(
        &baocao_signing_appearance(),
        &other.signing_key(&[silent.certificate()]).unwrap(),
        "x",
        "Signature1",
    );
    let s = &verify(&w, &w.province, signed).await["signatures"][0];
    assert_eq!(
        (s["revocation"].as_str(), s["valid"].as_bool()),
        (Some("unknown"), Some(true)),
        "not checked is not invalid: {s}"
    );
}

/// Serves `body` to every request on 127.0.0.1:`port`, as a CA publishes its CRL.
fn serve_bytes_on(port: u16, body: Vec<u8>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut request = [0u8; 2048];
            let _ = stream.read(&mut request);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&body));
        }
    });
}

/// The unit's administrator sets its policy; the workflow follows it.
async fn a_unit_sets_its_signing_policy(backend: Backend) {
    let w = world(backend).await;
    let admin = w.app.login("hy.quantri").await;
    let path = format!("/api/v1/units/{}/signing-policy", w.ward);
    let shown = w.app.get_json(&w.clerk, &path).await;
    assert_eq!(
        (shown["require_organisation"].clone(), shown["effective_organisation"].clone()),
        (Value::Null, json!(true))
    );
    assert_eq!(shown["effective_personal"], false);
    let put = |who: &Session, body: Value| w.app.request(who, reqwest::Method::PUT, &path).json(&body).send();
    let body = json!({"require_organisation": false, "require_personal": true});
    assert_eq!(put(&w.clerk, body.clone()).await.unwrap().status(), StatusCode::FORBIDDEN);
    let stranger = w.app.login("tb.quantri").await;
    assert_eq!(put(&stranger, body.clone()).await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(w.app.get_json(&w.clerk, &path).await, shown, "refused changes change nothing");
    let set: Value = put(&admin, body).await.unwrap().json().await.unwrap();
    assert_eq!(
        (set["effective_organisation"].as_bool(), set["effective_personal"].as_bool()),
        (Some(false), Some(true))
    );

    let id = w.submitted().await;
    assert_error(
        w.step(&w.leader, id, json!({"action": "approve"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "signature_required",
    )
    .await;
    assert_eq!(w.status(id).await, "submitted");
    put(&admin, json!({"require_organisation": false})).await.unwrap();
    assert_eq!(w.step(&w.leader, id, json!({"action": "approve"})).await.status(), StatusCode::OK);
    assert_eq!(
        w.step(&w.clerk, id, json!({"action": "send"})).await.status(),
        StatusCode::OK,
        "no signature required now"
    );
    assert_eq!(w.status(id).await, "sent");
}

/// A time-stamping authority: `openssl ts -reply` behind a small HTTP
/// listener, with a certificate from `pki`'s CA. Answers its URL.
fn time_stamping_authority(pki: &Pki) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = std::env::temp_dir().join(unique("baocao-tsa"));
    std::fs::create_dir_all(&dir).unwrap();
    let tsa = pki.ca.issue_tsa("Dịch vụ cấp dấu thời gian thử nghiệm").unwrap();
    std::fs::write(dir.join("tsa.pem"), tsa.certificate().to_pem().unwrap()).unwrap();
    std::fs::write(dir.join("tsa.key"), tsa.private_key_pem().unwrap()).unwrap();
    std::fs::write(dir.join("chain.pem"), pki.ca.certificate_pem().unwrap()).unwrap();
    std::fs::write(dir.join("serial"), "01\n").unwrap();
    let d = dir.display();
    let config = format!(
        "[ tsa ]\ndefault_tsa = tsa_config\n[ tsa_config ]\nserial = {d}/serial\ncrypto_device = builtin\nsigner_cert = {d}/tsa.pem\n\
         certs = {d}/chain.pem\nsigner_key = {d}/tsa.key\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\n\
         accuracy = secs:1\nordering = yes\ntsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n"
    );
    std::fs::write(dir.join("tsa.cnf"), config).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut query = vec![0u8; length];
            let _ = reader.read_exact(&mut query);
            std::fs::write(dir.join("q.der"), &query).unwrap();
            let status = Command::new("openssl")
                .args(["ts", "-reply", "-config"])
                .arg(dir.join("tsa.cnf"))
                .arg("-queryfile")
                .arg(dir.join("q.der"))
                .arg("-out")
                .arg(dir.join("r.der"))
                .output()
                .unwrap();
            assert!(status.status.success(), "openssl ts: {}", String::from_utf8_lossy(&status.stderr));
            let body = std::fs::read(dir.join("r.der")).unwrap();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let mut stream = reader.into_inner();
            let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&body));
        }
    });
    format!("http://127.0.0.1:{port}/")
}

/// With a TSA configured, a server-held signature carries a time-stamp
/// token (PAdES B-T) that our check and pyHanko accept; a TSA that does not
/// answer stops the step with 503 and changes nothing.
async fn a_time_stamping_authority_makes_signatures_pades_b_t(backend: Backend) {
    for (tsa, answered) in [(Tsa::Answering, true), (Tsa::Silent, false)] {
        let w = world_with(backend, tsa).await;
        let leader_name = w.leader.user["full_name"].as_str().unwrap().to_owned();
        let cert = w.pki.ca.issue(&Subject::person(&leader_name), 365).unwrap();
        assert!(
            w.install(&w.leader, "/api/v1/me/certificates", w.pki.p12(&cert), "mật khẩu 123")
                .await
                .status()
                .is_success()
        );
        let id = w.submitted().await;
        let approve = w.step(&w.leader, id, json!({"action": "approve", "signature": {"key": "server"}})).await;
        if !answered {
            assert_error(approve, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
            assert_eq!(w.status(id).await, "submitted", "no signature, no step");
            continue;
        }
        assert_eq!(approve.status(), StatusCode::OK);
        let sigs = w.app.get_json(&w.leader, &format!("/api/v1/reports/{id}/signatures?recheck=true")).await;
        assert_eq!(sigs[0]["valid"], true, "{sigs}");
        assert!(sigs[0]["time_stamp"].as_str().is_some_and(|t| t.ends_with("+07:00")), "{sigs}");
        let pdf = w.pdf(&w.leader, id).await;
        let report = pyhanko(&pdf, &w.pki.trust.join("root.pem"), &w.pki.trust.join("ca.crl"));
        assert!(
            report[0]["valid"] == true && report[0]["intact"] == true && report[0]["trusted"] == true,
            "{report:?}"
        );
    }
}

/// The unit's certificate is revoked after the report was sent: the receiver
/// sees the signature invalid on a fresh check and cannot accept the report.
async fn a_report_whose_required_signature_no_longer_holds_cannot_be_accepted(backend: Backend) {
    let w = world(backend).await;
    let unit = w.pki.ca.issue(&Subject::organisation("UBND phường Phố Hiến"), 365).unwrap();
    let path = format!("/api/v1/units/{}/certificates", w.ward);
    assert!(w.install(&w.clerk, &path, w.pki.p12(&unit), "mật khẩu 123").await.status().is_success());
    let id = w.submitted().await;
    assert_eq!(w.step(&w.leader, id, json!({"action": "approve"})).await.status(), StatusCode::OK);
    assert_eq!(
        w.step(&w.clerk, id, json!({"action": "send", "signature": {"key": "server"}})).await.status(),
        StatusCode::OK
    );
    w.pki.publish_crl(&[&unit]);
    let refused = act(&w.app, &w.province, id, "accept", None).await;
    assert_error(refused, StatusCode::CONFLICT, "signature_invalid").await;
    assert_eq!(w.status(id).await, "sent", "not accepted");
    let sigs = w.app.get_json(&w.province, &format!("/api/v1/reports/{id}/signatures?recheck=true")).await;
    assert_eq!((sigs[0]["revocation"].as_str(), sigs[0]["valid"].as_bool()), (Some("revoked"), Some(false)), "{sigs}");
    // Rejecting stays possible: the unit signs again with a new certificate.
    assert_eq!(
        act(&w.app, &w.province, id, "reject", Some("Chứng thư số đã bị thu hồi")).await.status(),
        StatusCode::OK
    );
}
