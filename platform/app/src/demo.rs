//! The demo world of `baocao serve --demo`: the VPCP root, a ministry (Bộ
//! Tư pháp), a province in the pre-2025 three-level shape (Thái Bình, as in
//! its 2022 digital-transformation scoring) and a province in the two-level
//! shape of 1 July 2025 (Hưng Yên), with one account per predefined group.
//! Seeding is idempotent: existing units and accounts are kept, and the
//! demo accounts get the printed password again.

use anyhow::{Context, anyhow};
use baocao_authz::Grant;
use baocao_domain::group::GroupCode;
use baocao_domain::types::{Code, FullName, Password, UnitKind, UnitName, Username};
use baocao_domain::unit::{NewUnit, TenantKind, Unit};
use baocao_domain::user::UserProfile;
use baocao_storage::{Actor, NewAccount, NewTenant, Store, StoreError};
use chrono::NaiveDate;

/// One demo account: username, full name, group, and the unit code it belongs to.
pub struct DemoAccount {
    pub username: &'static str,
    pub group: &'static str,
    pub unit: String,
}

fn bad(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!(e.to_string())
}

struct Seeder<'a> {
    store: &'a Store,
    password_hash: String,
    accounts: Vec<DemoAccount>,
}

impl Seeder<'_> {
    async fn tenant(
        &self, root: &Unit, tenant: &str, kind: TenantKind, name: &str, kind_label: &str, level: &str,
    ) -> anyhow::Result<Unit> {
        if let Some(unit) = self.store.unit_by_code_unscoped(tenant, tenant).await? {
            return Ok(unit);
        }
        let grant = Grant::for_operator(root.path.clone()).context("root path")?;
        let new = NewUnit {
            parent_id: root.id,
            code: Code::parse(tenant, "code").map_err(bad)?,
            name: UnitName::parse(name).map_err(bad)?,
            kind: UnitKind::parse(kind_label).map_err(bad)?,
            level: Code::parse(level, "level").map_err(bad)?,
            valid_from: day(2020, 12, 15),
        };
        let tenant = NewTenant { kind, code: Code::parse(tenant, "code").map_err(bad)? };
        Ok(self.store.create_tenant(&grant, &Actor::operator(), tenant, new, None).await?)
    }

    /// `spec` is (code, name, kind, level).
    async fn unit(
        &self, tenant: &str, parent: &Unit, spec: (&str, &str, &str, &str), from: NaiveDate,
    ) -> anyhow::Result<Unit> {
        let (code, name, kind, level) = spec;
        if let Some(unit) = self.store.unit_by_code_unscoped(tenant, code).await? {
            return Ok(unit);
        }
        let grant = Grant::for_operator(parent.path.clone()).context("parent path")?;
        let new = NewUnit {
            parent_id: parent.id,
            code: Code::parse(code, "code").map_err(bad)?,
            name: UnitName::parse(name).map_err(bad)?,
            kind: UnitKind::parse(kind).map_err(bad)?,
            level: Code::parse(level, "level").map_err(bad)?,
            valid_from: from,
        };
        Ok(self.store.create_unit(&grant, &Actor::operator(), new, None).await?)
    }

    async fn account(
        &mut self, unit: &Unit, username: &'static str, full_name: &str, group: &'static str,
    ) -> anyhow::Result<()> {
        let name = Username::parse(username).map_err(bad)?;
        match self.store.operator_set_password(&name, self.password_hash.clone()).await {
            Ok(_) => {}
            Err(StoreError::NotFound(_)) => {
                let account = NewAccount {
                    username: name.clone(),
                    password_hash: self.password_hash.clone(),
                    profile: UserProfile {
                        full_name: FullName::parse(full_name).map_err(bad)?,
                        email: None,
                        phone: None,
                        id_number: None,
                    },
                };
                self.store.operator_create_user(unit.id, account).await?;
            }
            Err(other) => return Err(other.into()),
        }
        self.store.operator_grant(&name, &GroupCode::parse(group).map_err(bad)?, unit.id).await?;
        self.accounts.push(DemoAccount { username, group, unit: unit.name.as_str().to_owned() });
        Ok(())
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Seeds the demo world; returns the demo accounts.
pub async fn seed(store: &Store, password: &Password) -> anyhow::Result<Vec<DemoAccount>> {
    let password_hash = baocao_identity::password::hash(password).map_err(bad)?;
    let mut s = Seeder { store, password_hash, accounts: Vec::new() };
    let root = store.unit_by_code_unscoped("vpcp", "vpcp").await?.context("the platform root is missing")?;
    s.account(&root, "admin", "Quản trị hệ thống Văn phòng Chính phủ", "QT_VPCP").await?;
    s.account(&root, "vpcp.tonghop", "Chuyên viên tổng hợp VPCP", "TH_VPCP").await?;

    ministry(&mut s, &root).await?;
    thai_binh(&mut s, &root).await?;
    hung_yen(&mut s, &root).await?;
    Ok(s.accounts)
}

/// A ministry: Bộ Tư pháp, with departments and a central vertical sector.
async fn ministry(s: &mut Seeder<'_>, root: &Unit) -> anyhow::Result<()> {
    let from = day(2020, 12, 15);
    let btp = s.tenant(root, "btp", TenantKind::Ministry, "Bộ Tư pháp", "Bộ", "bo").await?;
    let htqt = s.unit("btp", &btp, ("cuc-hotich", "Cục Hộ tịch, quốc tịch, chứng thực", "Cục", "cuc_vu"), from).await?;
    s.unit("btp", &btp, ("vu-plhshc", "Vụ Pháp luật hình sự - hành chính", "Vụ", "cuc_vu"), from).await?;
    let thads =
        s.unit("btp", &btp, ("tc-thads", "Cục Quản lý thi hành án dân sự", "Ngành dọc", "nganh_doc_tw"), from).await?;
    s.account(&btp, "btp.quantri", "Quản trị Bộ Tư pháp", "BO_QUANTRI").await?;
    s.account(&btp, "btp.duyet", "Lãnh đạo Bộ Tư pháp", "BO_DUYET").await?;
    s.account(&btp, "btp.gui", "Văn thư Bộ Tư pháp", "BO_GUI").await?;
    s.account(&btp, "btp.tonghop", "Chuyên viên tổng hợp Bộ Tư pháp", "BO_TONGHOP").await?;
    s.account(&htqt, "btp.cuc.quantri", "Quản trị Cục Hộ tịch", "BO_CUCVU_QUANTRI").await?;
    s.account(&htqt, "btp.cuc.nhaplieu", "Chuyên viên nhập liệu Cục Hộ tịch", "BO_CUCVU_NHAPLIEU").await?;
    s.account(&htqt, "btp.cuc.gui", "Văn thư Cục Hộ tịch", "BO_CUCVU_GUI").await?;
    s.account(&htqt, "btp.cuc.tonghop", "Chuyên viên tổng hợp Cục Hộ tịch", "BO_CUCVU_TONGHOP").await?;
    s.account(&thads, "btp.ndtw.gui", "Văn thư Cục Quản lý THADS", "BO_NDTW_GUI").await?;
    Ok(())
}

/// A province before 1 July 2025: province, departments, districts, communes, vertical sectors.
async fn thai_binh(s: &mut Seeder<'_>, root: &Unit) -> anyhow::Result<()> {
    let from = day(2020, 12, 15);
    let tb = s.tenant(root, "thaibinh", TenantKind::Province, "UBND tỉnh Thái Bình", "UBND tỉnh", "tinh").await?;
    let stp = s.unit("thaibinh", &tb, ("so-tu-phap", "Sở Tư pháp tỉnh Thái Bình", "Sở", "so"), from).await?;
    s.unit("thaibinh", &tb, ("so-tttt", "Sở Thông tin và Truyền thông tỉnh Thái Bình", "Sở", "so"), from).await?;
    let vuthu = s.unit("thaibinh", &tb, ("huyen-vu-thu", "UBND huyện Vũ Thư", "UBND huyện", "huyen"), from).await?;
    let minhquang = s.unit("thaibinh", &vuthu, ("xa-minh-quang", "UBND xã Minh Quang", "UBND xã", "xa"), from).await?;
    s.unit("thaibinh", &vuthu, ("xa-tam-quang", "UBND xã Tam Quang", "UBND xã", "xa"), from).await?;
    let tp = s.unit("thaibinh", &tb, ("tp-thai-binh", "UBND thành phố Thái Bình", "UBND huyện", "huyen"), from).await?;
    s.unit("thaibinh", &tp, ("phuong-le-hong-phong", "UBND phường Lê Hồng Phong", "UBND phường", "xa"), from).await?;
    let ctk = s
        .unit("thaibinh", &tb, ("cuc-thong-ke", "Cục Thống kê tỉnh Thái Bình", "Ngành dọc", "nganh_doc_tw"), from)
        .await?;
    let bhxh = s
        .unit("thaibinh", &tb, ("bhxh", "Bảo hiểm xã hội tỉnh Thái Bình", "Ngành dọc", "nganh_doc_tinh"), from)
        .await?;
    let cctk = s
        .unit("thaibinh", &bhxh, ("bhxh-vu-thu", "Bảo hiểm xã hội huyện Vũ Thư", "Ngành dọc", "nganh_doc_huyen"), from)
        .await?;
    for (unit, username, name, group) in [
        (&tb, "tb.quantri", "Quản trị UBND tỉnh Thái Bình", "TINH_QUANTRI"),
        (&tb, "tb.duyet", "Lãnh đạo UBND tỉnh Thái Bình", "TINH_DUYET"),
        (&tb, "tb.gui", "Văn thư UBND tỉnh Thái Bình", "TINH_GUI"),
        (&tb, "tb.tonghop", "Chuyên viên tổng hợp Văn phòng UBND tỉnh", "TINH_TONGHOP"),
        (&stp, "tb.stp.nhaplieu", "Chuyên viên Sở Tư pháp", "TINH_SO_NHAPLIEU"),
        (&stp, "tb.stp.gui", "Văn thư Sở Tư pháp", "TINH_SO_GUI"),
        (&stp, "tb.stp.tonghop", "Chuyên viên tổng hợp Sở Tư pháp", "TINH_SO_TONGHOP"),
        (&stp, "tb.stp.duyet", "Giám đốc Sở Tư pháp", "TINH_DONVI_DUYET_TT01"),
        (&vuthu, "tb.vuthu.quantri", "Quản trị UBND huyện Vũ Thư", "TINH_HUYEN_QUANTRI"),
        (&vuthu, "tb.vuthu.tonghop", "Chuyên viên tổng hợp huyện Vũ Thư", "TINH_HUYEN_TONGHOP"),
        (&vuthu, "tb.vuthu.gui", "Văn thư UBND huyện Vũ Thư", "TINH_HUYEN_GUI"),
        (&tp, "tb.tp.tonghop", "Chuyên viên tổng hợp thành phố Thái Bình", "TINH_HUYEN_TONGHOP_TT01"),
        (&minhquang, "tb.minhquang.nhaplieu", "Công chức UBND xã Minh Quang", "TINH_XA_NHAPLIEU"),
        (&minhquang, "tb.minhquang.gui", "Văn thư UBND xã Minh Quang", "TINH_XA_GUI"),
        (&minhquang, "tb.minhquang.duyet", "Chủ tịch UBND xã Minh Quang", "TINH_DONVI_DUYET_TT01"),
        (&ctk, "tb.ndtw.gui", "Văn thư Cục Thống kê tỉnh", "TINH_NDTW_GUI"),
        (&ctk, "tb.ndtw.tonghop", "Chuyên viên tổng hợp Cục Thống kê tỉnh", "TINH_NDTW_TONGHOP"),
        (&bhxh, "tb.ndtinh.quantri", "Quản trị Bảo hiểm xã hội tỉnh", "TINH_NDTINH_QUANTRI"),
        (&bhxh, "tb.ndtinh.gui", "Văn thư Bảo hiểm xã hội tỉnh", "TINH_NDTINH_GUI"),
        (&bhxh, "tb.ndtinh.tonghop", "Chuyên viên tổng hợp Bảo hiểm xã hội tỉnh", "TINH_NDTINH_TONGHOP"),
        (&cctk, "tb.ndhuyen.nhaplieu", "Chuyên viên BHXH huyện Vũ Thư", "TINH_NDHUYEN_NHAPLIEU"),
        (&cctk, "tb.ndhuyen.gui", "Văn thư BHXH huyện Vũ Thư", "TINH_NDHUYEN_GUI"),
    ] {
        s.account(unit, username, name, group).await?;
    }
    Ok(())
}

/// A province in the two-level shape in force since 1 July 2025.
async fn hung_yen(s: &mut Seeder<'_>, root: &Unit) -> anyhow::Result<()> {
    let reform = day(2025, 7, 1);
    let hy = s.tenant(root, "hungyen", TenantKind::Province, "UBND tỉnh Hưng Yên", "UBND tỉnh", "tinh").await?;
    let hy_stp = s.unit("hungyen", &hy, ("so-tu-phap", "Sở Tư pháp tỉnh Hưng Yên", "Sở", "so"), reform).await?;
    s.unit("hungyen", &hy, ("so-khcn", "Sở Khoa học và Công nghệ tỉnh Hưng Yên", "Sở", "so"), reform).await?;
    let pho_hien =
        s.unit("hungyen", &hy, ("phuong-pho-hien", "UBND phường Phố Hiến", "UBND phường", "xa"), reform).await?;
    s.unit("hungyen", &hy, ("phuong-son-nam", "UBND phường Sơn Nam", "UBND phường", "xa"), reform).await?;
    s.unit("hungyen", &hy, ("xa-tien-lu", "UBND xã Tiên Lữ", "UBND xã", "xa"), reform).await?;
    for (unit, username, name, group) in [
        (&hy, "hy.quantri", "Quản trị UBND tỉnh Hưng Yên", "TINH_QUANTRI"),
        (&hy, "hy.duyet", "Lãnh đạo UBND tỉnh Hưng Yên", "TINH_DUYET"),
        (&hy, "hy.gui", "Văn thư UBND tỉnh Hưng Yên", "TINH_GUI"),
        (&hy, "hy.tonghop", "Chuyên viên tổng hợp UBND tỉnh Hưng Yên", "TINH_TONGHOP"),
        (&hy_stp, "hy.stp.nhaplieu", "Chuyên viên Sở Tư pháp Hưng Yên", "TINH_SO_NHAPLIEU"),
        (&pho_hien, "hy.phohien.nhaplieu", "Công chức UBND phường Phố Hiến", "TINH_XA_NHAPLIEU"),
        (&pho_hien, "hy.phohien.gui", "Văn thư UBND phường Phố Hiến", "TINH_XA_GUI"),
        (&pho_hien, "hy.phohien.duyet", "Chủ tịch UBND phường Phố Hiến", "TINH_DONVI_DUYET_TT01"),
    ] {
        s.account(unit, username, name, group).await?;
    }
    Ok(())
}

/// A demo account as the use cases see it.
async fn demo_caller(app: &crate::App, username: &str) -> anyhow::Result<crate::Caller> {
    let name = Username::parse(username).map_err(bad)?;
    let record = app.store_unscoped().login_record(&name).await?;
    Ok(crate::Caller::new(record.with_context(|| format!("the demo account {username} is missing"))?.user))
}

/// Thái Bình's communes send their digital-transformation scoring straight to
/// the province, whose aggregators appraise it; the district in between has
/// no appraiser, so a report sent there could never be appraised.
async fn route_scoring_to_the_province(app: &crate::App) -> anyhow::Result<()> {
    let admin = demo_caller(app, "tb.quantri").await?;
    let unit = async |code: &str| -> anyhow::Result<baocao_domain::ids::UnitId> {
        let found = app.store_unscoped().unit_by_code_unscoped("thaibinh", code).await?;
        Ok(found.with_context(|| format!("the demo unit {code} is missing"))?.id)
    };
    let province = unit("thaibinh").await?;
    for commune in ["xa-minh-quang", "xa-tam-quang", "phuong-le-hong-phong"] {
        crate::reports::set_receiver(app, &admin, unit(commune).await?, "TB-CDS-2022", province)
            .await
            .map_err(|e| anyhow!("routing {commune}'s scoring to the province: {e}"))?;
    }
    Ok(())
}

/// Reports to try the workflow with: the Hưng Yên aggregator assigns regime
/// III's meetings form for next year, open for entry from today, to the province's wards and communes,
/// as `hy.tonghop` would from the "Giao báo cáo" page (the same checks run).
/// Idempotent, like assignment itself. Returns how many reports were new.
pub async fn assign_reports(app: &crate::App) -> anyhow::Result<usize> {
    use baocao_domain::report::{Period, PeriodKind};
    use chrono::Datelike;
    let year = chrono::Utc::now().year() + 1;
    // Hưng Yên's wards and communes: the meetings form; Thái Bình's communes: the
    // digital-transformation scoring, which the province's aggregator appraises.
    let batches = [("hy.tonghop", "TT01-III", "III.01a/VPCP/KSTT"), ("tb.tonghop", "TB-CDS-2022", "CDS_CAPXA_2022")];
    route_scoring_to_the_province(app).await?;
    let mut created = 0;
    for (aggregator, regime, form) in batches {
        let caller = demo_caller(app, aggregator).await?;
        let input = crate::reports::AssignInput {
            regime: regime.to_owned(),
            forms: vec![form.to_owned()],
            period: Period { kind: PeriodKind::Year, year, number: 1 },
            units: Vec::new(),
            level: Some("xa".to_owned()),
            under: None,
            // Next year's schedule opens entry in December; the demo is for trying it today.
            opens_on: Some(baocao_domain::format::date(app.clock.today(), baocao_domain::text::Locale::Vi)),
            closes_on: None,
        };
        let out = crate::reports::assign(app, &caller, input)
            .await
            .map_err(|e| anyhow!("assigning the demo reports of {form}: {e}"))?;
        created += out.iter().filter(|(_, created)| *created).count();
    }
    Ok(created)
}
