//! Per-request batch loaders, so list fields never issue one query per row. Every loader is
//! bound to the caller's organization; callers load only ids of rows they already authorized.

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{Context, ErrorExtensions};
use baton_app::entity::{
    account, contact, contract, contract_clause, invoice, opportunity, payment, product, quote, quote_line, user,
};
use baton_app::{App, AppError};
use std::collections::HashMap;
use uuid::Uuid;

/// Declares a loader of rows by their id.
macro_rules! by_id {
    ($name:ident, $model:ty, $fetch:ident) => {
        pub struct $name {
            app: App,
            org: Uuid,
        }
        impl Loader<Uuid> for $name {
            type Value = $model;
            type Error = async_graphql::Error;
            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, $model>, Self::Error> {
                let rows = self.app.$fetch(self.org, keys).await.map_err(crate::to_gql)?;
                Ok(rows.into_iter().map(|r| (r.id, r)).collect())
            }
        }
    };
}

/// Declares a loader of child rows grouped by their parent's id.
macro_rules! by_parent {
    ($name:ident, $model:ty, $fetch:ident, $parent:ident) => {
        pub struct $name {
            app: App,
            org: Uuid,
        }
        impl Loader<Uuid> for $name {
            type Value = Vec<$model>;
            type Error = async_graphql::Error;
            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<$model>>, Self::Error> {
                let rows = self.app.$fetch(self.org, keys).await.map_err(crate::to_gql)?;
                let mut m: HashMap<Uuid, Vec<$model>> = keys.iter().map(|k| (*k, vec![])).collect();
                for r in rows {
                    m.entry(r.$parent).or_default().push(r);
                }
                Ok(m)
            }
        }
    };
}

by_id!(Users, user::Model, users_by_ids);
by_id!(Accounts, account::Model, accounts_by_ids);
by_id!(Products, product::Model, products_by_ids);
by_id!(Contacts, contact::Model, contacts_by_ids);
by_parent!(ContactsByAccount, contact::Model, contacts_of_accounts, account_id);
by_parent!(QuotesByOpportunity, quote::Model, quotes_of_opportunities, opportunity_id);
by_parent!(ContractsByOpportunity, contract::Model, contracts_of_opportunities, opportunity_id);
by_parent!(InvoicesByOpportunity, invoice::Model, invoices_of_opportunities, opportunity_id);
by_parent!(LinesByQuote, quote_line::Model, lines_of_quotes, quote_id);
by_parent!(ClausesByContract, contract_clause::Model, clauses_of, contract_id);
by_parent!(PaymentsByInvoice, payment::Model, payments_of, invoice_id);

/// Every loader of one request. Over HTTP each caches what it loaded for the rest of the
/// request; a WebSocket connection lives for many events, so its loaders batch but never cache.
pub struct Loaders {
    pub users: DataLoader<Users, HashMapCache>,
    pub accounts: DataLoader<Accounts, HashMapCache>,
    pub products: DataLoader<Products, HashMapCache>,
    pub contacts: DataLoader<Contacts, HashMapCache>,
    pub contacts_by_account: DataLoader<ContactsByAccount, HashMapCache>,
    pub quotes_by_opportunity: DataLoader<QuotesByOpportunity, HashMapCache>,
    pub contracts_by_opportunity: DataLoader<ContractsByOpportunity, HashMapCache>,
    pub invoices_by_opportunity: DataLoader<InvoicesByOpportunity, HashMapCache>,
    pub lines_by_quote: DataLoader<LinesByQuote, HashMapCache>,
    pub clauses_by_contract: DataLoader<ClausesByContract, HashMapCache>,
    pub payments_by_invoice: DataLoader<PaymentsByInvoice, HashMapCache>,
    /// Whether the loaders keep what they loaded (HTTP) or not (WebSocket).
    cached: bool,
}

impl Loaders {
    /// Fresh, caching loaders for one HTTP request of a caller's organization.
    pub fn new(app: &App, org: Uuid) -> Self {
        Self::build(app, org, true)
    }

    /// Loaders that batch but never cache, for a long-lived WebSocket connection.
    pub fn uncached(app: &App, org: Uuid) -> Self {
        Self::build(app, org, false)
    }

    fn build(app: &App, org: Uuid, cache: bool) -> Self {
        macro_rules! l {
            ($t:ident) => {{
                let l = DataLoader::with_cache($t { app: app.clone(), org }, tokio::spawn, HashMapCache::default());
                l.enable_all_cache(cache);
                l
            }};
        }
        Loaders {
            users: l!(Users),
            accounts: l!(Accounts),
            products: l!(Products),
            contacts: l!(Contacts),
            contacts_by_account: l!(ContactsByAccount),
            quotes_by_opportunity: l!(QuotesByOpportunity),
            contracts_by_opportunity: l!(ContractsByOpportunity),
            invoices_by_opportunity: l!(InvoicesByOpportunity),
            lines_by_quote: l!(LinesByQuote),
            clauses_by_contract: l!(ClausesByContract),
            payments_by_invoice: l!(PaymentsByInvoice),
            cached: cache,
        }
    }
}

/// Adds this request's loaders.
pub fn attach(req: async_graphql::Request, app: &App, org: Uuid) -> async_graphql::Request {
    req.data(Loaders::new(app, org))
}

/// The request's loaders; a schema used without [`attach`] is an internal error.
pub fn loaders<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a Loaders> {
    ctx.data_opt::<Loaders>()
        .ok_or_else(|| crate::to_gql(AppError::Internal(anyhow::anyhow!("request loaders are missing"))).extend())
}

/// Loads `keys` through `dl`'s loader at once and feeds the rows to the request's cache, where
/// the fields that follow find them. Unlike `load_many`, it does not wait out the loader's
/// batching delay, so several primes run side by side. A WebSocket's loaders keep no cache:
/// there it is an ordinary batched load.
pub async fn prime<T>(
    l: &Loaders,
    dl: &DataLoader<T, HashMapCache>,
    keys: impl IntoIterator<Item = Uuid>,
) -> async_graphql::Result<()>
where
    T: Loader<Uuid, Error = async_graphql::Error>,
{
    let mut keys: Vec<Uuid> = keys.into_iter().collect();
    keys.sort_unstable();
    keys.dedup();
    if keys.is_empty() {
        return Ok(());
    }
    if l.cached {
        dl.feed_many(dl.loader().load(&keys).await?).await;
    } else {
        dl.load_many(keys).await?;
    }
    Ok(())
}

/// Runs `f` when the field it loads for is selected.
async fn when(
    selected: bool,
    f: impl std::future::Future<Output = async_graphql::Result<()>>,
) -> async_graphql::Result<()> {
    if selected { f.await } else { Ok(()) }
}

/// Loads, in one statement per table and side by side, what the selected fields of an
/// opportunity page will ask for, so the number of statements does not depend on the page size
/// or on how the resolvers of the rows happen to interleave. The accounts are not among them:
/// a page whose fields ask for them reads them in its own statement and feeds the loader.
pub async fn prime_opportunities(ctx: &Context<'_>, rows: &[opportunity::Model]) -> async_graphql::Result<()> {
    let l = loaders(ctx)?;
    let node = ctx.look_ahead().field("edges").field("node");
    let ids = || rows.iter().map(|o| o.id);
    let accounts = || rows.iter().map(|o| o.account_id);
    let quotes = node.field("quotes");
    futures_util::future::try_join4(
        when(node.field("owner").exists(), prime(l, &l.users, rows.iter().map(|o| o.owner_id))),
        // The deal's contacts are its account's.
        when(
            node.field("contacts").exists() || node.field("account").field("contacts").exists(),
            prime(l, &l.contacts_by_account, accounts()),
        ),
        when(node.field("contracts").exists(), prime(l, &l.contracts_by_opportunity, ids())),
        when(quotes.exists(), prime(l, &l.quotes_by_opportunity, ids())),
    )
    .await?;
    if node.field("invoices").exists() || node.field("firstPaymentStatus").exists() {
        prime(l, &l.invoices_by_opportunity, ids()).await?;
    }
    if quotes.field("lines").exists() {
        let by_opp = l.quotes_by_opportunity.load_many(ids()).await?;
        prime(l, &l.lines_by_quote, by_opp.values().flatten().map(|q| q.id)).await?;
    }
    Ok(())
}
