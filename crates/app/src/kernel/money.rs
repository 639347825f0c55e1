//! Money in minor units: the ledger stores every amount as whole hundredths, and every amount
//! of a currency with fewer minor digits (JPY) as a whole multiple of its unit.

use crate::AppError;
use baton_domain::{Currency, Money};
use rust_decimal::Decimal;

pub use baton_domain::money::{amount_of, ledger_unit_of};

/// `money` in hundredths, or `BAD_USER_INPUT` naming `field` when it does not fit.
pub fn minor(field: &str, money: &Money) -> Result<i64, AppError> {
    money.minor().map_err(|m| AppError::bad_input(field, m))
}

/// The currency of a stored row.
pub fn stored_currency(code: &str) -> Result<Currency, AppError> {
    Currency::parse(code).map_err(|m| AppError::Internal(anyhow::anyhow!("stored currency: {m}")))
}

/// A bound of a filter in hundredths: any precision, rounded to the hundredth.
pub fn bound_minor(amount: Decimal) -> Result<i64, AppError> {
    baton_domain::money::hundredths_of(amount).ok_or_else(|| AppError::bad_input("amount", "is too large"))
}

/// An amount with at most the ledger's two decimals in hundredths, `BAD_USER_INPUT` naming
/// `field` otherwise; for a setting whose currency is checked afterwards ([`check_whole`]).
pub fn hundredths(field: &str, amount: Decimal) -> Result<i64, AppError> {
    if amount.normalize().scale() > baton_domain::money::LEDGER_DIGITS {
        return Err(AppError::bad_input(field, "has at most two decimal places"));
    }
    bound_minor(amount).map_err(|_| AppError::bad_input(field, "is too large"))
}

/// Checks that every amount setting of the organization (as it will be written) is whole in
/// its currency, naming the field that sets it.
pub fn check_org_amounts(
    currency: &Currency,
    am: &baton_store::entity::organization::ActiveModel,
) -> Result<(), AppError> {
    let v = |a: &sea_orm::ActiveValue<i64>| a.try_as_ref().copied();
    check_whole(
        currency,
        &[
            ("enterpriseThreshold", v(&am.enterprise_threshold_minor)),
            ("referralReward", v(&am.referral_reward_minor)),
            ("giftThreshold", v(&am.gift_threshold_minor)),
            ("commissionBigDealThreshold", v(&am.commission_big_deal_minor)),
            ("reviewAboveValue", am.review_above_minor.try_as_ref().copied().flatten()),
        ],
    )
}

/// Checks that each stored amount (in hundredths, named by the input field that sets it) is a
/// whole number of units of `currency`: a setting kept in cents cannot silently become a
/// fraction of a yen when the organization changes its currency.
pub fn check_whole(currency: &Currency, amounts: &[(&str, Option<i64>)]) -> Result<(), AppError> {
    let unit = currency.ledger_unit();
    for (field, minor) in amounts {
        if let Some(m) = minor
            && m % unit != 0
        {
            return Err(AppError::bad_input(
                field,
                format!(
                    "{} is not a whole amount of {currency}, which has {} minor digits: give it with the change",
                    Decimal::new(*m, baton_domain::money::LEDGER_DIGITS),
                    currency.minor_digits()
                ),
            ));
        }
    }
    Ok(())
}

/// The smallest unit of the organization's currency, in hundredths (1 for USD, 100 for JPY):
/// figures computed from its amounts round to it.
pub async fn org_unit<C: sea_orm::ConnectionTrait>(db: &C, org: uuid::Uuid) -> Result<i64, AppError> {
    Ok(ledger_unit_of(&crate::kernel::tx::load_org(db, org).await?.currency))
}
