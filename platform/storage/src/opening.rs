//! The two reads every official makes on a deadline day, asked together
//! ([`crate::together`]): opening a report, and a page of the report list.
//! Both read rows whatever the caller's scopes; the caller's scopes are
//! applied by [`crate::reports`] (on the row read, or in the page's query).

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::sea_query::{Alias, Asterisk, Expr, Query, SelectStatement, UnionType, WindowStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, Order, QueryFilter,
    QuerySelect,
};

use crate::entity::reports;
use crate::reports::{NUMBER_BESIDE, NumberBeside};
use crate::together::Together;

/// Opening a report: its row and the number of reports it was aggregated
/// from, by id, in one `WHERE id IN (…)` for the batch.
pub(crate) struct Opens;

/// A report row and the number of reports it was aggregated from.
pub(crate) type Opened = Arc<NumberBeside>;

impl Together for Opens {
    type Question = i64;
    type Answer = Option<Opened>;

    async fn read(db: &DatabaseConnection, ids: &[i64]) -> Result<Vec<Option<Opened>>, DbErr> {
        let rows: Vec<NumberBeside> = reports::Entity::find()
            .filter(reports::Column::Id.is_in(padded(ids.to_vec())))
            .column_as(
                Expr::cust("(SELECT COUNT(*) FROM aggregate_sources WHERE aggregate_sources.report_id = reports.id)"),
                NUMBER_BESIDE,
            )
            .into_model()
            .all(db)
            .await?;
        let found: HashMap<i64, Opened> = rows.into_iter().map(|r| (r.report.id, Arc::new(r))).collect();
        Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
    }
}

/// The distinct ids, their number rounded up to a power of two by repeating
/// the last: batches of a few sizes make a few statements, which the
/// connections keep prepared.
fn padded(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids.dedup();
    if let Some(&last) = ids.last() {
        ids.resize(ids.len().next_power_of_two(), last);
    }
    ids
}

/// A page of a report list: its query, with each row's place in the page
/// in the column `PLACE` (the batch's rows come back as one result).
#[derive(Clone)]
pub(crate) struct PageQuery {
    statement: SelectStatement,
}

const PLACE: &str = "place_in_page";
const SLOT: &str = "slot_in_batch";

impl PageQuery {
    /// `page` selects a page of report rows with [`NUMBER_BESIDE`], sorted
    /// by `order`; each row's place in that order is added as a column.
    pub(crate) fn new(mut page: SelectStatement, order: &[(reports::Column, Order)]) -> Arc<Self> {
        let mut window = WindowStatement::new();
        for (column, direction) in order {
            window.order_by((reports::Entity, *column), direction.clone());
        }
        page.expr_window_as(Expr::cust("ROW_NUMBER()"), window, Alias::new(PLACE));
        Arc::new(PageQuery { statement: page })
    }
}

/// Pages of report lists: the distinct pages of the batch as one
/// `UNION ALL`, each row tagged with its page's slot.
pub(crate) struct ListPages;

impl Together for ListPages {
    type Question = Arc<PageQuery>;
    type Answer = Arc<Vec<NumberBeside>>;

    async fn read(db: &DatabaseConnection, pages: &[Arc<PageQuery>]) -> Result<Vec<Self::Answer>, DbErr> {
        let mut distinct: Vec<&PageQuery> = Vec::with_capacity(pages.len());
        let slots: Vec<usize> = pages
            .iter()
            // Equal pages (the same query with the same values) are read once.
            .map(|page| match distinct.iter().position(|d| d.statement == page.statement) {
                Some(slot) => slot,
                None => {
                    distinct.push(page);
                    distinct.len() - 1
                }
            })
            .collect();
        let Some((first, rest)) = distinct.split_first() else { return Ok(Vec::new()) };
        let rows = db.query_all(&union(first, rest)).await?;
        let mut read: Vec<Vec<(i64, NumberBeside)>> = distinct.iter().map(|_| Vec::new()).collect();
        for row in rows {
            // An integer literal: INT4 on PostgreSQL, INTEGER on SQLite.
            let slot: i32 = row.try_get("", SLOT)?;
            let page = usize::try_from(slot).ok().and_then(|s| read.get_mut(s));
            let page = page.ok_or_else(|| DbErr::Custom(format!("a page of the batch has no slot {slot}")))?;
            page.push((row.try_get("", PLACE)?, NumberBeside::from_query_result(&row, "")?));
        }
        let read: Vec<Self::Answer> = read
            .into_iter()
            .map(|mut rows| {
                rows.sort_unstable_by_key(|(place, _)| *place);
                Arc::new(rows.into_iter().map(|(_, row)| row).collect())
            })
            .collect();
        Ok(slots.into_iter().map(|slot| read[slot].clone()).collect())
    }
}

/// `SELECT *, 0 AS slot FROM (page 0) UNION ALL SELECT *, 1 AS slot FROM (page 1) …`
/// (a page keeps its own order and limit inside its parentheses).
fn union(first: &PageQuery, rest: &[&PageQuery]) -> SelectStatement {
    let tagged = |slot: usize, page: &PageQuery| {
        Query::select()
            .column(Asterisk)
            .expr_as(Expr::cust(slot.to_string()), Alias::new(SLOT))
            .from_subquery(page.statement.clone(), Alias::new(format!("page{slot}")))
            .to_owned()
    };
    let mut all = tagged(0, first);
    for (slot, page) in rest.iter().enumerate() {
        all.union(UnionType::All, tagged(slot + 1, page));
    }
    all
}

/// The reads asked together, one queue for each kind.
#[derive(Default)]
pub(crate) struct Readings {
    pub opens: crate::together::Gathered<Opens>,
    pub pages: crate::together::Gathered<ListPages>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_asks_for_each_id_once_in_a_power_of_two_of_places() {
        assert_eq!(padded(vec![7, 3, 7, 5]), vec![3, 5, 7, 7]);
        assert_eq!(padded(vec![9]), vec![9]);
        assert_eq!(padded(vec![1, 2]), vec![1, 2]);
        assert_eq!(padded((1..=5).collect()), vec![1, 2, 3, 4, 5, 5, 5, 5]);
        assert!(padded(Vec::new()).is_empty());
    }
}
