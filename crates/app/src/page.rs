//! Keyset pagination. Ids are UUIDv7, so ordering by id orders by creation time; the cursor
//! is the id of the last row seen.

use crate::AppError;
use uuid::Uuid;

pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

/// A validated page request.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<Uuid>,
    /// Whether the caller asked for the total count. Counting a large scope costs more than
    /// the page itself, so it runs only when the query selects `totalCount`.
    pub count: bool,
}

impl PageRequest {
    pub fn parse(first: Option<i32>, after: Option<&str>) -> Result<Self, AppError> {
        let first = match first {
            None => DEFAULT_PAGE,
            Some(n) if (0..=MAX_PAGE as i32).contains(&n) => n as u64,
            Some(_) => {
                return Err(AppError::bad_input("first", format!("must be between 0 and {MAX_PAGE}")));
            }
        };
        let after = after
            .map(|c| Uuid::parse_str(c).map_err(|_| AppError::bad_input("after", "is not a cursor this API issued")))
            .transpose()?;
        Ok(PageRequest { first, after, count: true })
    }

    /// The same request, counting the total only when `count` is true.
    pub fn counting(self, count: bool) -> Self {
        PageRequest { count, ..self }
    }
}

/// The total count of a query when the page request asks for it; 0 otherwise (the field was
/// not selected, so nobody reads it).
pub(crate) async fn total<E, C>(q: &sea_orm::Select<E>, req: PageRequest, db: &C) -> Result<u64, AppError>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::PaginatorTrait;
    if !req.count {
        return Ok(0);
    }
    Ok(q.clone().count(db).await?)
}

/// One page of rows, newest first.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    pub total_count: u64,
}

impl<T> Page<T> {
    /// Builds a page from up to `first + 1` fetched rows.
    pub fn from_fetched(mut rows: Vec<T>, req: PageRequest, total_count: u64) -> Self {
        let has_next_page = rows.len() as u64 > req.first;
        rows.truncate(req.first as usize);
        Page { items: rows, has_next_page, total_count }
    }

    pub fn empty() -> Self {
        Page { items: vec![], has_next_page: false, total_count: 0 }
    }
}

/// One keyset page of a query, newest first by `id`, with the total count.
pub(crate) async fn keyset<E, Col, C>(
    db: &C,
    q: sea_orm::Select<E>,
    id: Col,
    req: PageRequest,
) -> Result<Page<E::Model>, AppError>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
    Col: sea_orm::ColumnTrait,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::{QueryFilter, QueryOrder, QuerySelect};
    let total = total(&q, req, db).await?;
    let mut q = q.order_by_desc(id);
    if let Some(after) = req.after {
        q = q.filter(id.lt(after));
    }
    let rows = q.limit(req.first + 1).all(db).await?;
    Ok(Page::from_fetched(rows, req, total))
}
