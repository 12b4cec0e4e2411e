//! Vobiz's sub-account object.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::state::{VobizRowShape, VobizSub};

/// ISO-8601 with microseconds and `Z`, like `2026-03-25T08:33:24.700542Z`.
pub(super) fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub(super) fn sub_json(s: &VobizSub) -> Value {
    let mut v = json!({
        "name": s.name,
        "email": null,
        "phone": null,
        "description": null,
        "permissions": {"calls": true, "cdr": true},
        "rate_limit": 1000,
        "id": s.numeric_id.to_string(),
        "parent_account_id": s.parent_numeric_id.to_string(),
        "parent_auth_id": s.parent_auth_id,
        "auth_id": s.auth_id,
        "auth_token": "<redacted>",
        "api_id": s.api_id,
        "email_verified": false,
        "enabled": s.enabled,
        "created": s.created.format("%Y-%m-%d").to_string(),
        "modified": s.updated.format("%Y-%m-%d").to_string(),
        "is_active": true,
        "created_at": iso(s.created),
        "updated_at": iso(s.updated),
        "last_used": null,
        "kyc_mode": "personal_use",
        "business_type": null,
        "kyc_calls_blocked": false,
        "account": format!("/v1/Account/{}/", s.parent_auth_id),
        "resource_uri": format!("/v1/Account/{}/Subaccount/{}/", s.parent_auth_id, s.auth_id),
    });
    let obj = v.as_object_mut().expect("an object");
    match s.shape {
        VobizRowShape::Current => {}
        VobizRowShape::OnlyIsActive => {
            obj.remove("enabled");
            obj.insert("is_active".into(), json!(s.enabled));
        }
        VobizRowShape::NotActive => {
            obj.insert("is_active".into(), json!(false));
        }
        VobizRowShape::NoFlags => {
            obj.remove("enabled");
            obj.remove("is_active");
        }
    }
    v
}
