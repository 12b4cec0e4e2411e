//! Twilio's Usage Records, daily: `GET /2010-04-01/Accounts/{AccountSid}/Usage/Records/Daily.json`
//! (operationId `ListUsageRecordDaily` in the official spec), one record a day and category.
//!
//! Only the `totalprice` category is modelled (what a day cost, in the account's currency):
//! each day of an account costs its `daily_spend`. Asked for another category, the list is
//! empty; asked for none, it holds the `totalprice` records. `StartDate` and `EndDate` are
//! `YYYY-MM-DD` in GMT (the spec's offsets such as `-30days` are not modelled and answer
//! 400); the list stops at today. Prices are written as strings with four decimals, as the
//! spec's examples do (its schema says number: the adapter reads either).

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;
use axum::response::Response;
use axum::Extension;
use chrono::{Duration as ChronoDuration, NaiveDate, Utc};
use serde_json::{json, Value};

use super::auth::{own_resources_only, readable_while_not_active, resolve};
use super::error::TwilioError;
use super::paging::{envelope, first, paginate, parse_paging, query_pairs};
use super::state::TwilioWorld;
use crate::request::Ctx;
use crate::shared::Shared;

/// The one category the simulator keeps records of.
const TOTAL_PRICE: &str = "totalprice";
/// The longest range one request may cover, so a wild `StartDate` cannot build a huge list.
const MAX_DAYS: i64 = 3_660;

/// `GET /2010-04-01/Accounts/{AccountSid}/Usage/Records/Daily.json`.
pub(super) async fn list_daily(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    sid: Result<Path<String>, PathRejection>,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, TwilioError> {
    let path = uri.path();
    let Ok(Path(sid)) = sid else {
        return Err(TwilioError::not_found(path));
    };
    let pairs = query_pairs(raw.as_deref())?;
    let paging = parse_paging(&pairs)?;
    let today = Utc::now().date_naive();
    let start = date_param(&pairs, "StartDate")?.unwrap_or(today - ChronoDuration::days(30));
    let end = date_param(&pairs, "EndDate")?.unwrap_or(today).min(today);
    if let Some(v) = first(&pairs, "IncludeSubaccounts") {
        if v != "true" && v != "false" {
            return Err(TwilioError::bad_request(
                20001,
                format!("Invalid IncludeSubaccounts {v:?}: must be true or false"),
            ));
        }
    }
    let category = first(&pairs, "Category");
    let days: Vec<NaiveDate> = if category.is_none_or(|c| c == TOTAL_PRICE) && start <= end {
        let count = (end - start).num_days().min(MAX_DAYS);
        (0..=count)
            .map(|d| start + ChronoDuration::days(d))
            .collect()
    } else {
        Vec::new()
    };
    shared.state(|world: &mut TwilioWorld| {
        let account = resolve(world, &ctx, &sid, path)?;
        own_resources_only(&ctx, account)?;
        readable_while_not_active(world, account)?;
        let keys: Vec<String> = days.iter().map(|d| format!("{TOTAL_PRICE}{d}")).collect();
        let all: Vec<&str> = keys.iter().map(String::as_str).collect();
        let kept: Vec<(usize, &str)> = all.iter().copied().enumerate().collect();
        let mut filters = Vec::new();
        if let Some(c) = category {
            filters.push(("Category", c));
        }
        let paged = paginate(path, &filters, &all, &kept, &paging)?;
        let items = days[paged.start..paged.end_exclusive]
            .iter()
            .map(|day| record(&account.sid, *day, account.daily_spend))
            .collect();
        Ok(envelope(paged, "usage_records", items))
    })
}

/// A date query parameter: absent, or `YYYY-MM-DD`.
fn date_param(pairs: &[(String, String)], key: &str) -> Result<Option<NaiveDate>, TwilioError> {
    match first(pairs, key) {
        None => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                TwilioError::bad_request(20001, format!("Invalid {key} {v:?}: use YYYY-MM-DD"))
            }),
    }
}

/// One day's `totalprice` record (`api.v2010.account.usage.usage_record.usage_record_daily`).
fn record(sid: &str, day: NaiveDate, ten_thousandths: u64) -> Value {
    let price = format!(
        "{}.{:04}",
        ten_thousandths / 10_000,
        ten_thousandths % 10_000
    );
    json!({
        "account_sid": sid,
        "api_version": "2010-04-01",
        "as_of": Utc::now().format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
        "category": TOTAL_PRICE,
        "count": null,
        "count_unit": "",
        "description": "Total Price",
        "end_date": day.to_string(),
        "price": price,
        "price_unit": "usd",
        "start_date": day.to_string(),
        "subresource_uris": null,
        "uri": format!("/2010-04-01/Accounts/{sid}/Usage/Records/Daily.json?Category={TOTAL_PRICE}&StartDate={day}&EndDate={day}"),
        "usage": price,
        "usage_unit": "usd",
    })
}
