//! Twilio's account and number objects.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::state::{NumberTie, PhoneNumber, TwilioAccount};

const BASE: &str = "/2010-04-01";

/// RFC 2822 in GMT as the API writes it: `Thu, 30 Jul 2015 20:00:00 +0000`.
fn rfc2822(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

const SUBRESOURCES: &[(&str, &str)] = &[
    ("addresses", "Addresses"),
    ("conferences", "Conferences"),
    ("signing_keys", "SigningKeys"),
    ("transcriptions", "Transcriptions"),
    ("connect_apps", "ConnectApps"),
    ("sip", "SIP"),
    ("authorized_connect_apps", "AuthorizedConnectApps"),
    ("usage", "Usage"),
    ("keys", "Keys"),
    ("applications", "Applications"),
    ("recordings", "Recordings"),
    ("short_codes", "SMS/ShortCodes"),
    ("calls", "Calls"),
    ("notifications", "Notifications"),
    ("incoming_phone_numbers", "IncomingPhoneNumbers"),
    ("queues", "Queues"),
    ("messages", "Messages"),
    ("outgoing_caller_ids", "OutgoingCallerIds"),
    ("available_phone_numbers", "AvailablePhoneNumbers"),
    ("balance", "Balance"),
];

pub(super) fn account_json(a: &TwilioAccount) -> Value {
    let subresources: Map<String, Value> = SUBRESOURCES
        .iter()
        .map(|(key, name)| {
            (
                (*key).to_owned(),
                Value::String(format!("{BASE}/Accounts/{}/{name}.json", a.sid)),
            )
        })
        .collect();
    json!({
        "auth_token": a.auth_token,
        "date_created": rfc2822(a.created),
        "date_updated": rfc2822(a.updated),
        "friendly_name": a.friendly_name,
        "owner_account_sid": a.owner_account_sid,
        "sid": a.sid,
        "status": a.status.as_str(),
        "subresource_uris": subresources,
        "type": "Full",
        "uri": format!("{BASE}/Accounts/{}.json", a.sid),
    })
}

/// `+14155550123` → `(415) 555-0123`, Twilio's default friendly name for a US number.
fn national_format(e164: &str) -> String {
    match e164.strip_prefix("+1") {
        Some(d) if d.len() == 10 => format!("({}) {}-{}", &d[0..3], &d[3..6], &d[6..10]),
        _ => e164.to_owned(),
    }
}

pub(super) fn number_json(account_sid: &str, n: &PhoneNumber) -> Value {
    // A tie names an Address or Bundle of the holding account (SIDs derived from the number's).
    let tie_sid = |prefix: &str| Value::String(format!("{prefix}{}", &n.sid[2..]));
    let (requirements, address_sid, bundle_sid) = match n.tied_to {
        None => ("none", Value::Null, Value::Null),
        Some(NumberTie::Address) => ("any", tie_sid("AD"), Value::Null),
        Some(NumberTie::Bundle) => ("none", Value::Null, tie_sid("BU")),
    };
    json!({
        "account_sid": account_sid,
        "address_requirements": requirements,
        "address_sid": address_sid,
        "api_version": "2010-04-01",
        "beta": false,
        "bundle_sid": bundle_sid,
        "capabilities": {"fax": false, "mms": true, "sms": true, "voice": true},
        "date_created": rfc2822(n.created),
        "date_updated": rfc2822(n.created),
        "emergency_address_sid": null,
        "emergency_address_status": "unregistered",
        "emergency_status": "Inactive",
        "friendly_name": national_format(&n.phone_number),
        "identity_sid": null,
        "origin": "twilio",
        "phone_number": n.phone_number,
        "sid": n.sid,
        "sms_application_sid": "",
        "sms_fallback_method": "POST",
        "sms_fallback_url": "",
        "sms_method": "POST",
        "sms_url": "",
        "status": "in-use",
        "status_callback": "",
        "status_callback_method": "POST",
        "trunk_sid": null,
        "type": "local",
        "uri": format!("{BASE}/Accounts/{account_sid}/IncomingPhoneNumbers/{}.json", n.sid),
        "voice_application_sid": null,
        "voice_caller_id_lookup": false,
        "voice_fallback_method": "POST",
        "voice_fallback_url": null,
        "voice_method": "POST",
        "voice_receive_mode": "voice",
        "voice_url": null,
    })
}
