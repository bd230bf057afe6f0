//! What each predefined group may and may not do, for one demo account per
//! group. The expectations are written here by hand from the handbook's
//! descriptions (§4.2.1), not derived from `policies/`, so a wrong policy
//! fails this test.

use baocao_tests::{Backend, both, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// (account, group, units it sees, whether it administers its unit)
const MATRIX: &[(&str, &str, usize, bool)] = &[
    ("admin", "QT_VPCP", 22, true),
    ("vpcp.tonghop", "TH_VPCP", 22, false),
    ("btp.quantri", "BO_QUANTRI", 4, true),
    ("btp.duyet", "BO_DUYET", 1, false),
    ("btp.gui", "BO_GUI", 1, false),
    ("btp.tonghop", "BO_TONGHOP", 4, false),
    ("btp.cuc.quantri", "BO_CUCVU_QUANTRI", 1, true),
    ("btp.cuc.nhaplieu", "BO_CUCVU_NHAPLIEU", 1, false),
    ("btp.cuc.gui", "BO_CUCVU_GUI", 1, false),
    ("btp.cuc.tonghop", "BO_CUCVU_TONGHOP", 1, false),
    ("btp.ndtw.gui", "BO_NDTW_GUI", 1, false),
    ("tb.quantri", "TINH_QUANTRI", 11, true),
    ("tb.duyet", "TINH_DUYET", 1, false),
    ("tb.gui", "TINH_GUI", 1, false),
    ("tb.tonghop", "TINH_TONGHOP", 11, false),
    ("tb.stp.nhaplieu", "TINH_SO_NHAPLIEU", 1, false),
    ("tb.stp.gui", "TINH_SO_GUI", 1, false),
    ("tb.stp.tonghop", "TINH_SO_TONGHOP", 1, false),
    ("tb.stp.duyet", "TINH_DONVI_DUYET_TT01", 1, false),
    ("tb.vuthu.quantri", "TINH_HUYEN_QUANTRI", 3, true),
    ("tb.vuthu.tonghop", "TINH_HUYEN_TONGHOP", 3, false),
    ("tb.vuthu.gui", "TINH_HUYEN_GUI", 1, false),
    ("tb.tp.tonghop", "TINH_HUYEN_TONGHOP_TT01", 2, false),
    ("tb.minhquang.nhaplieu", "TINH_XA_NHAPLIEU", 1, false),
    ("tb.minhquang.gui", "TINH_XA_GUI", 1, false),
    ("tb.ndtw.gui", "TINH_NDTW_GUI", 1, false),
    ("tb.ndtw.tonghop", "TINH_NDTW_TONGHOP", 1, false),
    ("tb.ndtinh.quantri", "TINH_NDTINH_QUANTRI", 2, true),
    ("tb.ndtinh.gui", "TINH_NDTINH_GUI", 1, false),
    ("tb.ndtinh.tonghop", "TINH_NDTINH_TONGHOP", 2, false),
    ("tb.ndhuyen.nhaplieu", "TINH_NDHUYEN_NHAPLIEU", 1, false),
    ("tb.ndhuyen.gui", "TINH_NDHUYEN_GUI", 1, false),
    ("hy.quantri", "TINH_QUANTRI", 6, true),
    ("hy.duyet", "TINH_DUYET", 1, false),
    ("hy.gui", "TINH_GUI", 1, false),
    ("hy.tonghop", "TINH_TONGHOP", 6, false),
    ("hy.stp.nhaplieu", "TINH_SO_NHAPLIEU", 1, false),
    ("hy.phohien.nhaplieu", "TINH_XA_NHAPLIEU", 1, false),
    ("hy.phohien.gui", "TINH_XA_GUI", 1, false),
];

async fn every_group_gets_exactly_its_rights(backend: Backend) {
    let app = spawn_app(backend).await;
    let groups = app.get_json(&app.login("admin").await, "/api/v1/groups").await;
    let groups = groups.as_array().unwrap();
    assert_eq!(groups.len(), 32, "9 ministry + 21 province + 2 operator groups");
    for g in groups {
        assert!(g["code"].is_string() && g["name"].is_string() && g["scope"].is_string());
    }
    let covered: std::collections::BTreeSet<&str> = MATRIX.iter().map(|m| m.1).collect();
    assert_eq!(covered.len(), 32, "the matrix covers every group");

    // Reads first, on the seeded tree, before any write below changes it.
    let mut sessions = Vec::with_capacity(MATRIX.len());
    for &(username, group, visible, _) in MATRIX {
        let who = app.login(username).await;
        assert_eq!(who.user["groups"][0]["group"], group, "{username}");
        let unit = who.unit_id();
        // Every account reads its own unit.
        assert_eq!(
            app.get(&who, &format!("/api/v1/units/{unit}")).await.status(),
            StatusCode::OK,
            "{username} reads its unit"
        );
        let units: Value = app.get_json(&who, "/api/v1/units").await;
        assert_eq!(units.as_array().unwrap().len(), visible, "{username} ({group}) sees {visible} units");
        sessions.push(who);
    }

    for (&(username, _, _, administers), who) in MATRIX.iter().zip(&sessions) {
        let unit = who.unit_id();

        // Adding a child unit, creating an account, reading users and the audit log: administrators only.
        let mut body = json!({"parent_id": unit, "code": format!("con-{}", username.replace('.', "-")), "name": "Đơn vị thử", "kind": "Phòng", "level": "phong"});
        if username == "admin" {
            // Directly under the root, a new unit is a new tenant.
            body["tenant_kind"] = json!("sector");
        }
        let child = app.post(who, "/api/v1/units", body).await;
        let account = app
            .post(
                who,
                "/api/v1/users",
                json!({"unit_id": unit, "username": format!("{username}.moi"), "password": "Thu#Nghiem2026", "full_name": "Người dùng thử"}),
            )
            .await;
        let users = app.get_json(who, "/api/v1/users").await;
        let audit = app.get_json(who, "/api/v1/audit").await;
        if administers {
            assert_eq!(child.status(), StatusCode::CREATED, "{username} may add a child unit");
            assert_eq!(account.status(), StatusCode::CREATED, "{username} may create an account");
            assert!(!users.as_array().unwrap().is_empty(), "{username} lists users");
            assert!(!audit.as_array().unwrap().is_empty(), "{username} reads the audit log");
        } else {
            assert_eq!(child.status(), StatusCode::FORBIDDEN, "{username} may not add units");
            assert_eq!(account.status(), StatusCode::FORBIDDEN, "{username} may not create accounts");
            assert!(users.as_array().unwrap().is_empty(), "{username} lists no users");
            assert!(audit.as_array().unwrap().is_empty(), "{username} reads no audit log");
        }
    }
}

both!(every_group_gets_exactly_its_rights);
