//! Who a Vobiz request is.

use axum::http::HeaderMap;

use super::error::VobizError;
use super::state::VobizWorld;
use crate::request::Principal;
use crate::shared::Shared;

/// `X-Auth-ID` / `X-Auth-Token` must name a parent, and that parent must be the `{auth_id}`
/// in the path: credentials of one account never reach another's sub-accounts.
pub(super) fn authenticate(
    shared: &Shared,
    path: &str,
    headers: &HeaderMap,
) -> Result<Principal, VobizError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let path_id = path
        .strip_prefix("/api/v1/accounts/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    let (Some(id), Some(token)) = (header("x-auth-id"), header("x-auth-token")) else {
        return Err(VobizError::UNAUTHORIZED);
    };
    let (known, forbidden) =
        shared.state(|w: &mut VobizWorld| (w.authenticate(id, token), w.forbidden));
    if id != path_id || !known {
        return Err(VobizError::UNAUTHORIZED);
    }
    // Authenticated, but this account may not manage sub-accounts (docs.vobiz.ai/errors: 403
    // means "authenticated but lacking permission").
    if forbidden {
        return Err(VobizError::FORBIDDEN);
    }
    Ok(Principal::new(id))
}
