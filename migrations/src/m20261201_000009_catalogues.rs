//! Shared catalogues as data: each published version of a maintained
//! catalogue is one row (its items as JSON), so earlier versions stay
//! readable. The fields of administrative procedures, which the first
//! Regime II plugin carried as constants in the platform, become version 1
//! of `linh_vuc_tthc`, as on the handbook's screen of the TTHC forms.

use baocao_domain::catalogue::CatalogueItem;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CatalogueVersions {
    Table,
    Id,
    Name,
    Version,
    Title,
    Items,
    Note,
    PublishedBy,
    PublishedByName,
    PublishedAt,
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

fn table() -> TableCreateStatement {
    let column = |c: CatalogueVersions| ColumnDef::new(c).string().not_null().to_owned();
    Table::create()
        .table(CatalogueVersions::Table)
        .col(ColumnDef::new(CatalogueVersions::Id).big_integer().not_null().auto_increment().primary_key())
        .col(column(CatalogueVersions::Name))
        .col(ColumnDef::new(CatalogueVersions::Version).integer().not_null())
        .col(column(CatalogueVersions::Title))
        .col(ColumnDef::new(CatalogueVersions::Items).text().not_null())
        .col(ColumnDef::new(CatalogueVersions::Note).text().null())
        .col(ColumnDef::new(CatalogueVersions::PublishedBy).big_integer().null())
        .col(column(CatalogueVersions::PublishedByName))
        .col(ColumnDef::new(CatalogueVersions::PublishedAt).timestamp_with_time_zone().not_null())
        .to_owned()
}

fn seed() -> Result<InsertStatement, DbErr> {
    let items: Vec<CatalogueItem> = TTHC_FIELDS
        .iter()
        .map(|(code, name)| CatalogueItem { code: (*code).to_owned(), name: (*name).to_owned() })
        .collect();
    let items = serde_json::to_string(&items).map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok(Query::insert()
        .into_table(CatalogueVersions::Table)
        .columns([
            CatalogueVersions::Name,
            CatalogueVersions::Version,
            CatalogueVersions::Title,
            CatalogueVersions::Items,
            CatalogueVersions::PublishedByName,
            CatalogueVersions::PublishedAt,
        ])
        .values_panic([
            "linh_vuc_tthc".into(),
            1.into(),
            "Lĩnh vực thủ tục hành chính".into(),
            items.into(),
            "(khởi tạo hệ thống)".into(),
            Expr::current_timestamp(),
        ])
        .to_owned())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(table()).await?;
        let index = Index::create()
            .name("ux_catalogue_versions_name_version")
            .table(CatalogueVersions::Table)
            .col(CatalogueVersions::Name)
            .col(CatalogueVersions::Version)
            .unique()
            .to_owned();
        manager.create_index(index).await?;
        manager.exec_stmt(seed()?).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CatalogueVersions::Table).to_owned()).await
    }
}
