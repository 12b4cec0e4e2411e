//! Turning the connection form into a connection (not yet saved), checking every field against
//! the provider's description.

use uuid::Uuid;

use crate::api::NewConnection;
use crate::error::{Error, Result};
use crate::model::{Connection, Provider};
use crate::providers::catalog::{self, FieldKind};
use crate::providers::http;

/// A connection's name as typed, or why it cannot be one.
pub(crate) fn checked_label(label: &str) -> Result<&str> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 80 {
        return Err(Error::validation(
            "label",
            "Give the connection a name of 1 to 80 characters.",
        ));
    }
    Ok(label)
}

/// The connection the form describes; `saved`: the saved connections, so the same account is
/// not connected twice.
pub(crate) fn draft(input: &NewConnection, saved: &[Connection]) -> Result<Connection> {
    let label = checked_label(&input.label)?;
    if input.secret.is_blank() || input.secret.expose().trim().chars().any(char::is_control) {
        return Err(Error::validation(
            "secret",
            "Enter the Auth Token (or the API key's secret).",
        ));
    }
    check_fields(input)?;
    let account_id = input.account_id.trim().to_string();
    let drafted = input.provider.spec().draft(input)?;
    let base_url = base_url(input.base_url.as_deref(), drafted.base_url, input.provider)?;
    let dup = saved.iter().find(|c| {
        !account_id.is_empty()
            && c.provider == input.provider
            && c.account_id == account_id
            && c.base_url == base_url
    });
    if let Some(d) = dup {
        return Err(Error::validation(
            "accountId",
            format!("This account is already connected as \"{}\".", d.label),
        ));
    }
    Ok(Connection {
        id: Uuid::new_v4(),
        provider: input.provider,
        label: label.to_string(),
        account_id,
        base_url,
        parent_name: None,
        demo: false,
        options: drafted.options,
    })
}

/// Every field the provider's form declares: present when required, of its pattern, and for a
/// choice one of its answers; an option the provider does not declare is refused.
fn check_fields(input: &NewConnection) -> Result<()> {
    let info = input.provider.info();
    if let Some(key) = input.options.keys().find(|k| {
        matches!(k.as_str(), "accountId" | "secret") || !info.fields.iter().any(|f| &f.key == *k)
    }) {
        return Err(Error::validation(
            key,
            format!("A {} connection has no field \"{key}\".", info.name),
        ));
    }
    for f in &info.fields {
        if f.kind == FieldKind::Secret {
            continue;
        }
        let value = input.field(&f.key).map(str::trim).unwrap_or("");
        if f.kind == FieldKind::Choice {
            if !value.is_empty() && !f.options.iter().any(|o| o.value == value) {
                return Err(Error::validation(
                    &f.key,
                    format!("Choose one of the answers offered for \"{}\".", f.label),
                ));
            }
            continue;
        }
        if value.is_empty() {
            // A field shown only for a choice (Twilio's key SID) is checked when present.
            if f.required && f.shown_when.is_none() {
                return Err(Error::validation(&f.key, f.missing.clone()));
            }
            continue;
        }
        if let Some(p) = &f.pattern {
            if !catalog::matches(p, value) {
                return Err(Error::validation(&f.key, f.invalid.clone()));
            }
        }
    }
    Ok(())
}

fn base_url(advanced: Option<&str>, regional: Option<String>, p: Provider) -> Result<String> {
    match advanced.map(str::trim).filter(|s| !s.is_empty()) {
        Some(u) => http::validate_base_url(u),
        None => Ok(regional.unwrap_or_else(|| p.default_base_url().to_string())),
    }
}
