//! The demo organization of the API contract, created idempotently.

use crate::admin::org::ensure_templates;
use crate::kernel::audit::AuditActor;
use crate::{App, AppError, kernel::audit};
use baton_domain::Role;
use baton_domain::text::Email;
use baton_store::entity::{organization, team, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

pub const DEMO_ORG: &str = "Demo Software Co.";
pub const DEMO_PASSWORD: &str = "demo";

/// The demo users: (e-mail, name, role).
pub const DEMO_USERS: [(&str, &str, Role); 11] = [
    ("sdr@demo.test", "Sam Reyes (SDR)", Role::Sdr),
    ("ae@demo.test", "Alex Kim (AE)", Role::AccountExecutive),
    ("salesmanager@demo.test", "Morgan Lee (Sales Manager)", Role::SalesManager),
    ("marketing@demo.test", "Maria Lopez (Marketing)", Role::Marketing),
    ("product@demo.test", "Priya Nair (Product)", Role::Product),
    ("cs@demo.test", "Chris Wu (Customer Success)", Role::CustomerSuccess),
    ("csmanager@demo.test", "Casey Brown (CS Manager)", Role::CsManager),
    ("legal@demo.test", "Lena Fischer (Legal)", Role::Legal),
    ("privacy@demo.test", "Pia Novak (Privacy Officer)", Role::PrivacyOfficer),
    ("finance@demo.test", "Frank Osei (Finance)", Role::Finance),
    ("admin@demo.test", "Ada Admin", Role::Admin),
];

/// The demo catalog: (sku, name, tier, pricing model, unit price in cents).
pub const DEMO_CATALOG: [(&str, &str, Option<&str>, &str, i64); 5] = [
    ("PLAN-BASIC", "Basic plan (per seat per month)", Some("BASIC"), "PER_SEAT", 2_900),
    ("PLAN-PRO", "Professional plan (per seat per month)", Some("PROFESSIONAL"), "PER_SEAT", 7_900),
    ("PLAN-ENT", "Enterprise plan (per seat per month)", Some("ENTERPRISE"), "PER_SEAT", 14_900),
    ("ADDON-MODULE", "Add-on module (per seat per month)", None, "PER_MODULE", 1_000),
    ("CUSTOM-DEV", "Custom development (fixed price)", None, "FIXED_PRICE", 5_000_000),
];

async fn ensure_demo_catalog(txn: &sea_orm::DatabaseTransaction, org: Uuid) -> Result<(), AppError> {
    use baton_store::entity::product;
    for (sku, name, tier, model, price) in DEMO_CATALOG {
        let exists = product::Entity::find()
            .filter(product::Column::OrganizationId.eq(org))
            .filter(product::Column::Sku.eq(sku))
            .one(txn)
            .await?;
        if exists.is_none() {
            product::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(org),
                name: Set(name.to_owned()),
                sku: Set(sku.to_owned()),
                tier: Set(tier.map(str::to_owned)),
                pricing_model: Set(model.to_owned()),
                unit_price_minor: Set(price),
                currency: Set("USD".into()),
                active: Set(true),
                created_at: Set(chrono::Utc::now()),
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(())
}

/// The demo clause library: fallback wordings legal has pre-approved.
pub const DEMO_FALLBACKS: [(&str, &str, &str); 2] = [
    (
        "SAAS_SERVICE_AGREEMENT",
        "liability",
        "Each party's total liability is limited to the fees paid in the twenty-four months before the claim.",
    ),
    (
        "SAAS_SERVICE_AGREEMENT",
        "payment_terms",
        "Invoices are payable within 45 days of issue according to the agreed payment schedule.",
    ),
];

async fn ensure_demo_fallbacks(txn: &sea_orm::DatabaseTransaction, org: Uuid, legal: Uuid) -> Result<(), AppError> {
    use baton_store::entity::clause_fallback;
    let have = clause_fallback::Entity::find().filter(clause_fallback::Column::OrganizationId.eq(org)).one(txn).await?;
    if have.is_some() {
        return Ok(());
    }
    for (kind, key, text) in DEMO_FALLBACKS {
        clause_fallback::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(org),
            template_kind: Set(kind.into()),
            clause_key: Set(key.into()),
            text: Set(text.into()),
            approved_by: Set(legal),
            active: Set(true),
            created_at: Set(chrono::Utc::now()),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

impl App {
    /// Creates the demo organization, its users and the sales team; running it again changes
    /// nothing. Returns the organization id.
    #[tracing::instrument(skip_all)]
    pub async fn seed_demo(&self) -> Result<Uuid, AppError> {
        let txn = self.tx().await?;
        let org = match organization::Entity::find().filter(organization::Column::Name.eq(DEMO_ORG)).one(&txn).await? {
            Some(o) => o,
            None => {
                let o = crate::admin::org::insert_org(&txn, DEMO_ORG).await?;
                audit::record(&txn, o.id, AuditActor::SYSTEM, "seedDemo", "organization", o.id, None::<&()>, Some(&o))
                    .await?;
                o
            }
        };
        let mut ids = std::collections::HashMap::new();
        for (email, name, role) in DEMO_USERS {
            let u = match user::Entity::find().filter(user::Column::Email.eq(email)).one(&txn).await? {
                Some(u) => u,
                None => {
                    let e = Email::parse(email).map_err(AppError::text("email"))?;
                    crate::admin::org::insert_user(&txn, org.id, name, &e, DEMO_PASSWORD, &[role]).await?
                }
            };
            ids.insert(role, u.id);
        }
        let manager = ids[&Role::SalesManager];
        let t = match team::Entity::find()
            .filter(team::Column::OrganizationId.eq(org.id))
            .filter(team::Column::ManagerId.eq(manager))
            .one(&txn)
            .await?
        {
            Some(t) => t,
            None => {
                team::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    organization_id: Set(org.id),
                    name: Set("Direct Sales".into()),
                    kind: Set("DIRECT".into()),
                    manager_id: Set(manager),
                    created_at: Set(chrono::Utc::now()),
                }
                .insert(&txn)
                .await?
            }
        };
        for role in [Role::Sdr, Role::AccountExecutive] {
            crate::admin::org::insert_member(&txn, org.id, t.id, ids[&role]).await?;
        }
        ensure_templates(&txn, org.id).await?;
        ensure_demo_catalog(&txn, org.id).await?;
        ensure_demo_fallbacks(&txn, org.id, ids[&Role::Legal]).await?;
        txn.commit().await?;
        Ok(org.id)
    }
}
