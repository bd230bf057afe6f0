//! Who reported on time (Circular 01/2020 Art. 17.2.đ): per report, its
//! deadline, when it was sent, and whether it was ever rejected or corrected.
//! The web layer counts; storage reads only what the caller may see, or, for
//! the public page, only counts per tenant.

use baocao_authz::Scope;
use baocao_authz::perms::ReadReports;
use baocao_domain::ids::{TenantId, UnitId};
use baocao_domain::report::{Period, Status};
use baocao_domain::unit::UnitPath;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Condition, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::Store;
use crate::audit::path_condition;
use crate::entity::{report_history, reports};
use crate::error::StoreError;
pub use baocao_domain::compliance::ComplianceRow;

#[derive(Debug, Clone, Default)]
pub struct ComplianceQuery {
    pub regime: Option<String>,
    pub form: Option<String>,
    pub period: Option<Period>,
    /// A unit's subtree.
    pub unit: Option<UnitPath>,
}

type Row = (i64, i64, i64, String, String, String, String, NaiveDate, Option<DateTime<Utc>>);

impl Store {
    /// The reports of the caller's read scope that match, with their history marks.
    pub async fn compliance_rows(
        &self, read: &Scope<ReadReports>, q: &ComplianceQuery,
    ) -> Result<Vec<ComplianceRow>, StoreError> {
        self.compliance(Some(read), None, q).await
    }

    /// Every report sent (or due) to the platform root, for the public page:
    /// the caller turns them into counts per tenant and shows nothing else.
    pub async fn public_compliance_rows(
        &self, root: UnitId, q: &ComplianceQuery,
    ) -> Result<Vec<ComplianceRow>, StoreError> {
        self.compliance(None, Some(root), q).await
    }

    async fn compliance(
        &self, read: Option<&Scope<ReadReports>>, receiver: Option<UnitId>, q: &ComplianceQuery,
    ) -> Result<Vec<ComplianceRow>, StoreError> {
        let mut query = reports::Entity::find();
        if let Some(receiver) = receiver {
            // Reports sent to a unit, not its own (the root is its own receiver).
            query =
                query.filter(reports::Column::ReceiverId.eq(receiver.0)).filter(reports::Column::UnitId.ne(receiver.0));
        }
        if let Some(read) = read {
            query = query.filter(path_condition(reports::Column::UnitPath, read));
        }
        query =
            query.filter(crate::reports::matching(q.unit.as_ref(), q.regime.as_deref(), q.form.as_deref(), q.period));
        let rows: Vec<Row> = query
            .select_only()
            .column(reports::Column::Id)
            .column(reports::Column::TenantId)
            .column(reports::Column::UnitId)
            .column(reports::Column::UnitPath)
            .column(reports::Column::RegimeCode)
            .column(reports::Column::FormCode)
            .column(reports::Column::Status)
            .column(reports::Column::ClosesOn)
            .column(reports::Column::SentAt)
            .order_by_asc(reports::Column::UnitPath)
            .order_by_asc(reports::Column::FormCode)
            .into_tuple()
            .all(self.db())
            .await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let mut marks: std::collections::HashMap<i64, (bool, bool)> = std::collections::HashMap::new();
        for chunk in ids.chunks(1000) {
            let events: Vec<(i64, String)> = report_history::Entity::find()
                .filter(report_history::Column::ReportId.is_in(chunk.to_vec()))
                // Rejected by the receiver (from "sent"), not a leader's or a
                // clerk's internal return of the unit's own draft.
                .filter(
                    Condition::any()
                        .add(
                            report_history::Column::Action
                                .eq("reject")
                                .and(report_history::Column::FromStatus.eq(Status::Sent.as_str())),
                        )
                        .add(report_history::Column::Action.eq("request_correction")),
                )
                .select_only()
                .column(report_history::Column::ReportId)
                .column(report_history::Column::Action)
                .into_tuple()
                .all(self.db())
                .await?;
            for (id, action) in events {
                let mark = marks.entry(id).or_default();
                if action == "reject" {
                    mark.0 = true;
                } else {
                    mark.1 = true;
                }
            }
        }
        rows.into_iter()
            .map(|(id, tenant, unit, path, regime, form, status, closes_on, sent_at)| {
                let (rejected, corrected) = marks.get(&id).copied().unwrap_or_default();
                Ok(ComplianceRow {
                    report_id: id,
                    tenant: TenantId(tenant),
                    unit_id: UnitId(unit),
                    unit_path: UnitPath::try_from(path)?,
                    regime,
                    form,
                    status: Status::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("report {id} status")))?,
                    closes_on,
                    sent_at,
                    rejected,
                    corrected,
                })
            })
            .collect()
    }
}
