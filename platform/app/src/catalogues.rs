//! Named catalogues that regime plugins pick rows from (`Form.catalogue`).
//! The platform serves them, so a plugin refers to "don_vi" and never carries
//! the unit list itself:
//!
//! - `don_vi`: the units of the caller's tenant in force today;
//! - `dia_phuong`: the provinces (tenants of kind province);
//! - `linh_vuc_tthc`: the fields of administrative procedures, as on the
//!   handbook's screen of the TTHC forms (Công an, Công Thương, Giáo dục và
//!   Đào tạo …).

use std::collections::HashSet;

use baocao_domain::ids::TenantId;
use baocao_domain::unit::TenantKind;
use serde::Serialize;
use utoipa::ToSchema;

use crate::App;
use crate::Caller;
use crate::Error;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogueItem {
    pub code: String,
    pub name: String,
}

/// Fields of administrative procedures, by the sector that governs them.
const TTHC_FIELDS: &[(&str, &str)] = &[
    ("cong-an", "Công an"),
    ("cong-thuong", "Công Thương"),
    ("giao-duc-dao-tao", "Giáo dục và Đào tạo"),
    ("giao-thong-van-tai", "Giao thông vận tải"),
    ("ke-hoach-dau-tu", "Kế hoạch và Đầu tư"),
    ("khoa-hoc-cong-nghe", "Khoa học và Công nghệ"),
    ("lao-dong-xa-hoi", "Lao động - Thương binh và Xã hội"),
    ("ngoai-giao", "Ngoại giao"),
    ("noi-vu", "Nội vụ"),
    ("nong-nghiep", "Nông nghiệp và Phát triển nông thôn"),
    ("quoc-phong", "Quốc phòng"),
    ("tai-chinh", "Tài chính"),
    ("tai-nguyen-moi-truong", "Tài nguyên và Môi trường"),
    ("thong-tin-truyen-thong", "Thông tin và Truyền thông"),
    ("tu-phap", "Tư pháp"),
    ("van-hoa-the-thao-du-lich", "Văn hóa, Thể thao và Du lịch"),
    ("xay-dung", "Xây dựng"),
    ("y-te", "Y tế"),
    ("ngan-hang", "Ngân hàng"),
    ("thanh-tra", "Thanh tra"),
    ("dan-toc", "Dân tộc"),
];

pub const NAMES: &[&str] = &["don_vi", "dia_phuong", "linh_vuc_tthc"];

pub async fn items(app: &App, who: &Caller, name: &str) -> Result<Vec<CatalogueItem>, Error> {
    match name {
        "don_vi" => {
            let today = app.clock.today();
            let root = app.store.tenant_root_unscoped(who.user.tenant_id).await?;
            let units = crate::admin::visible_units(app, who).await?;
            Ok(units
                .iter()
                .filter(|u| {
                    u.unit.tenant_id == who.user.tenant_id
                        && u.unit.path.is_within(&root.path)
                        && u.unit.is_active_on(today)
                })
                .map(|u| CatalogueItem { code: u.unit.code.as_str().to_owned(), name: u.unit.name.as_str().to_owned() })
                .collect())
        }
        "dia_phuong" => Ok(app
            .store
            .tenants_of_kind_unscoped(TenantKind::Province)
            .await?
            .into_iter()
            .map(|t| CatalogueItem { code: t.code, name: t.name })
            .collect()),
        "linh_vuc_tthc" => Ok(TTHC_FIELDS
            .iter()
            .map(|(code, name)| CatalogueItem { code: (*code).to_owned(), name: (*name).to_owned() })
            .collect()),
        _ => Err(Error::NotFound("catalogue")),
    }
}

/// The codes a report of `tenant` may pick from a catalogue: every unit of the
/// tenant (not only those the caller may open), every province, every field.
pub async fn codes(app: &App, tenant: TenantId, name: &str) -> Result<HashSet<String>, Error> {
    match name {
        "don_vi" => Ok(app.store.unit_codes_of_tenant_unscoped(tenant).await?),
        "dia_phuong" => {
            Ok(app.store.tenants_of_kind_unscoped(TenantKind::Province).await?.into_iter().map(|t| t.code).collect())
        }
        "linh_vuc_tthc" => Ok(TTHC_FIELDS.iter().map(|(code, _)| (*code).to_owned()).collect()),
        _ => Err(Error::NotFound("catalogue")),
    }
}
