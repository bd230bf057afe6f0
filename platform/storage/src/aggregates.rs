//! Aggregation ("Tổng hợp báo cáo số liệu"): the reports a receiving unit's
//! report is computed from, storing the computed content with the version
//! of each source, and reading that provenance back.

use baocao_authz::perms::{CheckReports, ReadReports};
use baocao_authz::{RoleGrant, Scope};
use baocao_domain::ids::UnitId;
use baocao_domain::report::{Role, Status};
use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set};

use crate::Store;
use crate::audit::Actor;
use crate::entity::{aggregate_sources, reports};
use crate::error::StoreError;
use crate::reports::{AddedRow, ContentWrite, NewContent, ReportCell, ReportRow, check_entry, readable_id, to_row};
use baocao_domain::numbers::NumberGrid;

/// A report sent to a receiving unit, as the aggregation lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub id: i64,
    pub unit_id: UnitId,
    pub version: i32,
    pub status: Status,
}

/// What one accepted report brings to an aggregation.
#[derive(Debug, Clone)]
pub struct AggregationInput {
    pub id: i64,
    pub unit_id: UnitId,
    pub version: i32,
    pub rows_added: Vec<AddedRow>,
    pub numbers: NumberGrid,
    /// Empty unless asked for (text copied per unit).
    pub cells: Vec<ReportCell>,
}

/// id, unit, version, added rows (JSON), numbers (grid), cells (JSON).
type InputRow = (i64, i64, i32, String, Option<Vec<u8>>, String);

fn sources_of(report: &ReportRow) -> sea_orm::Select<reports::Entity> {
    reports::Entity::find()
        .filter(reports::Column::ReceiverId.eq(report.unit_id.0))
        .filter(crate::reports::matching(None, Some(&report.regime), Some(&report.form), Some(report.period)))
        .filter(reports::Column::Id.ne(report.id))
}

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
    /// Only ids, units, versions and statuses: cheap at national scale.
    pub async fn aggregation_candidates(
        &self, grant: &RoleGrant, report: &ReportRow,
    ) -> Result<Vec<Candidate>, StoreError> {
        if grant.role() != Role::Aggregate || grant.unit() != report.unit_id {
            return Err(StoreError::Forbidden);
        }
        let rows: Vec<(i64, i64, i32, String)> = sources_of(report)
            .select_only()
            .column(reports::Column::Id)
            .column(reports::Column::UnitId)
            .column(reports::Column::Version)
            .column(reports::Column::Status)
            .order_by_asc(reports::Column::UnitPath)
            .into_tuple()
            .all(self.db())
            .await?;
        rows.into_iter()
            .map(|(id, unit, version, status)| {
                let status =
                    Status::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("report {id} status")))?;
                Ok(Candidate { id, unit_id: UnitId(unit), version, status })
            })
            .collect()
    }

    /// What the accepted candidates contribute: their numbers as compact grids,
    /// their added rows, and (only when the form has text to copy per unit)
    /// their cells. One query; no JSON parsed for the numbers.
    pub async fn aggregation_inputs(
        &self, grant: &RoleGrant, report: &ReportRow, with_cells: bool,
    ) -> Result<Vec<AggregationInput>, StoreError> {
        if grant.role() != Role::Aggregate || grant.unit() != report.unit_id {
            return Err(StoreError::Forbidden);
        }
        let mut query = sources_of(report)
            .filter(reports::Column::Status.eq(Status::Accepted.as_str()))
            .select_only()
            .column(reports::Column::Id)
            .column(reports::Column::UnitId)
            .column(reports::Column::Version)
            .column(reports::Column::RowsAdded)
            .column(reports::Column::Numbers);
        if with_cells {
            query = query.column(reports::Column::Cells);
        } else {
            query = query.column_as(sea_orm::sea_query::Expr::val("[]"), "cells");
        }
        let rows: Vec<InputRow> = query.order_by_asc(reports::Column::UnitPath).into_tuple().all(self.db()).await?;
        // Reports saved before the grid existed get it from their cells (rare: one query for all of them).
        let lacking: Vec<i64> = rows.iter().filter(|r| r.4.is_none()).map(|r| r.0).collect();
        let mut grids: std::collections::HashMap<i64, NumberGrid> = std::collections::HashMap::new();
        if !lacking.is_empty() {
            let cells: Vec<(i64, String)> = reports::Entity::find()
                .filter(reports::Column::Id.is_in(lacking))
                .select_only()
                .column(reports::Column::Id)
                .column(reports::Column::Cells)
                .into_tuple()
                .all(self.db())
                .await?;
            for (id, text) in cells {
                let decoded = crate::cells::decode_cells(&text)
                    .map_err(|_| StoreError::Corrupt(format!("report {id}: cells")))?;
                grids.insert(id, NumberGrid::from_cells(&decoded));
            }
        }
        rows.into_iter()
            .map(|(id, unit, version, rows_added, numbers, cells)| {
                let corrupt = |what: &str| StoreError::Corrupt(format!("report {id}: {what}"));
                Ok(AggregationInput {
                    id,
                    unit_id: UnitId(unit),
                    version,
                    rows_added: serde_json::from_str(&rows_added).map_err(|_| corrupt("rows"))?,
                    numbers: match numbers {
                        Some(bytes) => NumberGrid::decode(&bytes).ok_or_else(|| corrupt("numbers"))?,
                        None => grids.remove(&id).unwrap_or_default(),
                    },
                    cells: crate::cells::decode_cells(&cells).map_err(|_| corrupt("cells"))?,
                })
            })
            .collect()
    }

    /// Stores an aggregate's content and the sources it came from, in one transaction.
    pub async fn store_aggregate(
        &self, grant: &RoleGrant, actor: &Actor, id: i64, content: NewContent, sources: &[SourceRef], today: NaiveDate,
    ) -> Result<ReportRow, StoreError> {
        if grant.role() != Role::Aggregate {
            return Err(StoreError::Forbidden);
        }
        let tx = self.begin_write().await?;
        let model = reports::Entity::find_by_id(id).one(&tx).await?.ok_or(StoreError::NotFound("report"))?;
        check_entry(grant, &model, today)?;
        let comment = format!("{} đơn vị / units", sources.len());
        let saved = self
            .write_content(
                &tx,
                model,
                &content,
                ContentWrite { grant, actor, action: "aggregate", comment: Some(&comment) },
            )
            .await?;
        aggregate_sources::Entity::delete_many().filter(aggregate_sources::Column::ReportId.eq(id)).exec(&tx).await?;
        // In batches: an aggregate may have thousands of sources.
        for chunk in sources.chunks(1000) {
            let rows = chunk.iter().map(|s| aggregate_sources::ActiveModel {
                report_id: Set(id),
                source_id: Set(s.source_id),
                source_version: Set(s.version),
                unit_id: Set(s.unit_id.0),
                ..Default::default()
            });
            aggregate_sources::Entity::insert_many(rows).exec(&tx).await?;
        }
        snapshot_sources(&tx, id).await?;
        tx.commit().await?;
        to_row(saved)
    }

    /// The cells each source had when it was aggregated into a report the
    /// caller may read, by source report id (absent where not kept).
    pub async fn aggregated_cells(
        &self, read: &Scope<ReadReports>, check: &Scope<CheckReports>, id: i64,
    ) -> Result<HashMap<i64, Vec<ReportCell>>, StoreError> {
        self.readable(read, check, id).await?;
        let rows: Vec<(i64, Option<String>)> = aggregate_sources::Entity::find()
            .filter(aggregate_sources::Column::ReportId.eq(id))
            .select_only()
            .column(aggregate_sources::Column::SourceId)
            .column(aggregate_sources::Column::Cells)
            .into_tuple()
            .all(self.db())
            .await?;
        let mut out = HashMap::new();
        for (source, cells) in rows {
            let Some(cells) = cells else { continue };
            let decoded = crate::cells::decode_cells(&cells)
                .map_err(|_| StoreError::Corrupt(format!("aggregate {id}: cells of source {source}")))?;
            out.insert(source, decoded);
        }
        Ok(out)
    }

    /// What a report the caller may read was aggregated from: empty if it
    /// never was, or if the caller may not read it. One query: every read
    /// of a report asks this.
    pub async fn aggregate_sources(
        &self, read: &Scope<ReadReports>, check: &Scope<CheckReports>, id: i64,
    ) -> Result<Vec<SourceRef>, StoreError> {
        let rows = aggregate_sources::Entity::find()
            .filter(aggregate_sources::Column::ReportId.in_subquery(readable_id(read, check, id).into_query()))
            .order_by_asc(aggregate_sources::Column::Id)
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| SourceRef { source_id: r.source_id, version: r.source_version, unit_id: UnitId(r.unit_id) })
            .collect())
    }

    /// The accepted reports sent to the unit of a report the caller may read,
    /// for the same form and period, with their versions: what an aggregate
    /// made now would include.
    pub async fn accepted_sources(
        &self, read: &Scope<ReadReports>, check: &Scope<CheckReports>, report: &ReportRow,
    ) -> Result<Vec<(i64, i32)>, StoreError> {
        self.readable(read, check, report.id).await?;
        let rows: Vec<(i64, i32)> = sources_of(report)
            .filter(reports::Column::Status.eq(Status::Accepted.as_str()))
            .select_only()
            .column(reports::Column::Id)
            .column(reports::Column::Version)
            .into_tuple()
            .all(self.db())
            .await?;
        Ok(rows)
    }

    /// The sources of an aggregate as full reports, for provenance; the caller
    /// may read the aggregate, and so what it was computed from.
    pub async fn source_reports_unscoped(&self, sources: &[SourceRef]) -> Result<Vec<ReportRow>, StoreError> {
        let ids: Vec<i64> = sources.iter().map(|s| s.source_id).collect();
        let rows = reports::Entity::find().filter(reports::Column::Id.is_in(ids)).all(self.db()).await?;
        rows.into_iter().map(to_row).collect()
    }
}

/// Keeps each source's cells beside its row, copied inside the database in
/// the aggregation's transaction (never decoded here: an aggregate may have
/// thousands of sources); a source that changed since it was read keeps none.
async fn snapshot_sources(tx: &sea_orm::DatabaseTransaction, id: i64) -> Result<(), StoreError> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let backend = tx.get_database_backend();
    let placeholder = if backend == DbBackend::Postgres { "$1" } else { "?" };
    let sql = format!(
        "UPDATE aggregate_sources SET cells = (SELECT r.cells FROM reports r \
         WHERE r.id = aggregate_sources.source_id AND r.version = aggregate_sources.source_version) \
         WHERE report_id = {placeholder}"
    );
    tx.execute_raw(Statement::from_sql_and_values(backend, sql, [id.into()])).await?;
    Ok(())
}
