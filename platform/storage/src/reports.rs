//! Reports: assignment, content, workflow transitions, history, receiving-unit
//! configuration. A read takes the caller's report scopes; a write takes the
//! [`RoleGrant`] of the role the step needs, at the unit the step happens at.
//! Every write runs in one transaction with its history row and notifications;
//! content writes and transitions compare-and-set the version, so a second
//! writer working from an old copy gets a conflict instead of overwriting.

use std::sync::Arc;

use baocao_authz::perms::{AssignReports, CheckReports, ConfigureReceivers, ReadReports};
use baocao_authz::{Grant, RoleGrant, Scope};
use baocao_domain::ids::{TenantId, UnitId, UserId};
use baocao_domain::report::{Action, EntryWindow, Period, PeriodKind, ReportKind, Role, Status, Step};
use baocao_domain::unit::UnitPath;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Condition, Expr, Func, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, Iterable, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Set,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audit::{Actor, path_condition};
use crate::cells::{StoredCells, decode_cells, encode_cells};
use crate::entity::{receivers, report_history, report_sections, reports, units};
use crate::error::{StoreError, conflict, refused};
use crate::notifications::{NotificationDraft, insert_notifications};
use crate::opening::PageQuery;
use crate::{Page, Store};

pub use baocao_domain::content::{AddedRow, NewContent, ReportCell, ReportRow, Stale};

/// One report to create at assignment.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub tenant: TenantId,
    pub unit_id: UnitId,
    pub unit_path: UnitPath,
    pub receiver_id: UnitId,
    pub receiver_path: UnitPath,
    pub regime: String,
    pub regime_version: u32,
    pub form: String,
    pub kind: ReportKind,
    pub period: Period,
    pub data_from: NaiveDate,
    pub data_to: NaiveDate,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    /// Told when the report is created (not when it already existed).
    pub notify: NotificationDraft,
}

/// Filters of the entry list and of search.
#[derive(Debug, Clone, Default)]
pub struct ReportQuery {
    /// Reports of this unit's subtree.
    pub unit: Option<UnitPath>,
    pub regime: Option<String>,
    pub form: Option<String>,
    pub kind: Option<ReportKind>,
    pub period: Option<Period>,
    pub status: Option<Status>,
    /// Words to find in the form's code or title or the unit's name.
    pub keyword: Option<Keyword>,
    /// Only reports sent to units of the caller's check scope (the "reports sent to us" list).
    pub received_only: bool,
    pub page: u64,
    pub per_page: u64,
}

/// The reports waiting in one queue of work ([`baocao_domain::queue::Queue`]).
#[derive(Debug, Clone)]
pub struct QueueQuery {
    pub statuses: &'static [Status],
    /// Waiting at the receiving unit (else at the reporting unit).
    pub at_receiver: bool,
    /// Reports whose deadline is before this day are overdue.
    pub today: NaiveDate,
    pub page: u64,
    pub per_page: u64,
}

/// A search of the report list: the words as typed and folded
/// ([`baocao_domain::search::fold`]), and the forms whose code or title hold
/// them (the titles live in the regimes, not in the database).
#[derive(Debug, Clone, Default)]
pub struct Keyword {
    pub folded: String,
    /// (regime code, form code).
    pub forms: Vec<(String, String)>,
}

/// A row of the report's history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_unit: Option<UnitId>,
    pub action: String,
    pub from: String,
    pub to: String,
    pub comment: Option<String>,
    pub version: i32,
    pub content_sha256: String,
}

/// One section of a narrative report to store.
#[derive(Debug, Clone, Copy)]
pub struct SectionEdit<'a> {
    pub expected_version: i32,
    pub section: &'a str,
    /// Already sanitised.
    pub html: &'a str,
}

/// One workflow step to apply, with its comment and (for approval) the official to forward to.
#[derive(Debug, Clone, Copy)]
pub struct Move<'a> {
    pub step: Step,
    pub comment: Option<&'a str>,
    pub forward_to: Option<UserId>,
    /// The report's PDF after this step (frozen at approval, signed at
    /// sending), written in the same transaction.
    pub document: Option<&'a crate::DocumentWrite>,
    /// A pending token signature this step completes, removed with it.
    pub completes: Option<&'a str>,
}

/// The hash recorded in the history: the cells and added rows, canonically ordered.
pub fn content_hash(cells: &[ReportCell], rows_added: &[AddedRow], sections: &[(String, String)]) -> String {
    let mut sorted: Vec<&ReportCell> = cells.iter().filter(|c| !c.value.is_null()).collect();
    sorted.sort_by(|a, b| (&a.row, &a.col).cmp(&(&b.row, &b.col)));
    let mut hasher = Sha256::new();
    for c in sorted {
        hasher.update(c.row.as_bytes());
        hasher.update([0]);
        hasher.update(c.col.as_bytes());
        hasher.update([0]);
        hasher.update(c.value.to_string().as_bytes());
        hasher.update([1]);
    }
    for r in rows_added {
        hasher.update(r.code.as_bytes());
        hasher.update([0]);
        hasher.update(r.title.as_bytes());
        hasher.update([2]);
    }
    for (code, html) in sections {
        hasher.update(code.as_bytes());
        hasher.update([0]);
        hasher.update(html.as_bytes());
        hasher.update([3]);
    }
    hex::encode(hasher.finalize())
}

pub(crate) fn to_row(m: reports::Model) -> Result<ReportRow, StoreError> {
    let cells = decode_cells(&m.cells).map_err(|_| StoreError::Corrupt(format!("report {}: cells", m.id)))?;
    to_row_with(m, cells)
}

/// The row and its cells as stored, left for the answer to pass on (the
/// row's `cells` are empty).
fn to_row_stored(mut m: reports::Model) -> Result<(ReportRow, StoredCells), StoreError> {
    let cells = StoredCells::new(m.id, std::mem::take(&mut m.cells));
    Ok((to_row_with(m, Vec::new())?, cells))
}

fn to_row_with(m: reports::Model, cells: Vec<ReportCell>) -> Result<ReportRow, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("report {}: {what}", m.id));
    let kind = PeriodKind::parse(&m.period_type).ok_or_else(|| corrupt("period type"))?;
    let period =
        Period::new(kind, m.period_year, u32::try_from(m.period_number).unwrap_or(0)).map_err(|_| corrupt("period"))?;
    Ok(ReportRow {
        id: m.id,
        tenant: TenantId(m.tenant_id),
        unit_id: UnitId(m.unit_id),
        unit_path: UnitPath::try_from(m.unit_path.clone())?,
        receiver_id: UnitId(m.receiver_id),
        receiver_path: UnitPath::try_from(m.receiver_path.clone())?,
        regime_version: u32::try_from(m.regime_version).map_err(|_| corrupt("regime version"))?,
        kind: ReportKind::parse(&m.kind).ok_or_else(|| corrupt("kind"))?,
        status: Status::parse(&m.status).ok_or_else(|| corrupt("status"))?,
        cells,
        rows_added: serde_json::from_str(&m.rows_added).map_err(|_| corrupt("rows"))?,
        period,
        regime: m.regime_code,
        form: m.form_code,
        data_from: m.data_from,
        data_to: m.data_to,
        opens_on: m.opens_on,
        closes_on: m.closes_on,
        reopened: m.reopened,
        version: m.version,
        content_sha256: m.content_sha256,
        forward_to: m.forward_to.map(UserId),
        last_comment: m.last_comment,
        assigned_at: m.assigned_at,
        updated_at: m.updated_at,
        sent_at: m.sent_at,
    })
}

/// The row of a newly assigned report: nothing entered yet.
fn new_model(item: &NewReport, assigned_by: Option<UserId>, now: DateTime<Utc>) -> reports::ActiveModel {
    reports::ActiveModel {
        tenant_id: Set(item.tenant.0),
        unit_id: Set(item.unit_id.0),
        unit_path: Set(item.unit_path.as_str().to_owned()),
        receiver_id: Set(item.receiver_id.0),
        receiver_path: Set(item.receiver_path.as_str().to_owned()),
        regime_code: Set(item.regime.clone()),
        regime_version: Set(item.regime_version as i32),
        form_code: Set(item.form.clone()),
        kind: Set(item.kind.as_str().to_owned()),
        period_type: Set(item.period.kind.as_str().to_owned()),
        period_year: Set(item.period.year),
        period_number: Set(item.period.number as i32),
        data_from: Set(item.data_from),
        data_to: Set(item.data_to),
        opens_on: Set(item.opens_on),
        closes_on: Set(item.closes_on),
        reopened: Set(false),
        status: Set(Status::New.as_str().to_owned()),
        version: Set(1),
        cells: Set("[]".to_owned()),
        rows_added: Set("[]".to_owned()),
        content_sha256: Set(content_hash(&[], &[], &[])),
        forward_to: Set(None),
        last_comment: Set(None),
        assigned_by: Set(assigned_by.map(|u| u.0)),
        assigned_at: Set(now),
        updated_at: Set(now),
        sent_at: Set(None),
        numbers: Set(None),
        ..Default::default()
    }
}

pub(crate) fn json(v: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Reports of one period.
pub(crate) fn of_period(period: Period) -> Condition {
    Condition::all()
        .add(reports::Column::PeriodType.eq(period.kind.as_str()))
        .add(reports::Column::PeriodYear.eq(period.year))
        .add(reports::Column::PeriodNumber.eq(period.number as i32))
}

/// The filters the entry list and the compliance figures share: a unit's
/// subtree, a regime, a form, a period; each only when given.
pub(crate) fn matching(
    unit: Option<&UnitPath>, regime: Option<&str>, form: Option<&str>, period: Option<Period>,
) -> Condition {
    let mut all = Condition::all();
    if let Some(unit) = unit {
        all = all.add(reports::Column::UnitPath.like(unit.subtree_pattern()));
    }
    if let Some(regime) = regime {
        all = all.add(reports::Column::RegimeCode.eq(regime));
    }
    if let Some(form) = form {
        all = all.add(reports::Column::FormCode.eq(form));
    }
    if let Some(period) = period {
        all = all.add(of_period(period));
    }
    all
}

/// Reports in a queue's statuses at (or sent to) the units where the scope's
/// holder has the role itself.
fn in_queue<P>(scope: &Scope<P>, q: &QueueQuery) -> Condition {
    let units: Vec<i64> = scope.own_units().into_iter().map(|u| u.0).collect();
    let column = if q.at_receiver { reports::Column::ReceiverId } else { reports::Column::UnitId };
    Condition::all().add(column.is_in(units)).add(reports::Column::Status.is_in(q.statuses.iter().map(|s| s.as_str())))
}

/// Reports of a unit whose folded name holds the words, or of a form whose
/// code or title does.
fn searching(keyword: &Keyword) -> Condition {
    // Scoped here: its blanket methods (`max`, `not`) shadow std's elsewhere.
    use sea_orm::sea_query::ExprTrait;
    let Some(pattern) = baocao_domain::search::like_pattern(&keyword.folded) else {
        // Only wildcards typed: they are text, and no name holds them alone.
        return Condition::all().add(reports::Column::Id.lt(0));
    };
    let named = Query::select()
        .column(units::Column::Id)
        .from(units::Entity)
        .and_where(units::Column::SearchName.like(pattern.as_str()))
        .to_owned();
    let code = Expr::expr(Func::lower(Expr::col(reports::Column::FormCode))).like(pattern.as_str());
    let mut any = Condition::any().add(reports::Column::UnitId.in_subquery(named)).add(code);
    for (regime, form) in &keyword.forms {
        any = any.add(reports::Column::RegimeCode.eq(regime.as_str()).and(reports::Column::FormCode.eq(form.as_str())));
    }
    any
}

/// What the caller may read: reports of units in its read scope, and reports
/// sent to units in its check scope.
fn visible(read: &Scope<ReadReports>, check: &Scope<CheckReports>) -> Condition {
    Condition::any()
        .add(path_condition(reports::Column::UnitPath, read))
        .add(path_condition(reports::Column::ReceiverPath, check))
}

/// [`visible`] of a row already read: the caller may read reports of its
/// unit, or check the ones sent to it. The same test as the query's `LIKE`s
/// (a path is digits and slashes, so `LIKE` and a prefix agree).
fn visible_row(read: &Scope<ReadReports>, check: &Scope<CheckReports>, report: &reports::Model) -> bool {
    let path = |stored: &str| UnitPath::try_from(stored.to_owned()).ok();
    path(&report.unit_path).is_some_and(|p| read.covers(&p))
        || path(&report.receiver_path).is_some_and(|p| check.covers(&p))
}

/// A report row with a number the same query computed beside it (the column
/// `NUMBER_BESIDE`): a list's total, or how many sources a report was aggregated from.
#[derive(Clone)]
pub(crate) struct NumberBeside {
    pub report: reports::Model,
    pub number: i64,
}

pub(crate) const NUMBER_BESIDE: &str = "number_beside";

impl sea_orm::FromQueryResult for NumberBeside {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(NumberBeside {
            report: reports::Model::from_query_result(res, pre)?,
            number: res.try_get(pre, NUMBER_BESIDE)?,
        })
    }
}

/// The id of a report if the caller may read it (as a query, for a subquery or `readable`).
pub(crate) fn readable_id(read: &Scope<ReadReports>, check: &Scope<CheckReports>, id: i64) -> Select<reports::Entity> {
    reports::Entity::find_by_id(id).filter(visible(read, check)).select_only().column(reports::Column::Id)
}

pub(crate) struct HistoryRow<'a> {
    pub report: &'a reports::Model,
    pub actor: &'a Actor,
    pub actor_unit: Option<UnitId>,
    pub action: &'a str,
    pub from: Status,
    pub to: Status,
    pub comment: Option<&'a str>,
}

pub(crate) async fn record_history(db: &impl ConnectionTrait, h: HistoryRow<'_>) -> Result<(), StoreError> {
    report_history::ActiveModel {
        report_id: Set(h.report.id),
        at: Set(Utc::now()),
        actor_id: Set(h.actor.id.map(|u| u.0)),
        actor_name: Set(h.actor.username.clone()),
        actor_unit_id: Set(h.actor_unit.map(|u| u.0)),
        action: Set(h.action.to_owned()),
        from_status: Set(h.from.as_str().to_owned()),
        to_status: Set(h.to.as_str().to_owned()),
        comment: Set(h.comment.map(str::to_owned)),
        version: Set(h.report.version),
        content_sha256: Set(h.report.content_sha256.clone()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

fn not_now(status: Status, action: &str) -> StoreError {
    let (vi, en) = (status.label().vi, status.label().en);
    conflict(
        "status",
        "transition_not_allowed",
        format!("Báo cáo đang ở trạng thái \"{vi}\"; không thể thực hiện thao tác này ({action})."),
        format!("The report is \"{en}\"; this action ({action}) is not possible now."),
    )
}

impl Store {
    /// Creates one report per (form, unit, period) that does not exist yet, in
    /// one transaction. Returns every report asked for, with whether it was
    /// created now; assigning twice creates nothing twice.
    pub async fn assign_reports(
        &self, grant: &Grant<AssignReports>, actor: &Actor, items: Vec<NewReport>,
    ) -> Result<Vec<(ReportRow, bool)>, StoreError> {
        for item in &items {
            // Lower units only; the one exception is the platform root's own report (its own receiver).
            let own_top_report = item.unit_path == *grant.target_path()
                && item.receiver_id == item.unit_id
                && item.unit_path.depth() == 1;
            if !item.unit_path.is_within(grant.target_path())
                || (item.unit_path == *grant.target_path() && !own_top_report)
            {
                return Err(refused(
                    "units",
                    "not_below",
                    "Chỉ giao báo cáo cho đơn vị cấp dưới.",
                    "Reports are assigned to lower units only.",
                ));
            }
        }
        let tx = self.begin_write().await?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let existing = reports::Entity::find()
                .filter(reports::Column::UnitId.eq(item.unit_id.0))
                .filter(reports::Column::RegimeCode.eq(item.regime.as_str()))
                .filter(reports::Column::FormCode.eq(item.form.as_str()))
                .filter(of_period(item.period))
                .one(&tx)
                .await?;
            if let Some(existing) = existing {
                out.push((to_row(existing)?, false));
                continue;
            }
            let model = new_model(&item, actor.id, Utc::now()).insert(&tx).await?;
            let history = HistoryRow {
                report: &model,
                actor,
                actor_unit: Some(grant.target()),
                action: "assign",
                from: Status::New,
                to: Status::New,
                comment: None,
            };
            record_history(&tx, history).await?;
            insert_notifications(&tx, Some(model.id), &item.notify).await?;
            out.push((to_row(model)?, true));
        }
        tx.commit().await?;
        Ok(out)
    }

    /// A report, for the check that precedes a write (the caller then needs a
    /// [`RoleGrant`] at its unit or receiver). Never shown as such.
    pub async fn report_unscoped(&self, id: i64) -> Result<ReportRow, StoreError> {
        let model = reports::Entity::find_by_id(id).one(self.db()).await?.ok_or(StoreError::NotFound("report"))?;
        to_row(model)
    }

    /// A report the caller may read; another unit's report is "not found".
    pub async fn report(
        &self, read: &Scope<ReadReports>, check: &Scope<CheckReports>, id: i64,
    ) -> Result<ReportRow, StoreError> {
        to_row(self.opened(read, check, id).await?.0)
    }

    /// A report the caller may read and how many reports it was aggregated
    /// from (0: it is no aggregate): what opening a report needs.
    pub async fn report_and_sources(
        &self, read: &Scope<ReadReports>, check: &Scope<CheckReports>, id: i64,
    ) -> Result<(ReportRow, u64), StoreError> {
        let (report, sources) = self.opened(read, check, id).await?;
        Ok((to_row(report)?, sources))
    }

    /// [`Store::report_and_sources`] for an answer that only shows the
    /// cells: they are left as stored, and the row's `cells` are empty.
    pub async fn report_as_stored(
        &self, read: &Scope<ReadReports>, check: &Scope<CheckReports>, id: i64,
    ) -> Result<(ReportRow, StoredCells, u64), StoreError> {
        let (report, sources) = self.opened(read, check, id).await?;
        let (row, cells) = to_row_stored(report)?;
        Ok((row, cells, sources))
    }

    /// Every read of one report: opened together with the reports others
    /// open at the same time ([`crate::together`]); whether this caller may
    /// see it is asked here, of the row.
    async fn opened(
        &self, read: &Scope<ReadReports>, check: &Scope<CheckReports>, id: i64,
    ) -> Result<(reports::Model, u64), StoreError> {
        let opened = self.readings.opens.ask(self.db(), id).await?;
        let opened = opened.filter(|o| visible_row(read, check, &o.report)).ok_or(StoreError::NotFound("report"))?;
        // Several readers of one report share its row; the last takes it.
        let NumberBeside { report, number: sources } = Arc::unwrap_or_clone(opened);
        Ok((report, u64::try_from(sources).unwrap_or(0)))
    }

    /// Fails with `NotFound` unless the caller may read the report: reads
    /// its id alone, for the readers of what hangs off a report (history,
    /// sections, sources, attachments), which need no row of it.
    pub(crate) async fn readable(
        &self, read: &Scope<ReadReports>, check: &Scope<CheckReports>, id: i64,
    ) -> Result<(), StoreError> {
        let found: Option<i64> = readable_id(read, check, id).into_tuple().one(self.db()).await?;
        found.map(|_| ()).ok_or(StoreError::NotFound("report"))
    }

    /// Reports the caller may read, newest period first, filtered and paged.
    /// The cells are left out of list rows.
    pub async fn reports(
        &self, read: &Scope<ReadReports>, check: &Scope<CheckReports>, q: &ReportQuery,
    ) -> Result<Page<ReportRow>, StoreError> {
        let mut query = reports::Entity::find();
        query = if q.received_only {
            query.filter(path_condition(reports::Column::ReceiverPath, check))
        } else {
            query.filter(visible(read, check))
        };
        query = query.filter(matching(q.unit.as_ref(), q.regime.as_deref(), q.form.as_deref(), q.period));
        if let Some(kind) = q.kind {
            query = query.filter(reports::Column::Kind.eq(kind.as_str()));
        }
        if let Some(status) = q.status {
            query = query.filter(reports::Column::Status.eq(status.as_str()));
        }
        if let Some(keyword) = &q.keyword {
            query = query.filter(searching(keyword));
        }
        let newest = [
            (reports::Column::PeriodYear, Order::Desc),
            (reports::Column::PeriodNumber, Order::Desc),
            (reports::Column::Id, Order::Desc),
        ];
        self.list_page(query, &newest, q.page, q.per_page).await
    }

    /// One page of a report list in `order`, without the cells (lists never show them).
    async fn list_page(
        &self, query: Select<reports::Entity>, order: &[(reports::Column, Order)], page: u64, per_page: u64,
    ) -> Result<Page<ReportRow>, StoreError> {
        let per_page = per_page.clamp(1, 200);
        let page = page.max(1);
        let sorted = order.iter().fold(query.clone(), |q, (column, direction)| q.order_by(*column, direction.clone()));
        // Every column but the cells, which a wide form makes the bulk of the
        // row, and the number of all matching rows beside each (one query).
        let without_cells = sorted
            .select_only()
            .columns(reports::Column::iter().filter(|c| !matches!(c, reports::Column::Cells)))
            .column_as(Expr::value("[]"), "cells")
            .column_as(Expr::cust("COUNT(*) OVER ()"), NUMBER_BESIDE);
        let one_page = without_cells.offset(crate::offset(page, per_page)).limit(per_page).into_query();
        let rows = Arc::unwrap_or_clone(self.readings.pages.ask(self.db(), PageQuery::new(one_page, order)).await?);
        let total = match rows.first() {
            Some(first) => u64::try_from(first.number).unwrap_or(0),
            // A page past the end carries no count.
            None if page > 1 => query.count(self.db()).await?,
            None => 0,
        };
        let items = rows.into_iter().map(|r| to_row(r.report)).collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, total, page, per_page })
    }

    /// The sent reports of one form and period the caller may read, with their
    /// cells: what a scoring regime ranks. At most `limit`, by unit.
    pub async fn sent_reports_with_cells(
        &self, read: &Scope<ReadReports>, check: &Scope<CheckReports>, regime: &str, form: &str, period: Period,
        limit: u64,
    ) -> Result<Vec<ReportRow>, StoreError> {
        let sent = [Status::Sent, Status::Accepted, Status::CorrectionRequested].map(|s| s.as_str());
        let rows = reports::Entity::find()
            .filter(visible(read, check))
            .filter(matching(None, Some(regime), Some(form), Some(period)))
            .filter(reports::Column::Status.is_in(sent))
            .order_by_asc(reports::Column::UnitPath)
            .limit(limit)
            .all(self.db())
            .await?;
        rows.into_iter().map(to_row).collect()
    }

    /// How many reports wait in a queue for the holder of `scope`, and how
    /// many of them are past their deadline. Only the units where the role is
    /// held count: a checker of a province does not check what a district receives.
    pub async fn queue_counts<P>(&self, scope: &Scope<P>, q: &QueueQuery) -> Result<(u64, u64), StoreError> {
        let waiting = reports::Entity::find().filter(in_queue(scope, q));
        let overdue = waiting.clone().filter(reports::Column::ClosesOn.lt(q.today));
        Ok((waiting.count(self.db()).await?, overdue.count(self.db()).await?))
    }

    /// The reports waiting in a queue, the nearest deadline first, without cells.
    pub async fn queue<P>(&self, scope: &Scope<P>, q: &QueueQuery) -> Result<Page<ReportRow>, StoreError> {
        let query = reports::Entity::find().filter(in_queue(scope, q));
        let nearest = [
            (reports::Column::ClosesOn, Order::Asc),
            (reports::Column::UnitPath, Order::Asc),
            (reports::Column::Id, Order::Asc),
        ];
        self.list_page(query, &nearest, q.page, q.per_page).await
    }

    /// The history of a report the caller may read, oldest first.
    pub async fn report_history(
        &self, read: &Scope<ReadReports>, check: &Scope<CheckReports>, id: i64,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        self.readable(read, check, id).await?;
        let rows = report_history::Entity::find()
            .filter(report_history::Column::ReportId.eq(id))
            .order_by_asc(report_history::Column::Id)
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|h| HistoryEntry {
                at: h.at,
                actor: h.actor_name,
                actor_unit: h.actor_unit_id.map(UnitId),
                action: h.action,
                from: h.from_status,
                to: h.to_status,
                comment: h.comment,
                version: h.version,
                content_sha256: h.content_sha256,
            })
            .collect())
    }

    async fn stale(
        &self, tx: &DatabaseTransaction, model: &reports::Model, sent: &[ReportCell],
    ) -> Result<StoreError, StoreError> {
        let last = report_history::Entity::find()
            .filter(report_history::Column::ReportId.eq(model.id))
            .order_by_desc(report_history::Column::Id)
            .one(tx)
            .await?;
        let stored: Vec<ReportCell> =
            decode_cells(&model.cells).map_err(|_| StoreError::Corrupt(format!("report {} cells", model.id)))?;
        let sent_map: std::collections::HashMap<(&str, &str), &serde_json::Value> =
            sent.iter().map(|c| ((c.row.as_str(), c.col.as_str()), &c.value)).collect();
        let changed = stored
            .into_iter()
            .filter(|c| {
                sent_map.get(&(c.row.as_str(), c.col.as_str())).is_none_or(|v| **v != c.value) && !c.value.is_null()
            })
            .collect();
        Ok(StoreError::Stale(Box::new(Stale {
            current_version: model.version,
            status: status_of(model)?,
            last_actor: last.as_ref().map(|h| h.actor_name.clone()),
            last_at: last.map(|h| h.at),
            changed,
        })))
    }

    /// Stores new content (computed and validated by the regime), if the
    /// report is editable, entry is open and the writer's copy is current.
    pub async fn save_report_content(
        &self, grant: &RoleGrant, actor: &Actor, id: i64, content: NewContent, today: NaiveDate,
    ) -> Result<ReportRow, StoreError> {
        let tx = self.begin_write().await?;
        let model = reports::Entity::find_by_id(id).one(&tx).await?.ok_or(StoreError::NotFound("report"))?;
        check_entry(grant, &model, today)?;
        let saved = self
            .write_content(&tx, model, &content, ContentWrite { grant, actor, action: "save", comment: None })
            .await?;
        tx.commit().await?;
        to_row(saved)
    }

    /// Saves what the receiving unit's appraiser enters (the columns a regime
    /// reserves to its groups, such as the appraisal score) while it checks a
    /// sent report. The status stays; the history records the appraisal.
    pub async fn save_appraisal(
        &self, grant: &RoleGrant, actor: &Actor, id: i64, content: NewContent,
    ) -> Result<ReportRow, StoreError> {
        let tx = self.begin_write().await?;
        let model = reports::Entity::find_by_id(id).one(&tx).await?.ok_or(StoreError::NotFound("report"))?;
        check_appraisal(grant, &model)?;
        let saved = self
            .write_content(&tx, model, &content, ContentWrite { grant, actor, action: "appraise", comment: None })
            .await?;
        tx.commit().await?;
        to_row(saved)
    }

    /// Replaces a report's cells and added rows if the writer's copy is
    /// current, moves a new report to draft, and records the history row.
    /// Part of the caller's transaction; the caller has checked the grant.
    pub(crate) async fn write_content(
        &self, tx: &DatabaseTransaction, model: reports::Model, content: &NewContent, how: ContentWrite<'_>,
    ) -> Result<reports::Model, StoreError> {
        let id = model.id;
        if model.version != content.expected_version {
            return Err(self.stale(tx, &model, &content.cells).await?);
        }
        let from = status_of(&model)?;
        let to = if from == Status::New { Status::Draft } else { from };
        let sections = sections_of(tx, id).await?;
        let hash = content_hash(&content.cells, &content.rows_added, &sections);
        let updated = reports::Entity::update_many()
            .col_expr(reports::Column::Cells, Expr::value(encode_cells(&content.cells)?))
            .col_expr(
                reports::Column::Numbers,
                Expr::value(baocao_domain::numbers::NumberGrid::from_cells(&content.cells).encode()),
            )
            .col_expr(reports::Column::RowsAdded, Expr::value(json(&content.rows_added)?))
            .col_expr(reports::Column::ContentSha256, Expr::value(hash))
            .col_expr(reports::Column::Status, Expr::value(to.as_str()))
            .col_expr(reports::Column::Version, Expr::value(model.version + 1))
            .col_expr(reports::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(reports::Column::Id.eq(id))
            .filter(reports::Column::Version.eq(model.version))
            .exec(tx)
            .await?;
        if updated.rows_affected == 0 {
            // Another writer committed between our read and our write.
            let current = reports::Entity::find_by_id(id).one(tx).await?.ok_or(StoreError::NotFound("report"))?;
            return Err(self.stale(tx, &current, &content.cells).await?);
        }
        let model = reports::Entity::find_by_id(id).one(tx).await?.ok_or(StoreError::NotFound("report"))?;
        let history = HistoryRow {
            report: &model,
            actor: how.actor,
            actor_unit: Some(how.grant.unit()),
            action: how.action,
            from,
            to,
            comment: how.comment,
        };
        record_history(tx, history).await?;
        Ok(model)
    }

    /// Saves one section of a narrative report (HTML already sanitised).
    pub async fn save_report_section(
        &self, grant: &RoleGrant, actor: &Actor, id: i64, edit: SectionEdit<'_>, today: NaiveDate,
    ) -> Result<ReportRow, StoreError> {
        let SectionEdit { expected_version, section, html } = edit;
        let tx = self.begin_write().await?;
        let model = reports::Entity::find_by_id(id).one(&tx).await?.ok_or(StoreError::NotFound("report"))?;
        check_entry(grant, &model, today)?;
        if model.version != expected_version {
            return Err(self.stale(&tx, &model, &[]).await?);
        }
        let existing = report_sections::Entity::find()
            .filter(report_sections::Column::ReportId.eq(id))
            .filter(report_sections::Column::Section.eq(section))
            .one(&tx)
            .await?;
        match existing {
            Some(row) => {
                let mut active: report_sections::ActiveModel = row.into();
                active.html = Set(html.to_owned());
                active.updated_by = Set(actor.id.map(|u| u.0));
                active.updated_at = Set(Utc::now());
                active.update(&tx).await?;
            }
            None => {
                report_sections::ActiveModel {
                    report_id: Set(id),
                    section: Set(section.to_owned()),
                    html: Set(html.to_owned()),
                    updated_by: Set(actor.id.map(|u| u.0)),
                    updated_at: Set(Utc::now()),
                    ..Default::default()
                }
                .insert(&tx)
                .await?;
            }
        }
        let from = status_of(&model)?;
        let to = if from == Status::New { Status::Draft } else { from };
        let sections = sections_of(&tx, id).await?;
        let cells: Vec<ReportCell> =
            decode_cells(&model.cells).map_err(|_| StoreError::Corrupt(format!("report {id} cells")))?;
        let rows: Vec<AddedRow> =
            serde_json::from_str(&model.rows_added).map_err(|_| StoreError::Corrupt(format!("report {id} rows")))?;
        let updated = reports::Entity::update_many()
            .col_expr(reports::Column::ContentSha256, Expr::value(content_hash(&cells, &rows, &sections)))
            .col_expr(reports::Column::Status, Expr::value(to.as_str()))
            .col_expr(reports::Column::Version, Expr::value(model.version + 1))
            .col_expr(reports::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(reports::Column::Id.eq(id))
            .filter(reports::Column::Version.eq(model.version))
            .exec(&tx)
            .await?;
        if updated.rows_affected == 0 {
            let current = reports::Entity::find_by_id(id).one(&tx).await?.ok_or(StoreError::NotFound("report"))?;
            return Err(self.stale(&tx, &current, &[]).await?);
        }
        let model = reports::Entity::find_by_id(id).one(&tx).await?.ok_or(StoreError::NotFound("report"))?;
        let comment = format!("section {section}");
        record_history(
            &tx,
            HistoryRow {
                report: &model,
                actor,
                actor_unit: Some(grant.unit()),
                action: "save_section",
                from,
                to,
                comment: Some(&comment),
            },
        )
        .await?;
        tx.commit().await?;
        to_row(model)
    }

    /// The sections of a narrative report the caller may read.
    pub async fn report_sections(
        &self, read: &Scope<ReadReports>, check: &Scope<CheckReports>, id: i64,
    ) -> Result<Vec<(String, String)>, StoreError> {
        self.readable(read, check, id).await?;
        sections_of(self.db(), id).await
    }

    /// The sections of a report the caller already read (its document is being drawn).
    pub async fn report_sections_unscoped(&self, id: i64) -> Result<Vec<(String, String)>, StoreError> {
        sections_of(self.db(), id).await
    }

    /// Applies one workflow step. The grant must be of the step's role, held
    /// at the reporting unit (or at the receiver for checks); the report must
    /// still be in the step's starting status.
    pub async fn transition(
        &self, grant: &RoleGrant, actor: &Actor, id: i64, m: Move<'_>, notify: &NotificationDraft,
    ) -> Result<ReportRow, StoreError> {
        let Move { step, comment, forward_to, document, completes } = m;
        let tx = self.begin_write().await?;
        let model = reports::Entity::find_by_id(id).one(&tx).await?.ok_or(StoreError::NotFound("report"))?;
        let at = if step.role.at_receiver() { model.receiver_id } else { model.unit_id };
        if grant.role() != step.role || grant.unit().0 != at {
            return Err(StoreError::Forbidden);
        }
        let from = status_of(&model)?;
        if from != step.from {
            return Err(not_now(from, step.action.as_str()));
        }
        let now = Utc::now();
        let mut update = reports::Entity::update_many()
            .col_expr(reports::Column::Status, Expr::value(step.to.as_str()))
            .col_expr(reports::Column::Version, Expr::value(model.version + 1))
            .col_expr(reports::Column::UpdatedAt, Expr::value(now))
            .filter(reports::Column::Id.eq(id))
            .filter(reports::Column::Version.eq(model.version))
            .filter(reports::Column::Status.eq(from.as_str()));
        if let Some(c) = comment {
            update = update.col_expr(reports::Column::LastComment, Expr::value(c.to_owned()));
        }
        match step.action {
            Action::Send => update = update.col_expr(reports::Column::SentAt, Expr::value(now)),
            Action::Approve => {
                update = update.col_expr(reports::Column::ForwardTo, Expr::value(forward_to.map(|u| u.0)))
            }
            Action::Reopen => update = update.col_expr(reports::Column::Reopened, Expr::value(true)),
            _ => {}
        }
        if update.exec(&tx).await?.rows_affected == 0 {
            let current = reports::Entity::find_by_id(id).one(&tx).await?.ok_or(StoreError::NotFound("report"))?;
            return Err(not_now(status_of(&current)?, step.action.as_str()));
        }
        let model = reports::Entity::find_by_id(id).one(&tx).await?.ok_or(StoreError::NotFound("report"))?;
        keep_document(&tx, &model, step, document, completes).await?;
        record_history(
            &tx,
            HistoryRow {
                report: &model,
                actor,
                actor_unit: Some(grant.unit()),
                action: step.action.as_str(),
                from,
                to: step.to,
                comment,
            },
        )
        .await?;
        insert_notifications(&tx, Some(id), notify).await?;
        tx.commit().await?;
        to_row(model)
    }

    /// Sets which unit receives `unit`'s reports of `regime` ("*" for every regime).
    pub async fn set_receiver(
        &self, grant: &Grant<ConfigureReceivers>, regime: &str, receiver: UnitId,
    ) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        let unit = grant.target();
        let receiver_row =
            crate::entity::units::Entity::find_by_id(receiver.0).one(&tx).await?.ok_or(StoreError::NotFound("unit"))?;
        if receiver.0 == unit.0 {
            return Err(refused(
                "receiver",
                "self",
                "Đơn vị không thể tự nhận báo cáo của mình.",
                "A unit cannot receive its own reports.",
            ));
        }
        let unit_row =
            crate::entity::units::Entity::find_by_id(unit.0).one(&tx).await?.ok_or(StoreError::NotFound("unit"))?;
        if receiver_row.tenant_id != unit_row.tenant_id && receiver_row.parent_id.is_some() {
            // The platform root (VPCP) receives from every tenant; other tenants' units do not.
            return Err(StoreError::NotFound("unit"));
        }
        receivers::Entity::delete_many()
            .filter(receivers::Column::UnitId.eq(unit.0))
            .filter(receivers::Column::RegimeCode.eq(regime))
            .exec(&tx)
            .await?;
        receivers::ActiveModel {
            tenant_id: Set(unit_row.tenant_id),
            regime_code: Set(regime.to_owned()),
            unit_id: Set(unit.0),
            receiver_id: Set(receiver.0),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The receivers configured for `unit`, by regime code ("*": every regime).
    pub async fn configured_receivers_unscoped(&self, unit: UnitId) -> Result<Vec<(String, UnitId)>, StoreError> {
        let rows = receivers::Entity::find()
            .filter(receivers::Column::UnitId.eq(unit.0))
            .order_by_asc(receivers::Column::RegimeCode)
            .all(self.db())
            .await?;
        Ok(rows.into_iter().map(|r| (r.regime_code, UnitId(r.receiver_id))).collect())
    }

    /// The unit that receives `unit`'s reports of `regime`: the configured one
    /// for the regime, else the one configured for every regime, else the parent.
    pub async fn receiver_of_unscoped(&self, unit: UnitId, regime: &str) -> Result<Option<UnitId>, StoreError> {
        let rows = receivers::Entity::find()
            .filter(receivers::Column::UnitId.eq(unit.0))
            .filter(
                Condition::any()
                    .add(receivers::Column::RegimeCode.eq(regime))
                    .add(receivers::Column::RegimeCode.eq("*")),
            )
            .all(self.db())
            .await?;
        if let Some(r) = rows.iter().find(|r| r.regime_code == regime).or_else(|| rows.first()) {
            return Ok(Some(UnitId(r.receiver_id)));
        }
        let row = crate::entity::units::Entity::find_by_id(unit.0)
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound("unit"))?;
        Ok(row.parent_id.map(UnitId))
    }

    /// Reports for benchmarks that need many rows fast: the rows
    /// [`Store::assign_reports`] would write, in batches, without history or
    /// notifications; with `accepted`, already filled with those cells and
    /// accepted by their receiver. Operator use only.
    pub async fn operator_bulk_reports(
        &self, items: Vec<NewReport>, accepted: Option<&[ReportCell]>,
    ) -> Result<u64, StoreError> {
        let filled = match accepted {
            Some(cells) => Some((
                encode_cells(cells)?,
                baocao_domain::numbers::NumberGrid::from_cells(cells).encode(),
                content_hash(cells, &[], &[]),
            )),
            None => None,
        };
        let tx = self.begin_write().await?;
        let now = Utc::now();
        let mut n = 0;
        for chunk in items.chunks(500) {
            let models: Vec<reports::ActiveModel> = chunk
                .iter()
                .map(|item| {
                    let mut model = new_model(item, None, now);
                    if let Some((cells, numbers, hash)) = &filled {
                        model.cells = Set(cells.clone());
                        model.numbers = Set(Some(numbers.clone()));
                        model.content_sha256 = Set(hash.clone());
                        model.status = Set(Status::Accepted.as_str().to_owned());
                        model.sent_at = Set(Some(now));
                    }
                    model
                })
                .collect();
            n += models.len() as u64;
            reports::Entity::insert_many(models).exec(&tx).await?;
        }
        tx.commit().await?;
        Ok(n)
    }
}

/// Who writes content, and what the history calls it.
pub(crate) struct ContentWrite<'a> {
    pub grant: &'a RoleGrant,
    pub actor: &'a Actor,
    pub action: &'a str,
    pub comment: Option<&'a str>,
}

/// Content is written at the reporting unit, by its data entry or (aggregation) its aggregator,
/// while the report is editable and entry is open.
/// A stored report's status; one the code does not know is a corrupt row, never a guess.
pub(crate) fn status_of(model: &reports::Model) -> Result<Status, StoreError> {
    Status::parse(&model.status)
        .ok_or_else(|| StoreError::Corrupt(format!("report {} status {:?}", model.id, model.status)))
}

pub(crate) fn check_entry(grant: &RoleGrant, model: &reports::Model, today: NaiveDate) -> Result<(), StoreError> {
    if !matches!(grant.role(), Role::Enter | Role::Aggregate) || grant.unit().0 != model.unit_id {
        return Err(StoreError::Forbidden);
    }
    if let Some(refusal) = baocao_domain::report::edit_refused(status_of(model)?) {
        return Err(StoreError::Conflict(refusal));
    }
    let window = EntryWindow::of(model.opens_on, model.closes_on, model.reopened, today);
    match window.refusal() {
        Some(refusal) => Err(StoreError::Refused(refusal)),
        None => Ok(()),
    }
}

/// Appraisal is done at the receiving unit, by its checkers, between sending and acceptance.
pub(crate) fn check_appraisal(grant: &RoleGrant, model: &reports::Model) -> Result<(), StoreError> {
    if grant.role() != Role::Check || grant.unit().0 != model.receiver_id {
        return Err(StoreError::Forbidden);
    }
    match baocao_domain::report::appraisal_refused(status_of(model)?) {
        Some(refusal) => Err(StoreError::Conflict(refusal)),
        None => Ok(()),
    }
}

async fn sections_of(db: &impl ConnectionTrait, id: i64) -> Result<Vec<(String, String)>, StoreError> {
    let rows = report_sections::Entity::find()
        .filter(report_sections::Column::ReportId.eq(id))
        .order_by_asc(report_sections::Column::Section)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.section, r.html)).collect())
}

/// The document follows the report: a new one is written with its step, and
/// a report going back to entry loses the one frozen before (it will change).
async fn keep_document(
    tx: &sea_orm::DatabaseTransaction, model: &reports::Model, step: Step, document: Option<&crate::DocumentWrite>,
    completes: Option<&str>,
) -> Result<(), StoreError> {
    if let Some(id) = completes {
        crate::entity::pending_signatures::Entity::delete_by_id(id.to_owned()).exec(tx).await?;
    }
    match document {
        Some(d) => crate::signatures::put_document(tx, model.id, model.version, d).await,
        None if matches!(step.to, Status::Draft | Status::Rejected) => {
            crate::signatures::drop_document(tx, model.id).await
        }
        None => Ok(()),
    }
}

impl Store {
    /// Reports in `statuses` whose `date` column falls between `from` and
    /// `to` (inclusive), across every tenant, oldest first; at most `limit`.
    async fn reports_dated_unscoped(
        &self, date: reports::Column, statuses: &[&str], (from, to): (NaiveDate, NaiveDate), limit: u64,
    ) -> Result<Vec<ReportRow>, StoreError> {
        let rows = reports::Entity::find()
            .filter(reports::Column::Status.is_in(statuses.iter().copied()))
            .filter(date.between(from, to))
            .order_by_asc(date)
            .order_by_asc(reports::Column::Id)
            .limit(limit)
            .all(self.db())
            .await?;
        rows.into_iter().map(to_row).collect()
    }

    /// Reports not yet sent whose entry closes between `from` and `to`: what
    /// deadline reminders and overdue notices are about.
    pub async fn unsent_closing_unscoped(
        &self, from: NaiveDate, to: NaiveDate, limit: u64,
    ) -> Result<Vec<ReportRow>, StoreError> {
        let waiting = ["new", "draft", "rejected", "submitted", "unit_approved"];
        self.reports_dated_unscoped(reports::Column::ClosesOn, &waiting, (from, to), limit).await
    }

    /// Reports still to be filled whose entry opens between `from` and `to`.
    pub async fn opening_unscoped(
        &self, from: NaiveDate, to: NaiveDate, limit: u64,
    ) -> Result<Vec<ReportRow>, StoreError> {
        self.reports_dated_unscoped(reports::Column::OpensOn, &["new", "draft"], (from, to), limit).await
    }
}
