//! Who a Twilio request is, and what its credentials may reach.

use axum::http::HeaderMap;

use super::error::TwilioError;
use super::state::{TwilioAccount, TwilioKeyKind, TwilioWorld};
use crate::provider::basic_credentials;
use crate::request::{Ctx, Principal};
use crate::shared::Shared;

/// HTTP Basic: an Account SID with its auth token, or a Main API key with its secret.
pub(super) fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Principal, TwilioError> {
    let (user, password) = basic_credentials(headers).ok_or_else(TwilioError::unauthorized)?;
    let caller = shared
        .state(|w: &mut TwilioWorld| w.authenticate(&user, &password))
        .ok_or_else(TwilioError::unauthorized)?;
    Ok(Principal::new(caller.account_sid).with(KeyUsed(caller.key)))
}

/// Which API key, if any, the request authenticated with (rather than an account's own
/// auth token).
#[derive(Debug, Clone, Copy)]
struct KeyUsed(Option<TwilioKeyKind>);

fn key_used(ctx: &Ctx) -> Option<TwilioKeyKind> {
    ctx.principal.detail::<KeyUsed>().and_then(|k| k.0)
}

/// A Standard API key may use everything except the Accounts resource itself
/// (twilio.com/docs/iam/api-keys): listing, fetching or updating accounts is refused.
pub(super) fn accounts_resource_allowed(ctx: &Ctx) -> Result<(), TwilioError> {
    if key_used(ctx) == Some(TwilioKeyKind::Standard) {
        return Err(TwilioError::unauthorized());
    }
    Ok(())
}

/// "Main account API Keys are only available to access main account resources. Access to
/// subaccount resources will be denied." (twilio.com/docs/iam/api/subaccounts): an API key
/// reaching into a subaccount's own resources is refused with Twilio's 401.
pub(super) fn own_resources_only(ctx: &Ctx, account: &TwilioAccount) -> Result<(), TwilioError> {
    if key_used(ctx).is_some() && account.sid != ctx.principal.parent {
        return Err(TwilioError::unauthorized());
    }
    Ok(())
}

/// Error 20003's page lists "the account is suspended or closed" among its causes: with the
/// switch on, a suspended or closed subaccount's own resources (numbers, balance) answer 401
/// 20003 even to its parent (see [`crate::TwilioConfig::suspended_reads_refused`]).
pub(super) fn readable_while_not_active(
    world: &TwilioWorld,
    account: &TwilioAccount,
) -> Result<(), TwilioError> {
    let subaccount = account.owner_account_sid != account.sid;
    if world.switches.suspended_reads_refused
        && subaccount
        && account.status != super::state::AccountStatus::Active
    {
        return Err(TwilioError::unauthorized());
    }
    Ok(())
}

/// The account at `sid` as these credentials may see it. An API key used on another
/// parent's account fails authentication (the key is not valid there); an Account SID's
/// token just does not see foreign accounts (404), as Twilio answers.
pub(super) fn resolve<'w>(
    world: &'w TwilioWorld,
    ctx: &Ctx,
    sid: &str,
    path: &str,
) -> Result<&'w TwilioAccount, TwilioError> {
    if let Some(account) = world.visible(&ctx.principal.parent, sid) {
        return Ok(account);
    }
    if key_used(ctx).is_some() && world.owner_of(sid).is_some() {
        return Err(TwilioError::unauthorized());
    }
    Err(TwilioError::not_found(path))
}
