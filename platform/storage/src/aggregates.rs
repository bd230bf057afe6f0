//! Aggregation ("Tổng hợp báo cáo số liệu"): the reports a receiving unit's
//! report is computed from, storing the computed content with the version
//! of each source, and reading that provenance back.

use baocao_authz::perms::{CheckReports, ReadReports};
use baocao_authz::{RoleGrant, Scope};
use baocao_domain::ids::UnitId;
use baocao_domain::report::Role;
use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};

use crate::Store;
use crate::audit::Actor;
use crate::entity::{aggregate_sources, reports};
use crate::error::StoreError;
use crate::reports::{ContentWrite, NewContent, ReportRow, check_entry, to_row};

/// A report an aggregate was computed from, at the version it had then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SourceRef {
    pub source_id: i64,
    pub version: i32,
    pub unit_id: UnitId,
}

impl Store {
    /// The reports sent to the unit of `report` for the same regime, form and
    /// period, whatever their status: the accepted ones are aggregated, the
    /// others are shown as missing. Needs the aggregator's grant at that unit.
    pub async fn aggregation_candidates(&self, grant: &RoleGrant, report: &ReportRow) -> Result<Vec<ReportRow>, StoreError> {
        if grant.role() != Role::Aggregate || grant.unit() != report.unit_id {
            return Err(StoreError::Forbidden);
        }
        let rows = reports::Entity::find()
            .filter(reports::Column::ReceiverId.eq(report.unit_id.0))
            .filter(reports::Column::RegimeCode.eq(report.regime.as_str()))
            .filter(reports::Column::FormCode.eq(report.form.as_str()))
            .filter(reports::Column::PeriodType.eq(report.period.kind.as_str()))
            .filter(reports::Column::PeriodYear.eq(report.period.year))
            .filter(reports::Column::PeriodNumber.eq(report.period.number as i32))
            .filter(reports::Column::Id.ne(report.id))
            .order_by_asc(reports::Column::UnitPath)
            .all(self.db())
            .await?;
        rows.into_iter().map(to_row).collect()
    }

    /// Stores an aggregate's content and the sources it came from, in one transaction.
    pub async fn store_aggregate(
        &self,
        grant: &RoleGrant,
        actor: &Actor,
        id: i64,
        content: NewContent,
        sources: &[SourceRef],
        today: NaiveDate,
    ) -> Result<ReportRow, StoreError> {
        if grant.role() != Role::Aggregate {
            return Err(StoreError::Forbidden);
        }
        let tx = self.db().begin().await?;
        let model = reports::Entity::find_by_id(id).one(&tx).await?.ok_or(StoreError::NotFound("report"))?;
        check_entry(grant, &model, today)?;
        let comment = format!("{} đơn vị / units", sources.len());
        let saved = self.write_content(&tx, model, &content, ContentWrite { grant, actor, action: "aggregate", comment: Some(&comment) }).await?;
        aggregate_sources::Entity::delete_many().filter(aggregate_sources::Column::ReportId.eq(id)).exec(&tx).await?;
        for s in sources {
            aggregate_sources::ActiveModel {
                report_id: Set(id),
                source_id: Set(s.source_id),
                source_version: Set(s.version),
                unit_id: Set(s.unit_id.0),
                ..Default::default()
            }
            .insert(&tx)
            .await?;
        }
        tx.commit().await?;
        to_row(saved)
    }

    /// What a report the caller may read was aggregated from (empty if it never was).
    pub async fn aggregate_sources(&self, read: &Scope<ReadReports>, check: &Scope<CheckReports>, id: i64) -> Result<Vec<SourceRef>, StoreError> {
        self.report(read, check, id).await?;
        let rows = aggregate_sources::Entity::find()
            .filter(aggregate_sources::Column::ReportId.eq(id))
            .order_by_asc(aggregate_sources::Column::Id)
            .all(self.db())
            .await?;
        Ok(rows.into_iter().map(|r| SourceRef { source_id: r.source_id, version: r.source_version, unit_id: UnitId(r.unit_id) }).collect())
    }

    /// The accepted reports sent to the unit of a report the caller may read,
    /// for the same form and period, with their versions: what an aggregate
    /// made now would include.
    pub async fn accepted_sources(&self, read: &Scope<ReadReports>, check: &Scope<CheckReports>, report: &ReportRow) -> Result<Vec<(i64, i32)>, StoreError> {
        self.report(read, check, report.id).await?;
        let rows = reports::Entity::find()
            .filter(reports::Column::ReceiverId.eq(report.unit_id.0))
            .filter(reports::Column::RegimeCode.eq(report.regime.as_str()))
            .filter(reports::Column::FormCode.eq(report.form.as_str()))
            .filter(reports::Column::PeriodType.eq(report.period.kind.as_str()))
            .filter(reports::Column::PeriodYear.eq(report.period.year))
            .filter(reports::Column::PeriodNumber.eq(report.period.number as i32))
            .filter(reports::Column::Status.eq(baocao_domain::report::Status::Accepted.as_str()))
            .all(self.db())
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r.version)).collect())
    }

    /// The sources of an aggregate as full reports, for provenance; the caller
    /// may read the aggregate, and so what it was computed from.
    pub async fn source_reports(&self, sources: &[SourceRef]) -> Result<Vec<ReportRow>, StoreError> {
        let ids: Vec<i64> = sources.iter().map(|s| s.source_id).collect();
        let rows = reports::Entity::find().filter(reports::Column::Id.is_in(ids)).all(self.db()).await?;
        rows.into_iter().map(to_row).collect()
    }
}
