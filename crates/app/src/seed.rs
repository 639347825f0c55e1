//! The demo organization of the API contract, created idempotently.

use crate::audit::AuditActor;
use crate::{App, AppError, admin, audit};
use baton_domain::Role;
use baton_domain::text::Email;
use baton_store::entity::{organization, team, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

pub const DEMO_ORG: &str = "Demo Software Co.";
pub const DEMO_PASSWORD: &str = "demo";

/// The demo users: (e-mail, name, role).
pub const DEMO_USERS: [(&str, &str, Role); 10] = [
    ("sdr@demo.test", "Sam Reyes (SDR)", Role::Sdr),
    ("ae@demo.test", "Alex Kim (AE)", Role::AccountExecutive),
    (
        "salesmanager@demo.test",
        "Morgan Lee (Sales Manager)",
        Role::SalesManager,
    ),
    (
        "marketing@demo.test",
        "Maria Lopez (Marketing)",
        Role::Marketing,
    ),
    ("product@demo.test", "Priya Nair (Product)", Role::Product),
    (
        "cs@demo.test",
        "Chris Wu (Customer Success)",
        Role::CustomerSuccess,
    ),
    (
        "csmanager@demo.test",
        "Casey Brown (CS Manager)",
        Role::CsManager,
    ),
    ("legal@demo.test", "Lena Fischer (Legal)", Role::Legal),
    ("finance@demo.test", "Frank Osei (Finance)", Role::Finance),
    ("admin@demo.test", "Ada Admin", Role::Admin),
];

impl App {
    /// Creates the demo organization, its users and the sales team; running it again changes
    /// nothing. Returns the organization id.
    pub async fn seed_demo(&self) -> Result<Uuid, AppError> {
        let txn = self.tx().await?;
        let org = match organization::Entity::find()
            .filter(organization::Column::Name.eq(DEMO_ORG))
            .one(&txn)
            .await?
        {
            Some(o) => o,
            None => {
                let o = admin::insert_org(&txn, DEMO_ORG).await?;
                audit::record(
                    &txn,
                    o.id,
                    AuditActor::SYSTEM,
                    "seedDemo",
                    "organization",
                    o.id,
                    None::<&()>,
                    Some(&o),
                )
                .await?;
                o
            }
        };
        let mut ids = std::collections::HashMap::new();
        for (email, name, role) in DEMO_USERS {
            let u = match user::Entity::find()
                .filter(user::Column::Email.eq(email))
                .one(&txn)
                .await?
            {
                Some(u) => u,
                None => {
                    let e = Email::parse(email).map_err(AppError::text("email"))?;
                    admin::insert_user(&txn, org.id, name, &e, DEMO_PASSWORD, &[role]).await?
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
            admin::insert_member(&txn, org.id, t.id, ids[&role]).await?;
        }
        txn.commit().await?;
        Ok(org.id)
    }
}
