//! Keyset pagination. Ids are UUIDv7, so ordering by id orders by creation time; the cursor
//! is the id of the last row seen.

use crate::AppError;
use uuid::Uuid;

pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

/// Which way a list is sorted: a key and a direction. The id breaks ties, so every order is
/// total and a cursor names one position in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for Order {
    /// Newest first (ids are UUIDv7).
    fn default() -> Self {
        Order { key: SortKey::Created, descending: true }
    }
}

/// What a list can be sorted by; each list says which keys it offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Creation time: the id order.
    Created,
    Updated,
    /// A money amount (an opportunity's estimated value, an invoice's amount).
    Value,
    /// A due date (an invoice's).
    DueDate,
    /// A close date; rows without one sort after every dated row.
    CloseDate,
    Name,
    /// When the row was submitted for review (a contract to legal, a hand-off package to
    /// customer success).
    Submitted,
}

impl SortKey {
    fn tag(self) -> &'static str {
        match self {
            SortKey::Created => "c",
            SortKey::Updated => "u",
            SortKey::Value => "v",
            SortKey::CloseDate => "d",
            SortKey::DueDate => "due",
            SortKey::Name => "n",
            SortKey::Submitted => "s",
        }
    }
}

/// The sort value of a row, as a cursor carries it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum KeyValue {
    Time(chrono::DateTime<chrono::Utc>),
    Date(chrono::NaiveDate),
    Int(i64),
    Text(String),
}

impl From<KeyValue> for sea_orm::Value {
    fn from(v: KeyValue) -> Self {
        match v {
            KeyValue::Time(t) => t.into(),
            KeyValue::Date(d) => d.into(),
            KeyValue::Int(i) => i.into(),
            KeyValue::Text(s) => s.into(),
        }
    }
}

/// A position in an order. For creation order the cursor is the row's id, as it always was;
/// for another order it is opaque: `o1.` and the base64 of the key, its value and the id. A
/// bare id is also a position in another order: the row's own value of the key is read (a
/// list whose default order is not creation issued ids before it offered other orders).
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub key: SortKey,
    pub value: Option<KeyValue>,
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        use base64::Engine;
        match &self.value {
            None => self.id.to_string(),
            Some(v) => {
                let body = serde_json::json!([self.key.tag(), v, self.id]).to_string();
                format!("o1.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(body))
            }
        }
    }

    fn decode(field: &str, text: &str, order: Order) -> Result<Self, AppError> {
        use base64::Engine;
        let foreign = || AppError::bad_input(field, "is not a cursor this API issued");
        if let Ok(id) = Uuid::parse_str(text) {
            return Ok(Cursor { key: order.key, value: None, id });
        }
        let body = text.strip_prefix("o1.").ok_or_else(foreign)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body).map_err(|_| foreign())?;
        let (tag, value, id): (String, KeyValue, Uuid) = serde_json::from_slice(&bytes).map_err(|_| foreign())?;
        if tag != order.key.tag() {
            return Err(AppError::bad_input(field, "is a cursor of another order: send the `orderBy` it came with"));
        }
        Ok(Cursor { key: order.key, value: Some(value), id })
    }
}

/// A validated page request.
#[derive(Debug, Clone)]
pub struct PageRequest {
    /// The page size (`first`, or `last` when paging backward).
    pub first: u64,
    /// The id of the `after` cursor.
    pub after: Option<Uuid>,
    /// Whether the caller asked for the total count. Counting a large scope costs more than
    /// the page itself, so it runs only when the query selects `totalCount`.
    pub count: bool,
    /// The id of the `before` cursor.
    pub before: Option<Uuid>,
    /// True for `last`: the page ends at `before` (or at the end of the list).
    pub backward: bool,
    pub order: Order,
    /// The sort values of the `after` and `before` cursors (none for the default order).
    pub after_key: Option<KeyValue>,
    pub before_key: Option<KeyValue>,
    /// Whether the caller asked for `hasPreviousPage` (paging forward) or `hasNextPage`
    /// (paging backward) from a cursor: that takes one more probe of a row.
    pub probe: bool,
}

impl PageRequest {
    /// A forward page in the default order.
    pub fn forward(first: u64, after: Option<Uuid>, count: bool) -> Self {
        PageRequest {
            first,
            after,
            count,
            before: None,
            backward: false,
            order: Order::default(),
            after_key: None,
            before_key: None,
            probe: false,
        }
    }

    pub fn parse(first: Option<i32>, after: Option<&str>) -> Result<Self, AppError> {
        Self::parse_ordered(first, after, None, None, Order::default())
    }

    /// A page of a list that pages both ways and may be sorted: `first`/`after` forward,
    /// `last`/`before` backward (not both sizes, and not both cursors).
    pub fn parse_ordered(
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        before: Option<&str>,
        order: Order,
    ) -> Result<Self, AppError> {
        let size = |field: &str, n: Option<i32>| match n {
            None => Ok(DEFAULT_PAGE),
            Some(n) if (0..=MAX_PAGE as i32).contains(&n) => Ok(n as u64),
            Some(_) => Err(AppError::bad_input(field, format!("must be between 0 and {MAX_PAGE}"))),
        };
        if first.is_some() && last.is_some() {
            return Err(AppError::bad_input("last", "send `first` or `last`, not both"));
        }
        if after.is_some() && before.is_some() {
            return Err(AppError::bad_input("before", "send `after` or `before`, not both"));
        }
        let backward = last.is_some() || (before.is_some() && first.is_none());
        let n = if backward { size("last", last)? } else { size("first", first)? };
        let after = after.map(|c| Cursor::decode("after", c, order)).transpose()?;
        let before = before.map(|c| Cursor::decode("before", c, order)).transpose()?;
        let mut req = Self::forward(n, after.as_ref().map(|c| c.id), true);
        req.backward = backward;
        req.order = order;
        req.after_key = after.and_then(|c| c.value);
        req.before = before.as_ref().map(|c| c.id);
        req.before_key = before.and_then(|c| c.value);
        Ok(req)
    }

    /// The same request, counting the total only when `count` is true.
    pub fn counting(self, count: bool) -> Self {
        PageRequest { count, ..self }
    }

    /// The same request, probing for rows on the far side of its cursor only when asked.
    pub fn probing(self, probe: bool) -> Self {
        PageRequest { probe, ..self }
    }
}

/// The total count of a query when the page request asks for it; 0 otherwise (the field was
/// not selected, so nobody reads it).
pub(crate) async fn total<E, C>(q: &sea_orm::Select<E>, req: &PageRequest, db: &C) -> Result<u64, AppError>
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

/// One page of rows in the list's order.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total_count: u64,
    /// The cursor of each item, when the order is not the default one (whose cursor is the id).
    pub cursors: Vec<String>,
}

impl<T> Page<T> {
    /// Builds a forward page from up to `first + 1` fetched rows.
    pub fn from_fetched(rows: Vec<T>, req: PageRequest, total_count: u64) -> Self {
        Self::from_walked(rows, &req, false, total_count)
    }

    /// Builds a page from up to `first + 1` rows fetched in walking order (the list's order, or
    /// its reverse when paging backward) and whether any row lies on the other side of the
    /// cursor (`behind`): the extra row means more in the walking direction, the page is turned
    /// back into the list's order.
    pub fn from_walked(mut rows: Vec<T>, req: &PageRequest, behind: bool, total_count: u64) -> Self {
        let more = rows.len() as u64 > req.first;
        rows.truncate(req.first as usize);
        if req.backward {
            rows.reverse();
        }
        let (has_next_page, has_previous_page) = if req.backward { (behind, more) } else { (more, behind) };
        Page { items: rows, has_next_page, has_previous_page, total_count, cursors: Vec::new() }
    }

    /// The same page with each item turned into another.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            total_count: self.total_count,
            cursors: self.cursors,
        }
    }

    pub fn empty() -> Self {
        Page { items: vec![], has_next_page: false, has_previous_page: false, total_count: 0, cursors: Vec::new() }
    }
}

/// A sort key a list offers: the key, the expression rows are ordered by, and how to read a
/// row's value of it (for its cursor).
pub struct Sort<M> {
    pub key: SortKey,
    pub expr: fn() -> sea_orm::sea_query::SimpleExpr,
    pub value: fn(&M) -> KeyValue,
}

/// One keyset page of a query, newest first by `id`, with the total count.
pub(crate) async fn keyset<E, C>(
    db: &C,
    q: sea_orm::Select<E>,
    id: E::Column,
    req: PageRequest,
) -> Result<Page<E::Model>, AppError>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
    C: sea_orm::ConnectionTrait,
{
    sorted(db, q, id, &[], req).await
}

/// One keyset page of a query in the request's order (one of `sorts`, or creation order),
/// forward or backward, with the total count and, when asked, whether rows lie beyond the
/// cursor on the other side. Rows that tie on the key are ordered by id, so the order is
/// total and a cursor is exact under inserts and deletes.
pub(crate) async fn sorted<E, C>(
    db: &C,
    q: sea_orm::Select<E>,
    id: E::Column,
    sorts: &[Sort<E::Model>],
    req: PageRequest,
) -> Result<Page<E::Model>, AppError>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
    C: sea_orm::ConnectionTrait,
{
    sorted_rows(db, q, id, sorts, req, Alone).await
}

/// How the rows of a page are read: alone, or each with a row it links to.
pub(crate) trait Rows<E: sea_orm::EntityTrait> {
    type Row: Send;
    /// The page's statement, ordered and limited, read.
    fn read<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        q: sea_orm::Select<E>,
    ) -> impl std::future::Future<Output = Result<Vec<Self::Row>, sea_orm::DbErr>> + Send;
    /// The listed row of a read row.
    fn listed(row: &Self::Row) -> &E::Model;
}

/// The rows alone.
pub(crate) struct Alone;

impl<E: sea_orm::EntityTrait> Rows<E> for Alone
where
    E::Model: Sync,
{
    type Row = E::Model;
    async fn read<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        q: sea_orm::Select<E>,
    ) -> Result<Vec<E::Model>, sea_orm::DbErr> {
        q.all(db).await
    }
    fn listed(row: &E::Model) -> &E::Model {
        row
    }
}

/// Each row with the row of `F` it links to (a left join on `link`): a to-one link the page's
/// reader asks for comes in the page's own statement.
pub(crate) struct With<F> {
    pub link: sea_orm::RelationDef,
    pub entity: F,
}

impl<E, F> Rows<E> for With<F>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
    F: sea_orm::EntityTrait + Sync,
    F::Model: Sync,
{
    type Row = (E::Model, Option<F::Model>);
    async fn read<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        q: sea_orm::Select<E>,
    ) -> Result<Vec<Self::Row>, sea_orm::DbErr> {
        use sea_orm::QuerySelect;
        q.join(sea_orm::JoinType::LeftJoin, self.link.clone()).select_also(self.entity).all(db).await
    }
    fn listed(row: &Self::Row) -> &E::Model {
        &row.0
    }
}

/// [`sorted`], with the rows read by `rows`.
pub(crate) async fn sorted_rows<E, C, R>(
    db: &C,
    q: sea_orm::Select<E>,
    id: E::Column,
    sorts: &[Sort<E::Model>],
    req: PageRequest,
    rows: R,
) -> Result<Page<R::Row>, AppError>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
    C: sea_orm::ConnectionTrait,
    R: Rows<E>,
{
    use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
    use sea_orm::{ColumnTrait, Condition, QueryFilter, QueryOrder, QuerySelect};
    let sort = match req.order.key {
        SortKey::Created => None,
        key => Some(
            sorts
                .iter()
                .find(|s| s.key == key)
                .ok_or_else(|| AppError::bad_input("orderBy", "this list cannot be sorted by that field"))?,
        ),
    };
    let total = total(&q, &req, db).await?;
    // Reading backward walks the order the other way, then turns the page around.
    let descending = req.order.descending != req.backward;
    // Rows strictly beyond a cursor in the walking direction (`ahead`), or at or behind it.
    let beyond = |ahead: bool, key: &Option<KeyValue>, at: Uuid| -> Condition {
        let down = descending == ahead;
        let id_cmp = |strict: bool| -> SimpleExpr {
            match (down, strict) {
                (true, true) => id.lt(at),
                (true, false) => id.gte(at),
                (false, true) => id.gt(at),
                (false, false) => id.lte(at),
            }
        };
        match (sort, key) {
            (Some(s), Some(v)) => {
                let e = (s.expr)();
                let v = sea_orm::Value::from(v.clone());
                let past = if down { Expr::expr(e.clone()).lt(v.clone()) } else { Expr::expr(e.clone()).gt(v.clone()) };
                Condition::any().add(past).add(Condition::all().add(Expr::expr(e).eq(v)).add(id_cmp(ahead)))
            }
            _ => Condition::all().add(id_cmp(ahead)),
        }
    };
    let (cursor, cursor_key) = if req.backward { (req.before, &req.before_key) } else { (req.after, &req.after_key) };
    let field = if req.backward { "before" } else { "after" };
    let cursor_key = &match (sort, cursor, cursor_key) {
        (Some(s), Some(at), None) => Some(anchor::<E, C>(db, id, at, s, field).await?),
        _ => cursor_key.clone(),
    };
    let mut page_q = q.clone();
    if let Some(at) = cursor {
        page_q = page_q.filter(beyond(true, cursor_key, at));
    }
    let order = if descending { sea_orm::Order::Desc } else { sea_orm::Order::Asc };
    if let Some(s) = sort {
        page_q = page_q.order_by((s.expr)(), order.clone());
    }
    let read = rows.read(db, page_q.order_by(id, order).limit(req.first + 1)).await?;
    // Rows on the other side of the cursor: one probe, only when the caller asked.
    let behind = match cursor {
        Some(at) if req.probe => !q.filter(beyond(false, cursor_key, at)).limit(1).all(db).await?.is_empty(),
        _ => false,
    };
    let mut page = Page::from_walked(read, &req, behind, total);
    if let Some(s) = sort {
        page.cursors = page
            .items
            .iter()
            .map(R::listed)
            .map(|r| Cursor { key: s.key, value: Some((s.value)(r)), id: row_id(r, id) }.encode())
            .collect();
    }
    Ok(page)
}

/// The sort value of the row a bare-id cursor names. The row need not be in the list any more
/// (a contract approved since the page was read still marks a position in the queue); an id
/// that names no row is not a cursor.
async fn anchor<E, C>(db: &C, id: E::Column, at: Uuid, sort: &Sort<E::Model>, field: &str) -> Result<KeyValue, AppError>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::{ColumnTrait, QueryFilter};
    let row = E::find().filter(id.eq(at)).one(db).await?;
    row.map(|r| (sort.value)(&r)).ok_or_else(|| AppError::bad_input(field, "is not a cursor this API issued"))
}

/// The id of a row, read through its id column.
fn row_id<M: sea_orm::ModelTrait>(row: &M, id: <M::Entity as sea_orm::EntityTrait>::Column) -> Uuid {
    match row.get(id) {
        sea_orm::Value::Uuid(Some(u)) => u,
        _ => Uuid::nil(),
    }
}
