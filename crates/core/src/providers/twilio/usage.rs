//! What a subaccount spent: its daily `totalprice` Usage Records
//! (`GET /2010-04-01/Accounts/{AccountSid}/Usage/Records/Daily.json`, operationId
//! `ListUsageRecordDaily` in Twilio's OpenAPI document), read with the parent's credentials.
//! One request covers the last 30 days and this month: the figures are the sums of the days
//! each covers (see `assumptions.rs`, *Spend per subaccount*).

use chrono::{Datelike, Duration as ChronoDuration, NaiveDate, Utc};
use serde::Deserialize;

use super::{TwilioApi, API_PREFIX, MAX_PAGES};
use crate::error::{Error, Result};
use crate::model::{Figures, Money};
use crate::providers::parse_json;

/// The usage category of what everything cost (Twilio's usage categories page).
const TOTAL_PRICE: &str = "totalprice";
/// Days in the Spend column's window, today included.
pub(crate) const WINDOW_DAYS: i64 = 30;

#[derive(Deserialize)]
struct DailyList {
    usage_records: Vec<DailyRecord>,
    next_page_uri: Option<String>,
}

/// `usage_record_daily`: `price` is a number in the schema and a string in its examples;
/// either is read.
#[derive(Deserialize)]
struct DailyRecord {
    start_date: Option<String>,
    price: Option<serde_json::Value>,
    price_unit: Option<String>,
}

/// The days the request covers: the 30 days ending today, and this month's.
pub(crate) struct Window {
    pub(crate) today: NaiveDate,
    pub(crate) from_30: NaiveDate,
    pub(crate) month_start: NaiveDate,
}

impl Window {
    pub(crate) fn ending(today: NaiveDate) -> Window {
        Window {
            today,
            from_30: today - ChronoDuration::days(WINDOW_DAYS - 1),
            month_start: today.with_day(1).unwrap_or(today),
        }
    }

    fn first_day(&self) -> NaiveDate {
        self.from_30.min(self.month_start)
    }
}

/// The spend of the days in `[from, ..]`, or why it cannot be added up.
fn sum_from(
    records: &[(NaiveDate, String, String)],
    from: NaiveDate,
) -> Result<Option<Money>, String> {
    let days: Vec<&(NaiveDate, String, String)> =
        records.iter().filter(|(d, _, _)| *d >= from).collect();
    let mut currencies: Vec<&str> = days.iter().map(|(_, _, c)| c.as_str()).collect();
    currencies.sort_unstable();
    currencies.dedup();
    if currencies.len() > 1 {
        return Err(format!(
            "Twilio reported this spend in more than one currency ({}), which Subdesk does not add together.",
            currencies.join(", ")
        ));
    }
    let amount = crate::money::sum(days.iter().map(|(_, p, _)| p.as_str())).ok_or_else(|| {
        "Twilio reported a daily price Subdesk cannot read as an amount.".to_string()
    })?;
    Ok(Some(Money {
        amount,
        currency: currencies.first().map(|c| (*c).to_string()),
    }))
}

/// A record's price as written (a JSON string or number); a null price is no spend.
fn price_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl TwilioApi {
    /// Every daily `totalprice` record of `sid` from `first` to `today`, as (day, price,
    /// currency in capitals).
    async fn daily_prices(
        &self,
        sid: &str,
        w: &Window,
    ) -> Result<Vec<(NaiveDate, String, String)>> {
        let mut url = format!(
            "{}{API_PREFIX}/Accounts/{sid}/Usage/Records/Daily.json?Category={TOTAL_PRICE}&StartDate={}&EndDate={}&IncludeSubaccounts=false&PageSize=100",
            self.base_url,
            w.first_day(),
            w.today
        );
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let raw = self.get(&url).await.map_err(|e| e.error)?;
            let page: DailyList = parse_json(raw)?;
            for r in page.usage_records {
                let day = r
                    .start_date
                    .as_deref()
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
                let (Some(day), Some(price)) = (day, r.price.as_ref().and_then(price_text)) else {
                    continue;
                };
                let currency = r.price_unit.unwrap_or_default().to_ascii_uppercase();
                out.push((day, price, currency));
            }
            match page.next_page_uri {
                Some(next) => url = self.next_url(&next)?,
                None => return Ok(out),
            }
        }
        Err(Error::UnexpectedResponse {
            detail: "Twilio kept returning more pages of usage records".into(),
        })
    }

    /// The Spend figures of `sid`, with the balance's note: Twilio keeps no balance per
    /// subaccount. A read that fails gives a note with the reason, never an error, so a
    /// preview always shows it and goes on.
    pub(super) async fn usage_figures(&self, sid: &str) -> Result<Figures> {
        self.check_sid(sid)?;
        let w = Window::ending(Utc::now().date_naive());
        let read = match self.daily_prices(sid, &w).await {
            Ok(records) => sum_from(&records, w.from_30)
                .and_then(|d30| sum_from(&records, w.month_start).map(|m| (d30, m))),
            Err(e) => Err(match self.unreadable(sid, e).await {
                Ok(why) => why.sentence("spend"),
                Err(e) => format!("Could not read the spend: {}", e.user_message()),
            }),
        };
        let (spend_30_days, spend_this_month, spend_note) = match read {
            Ok((d30, month)) => (d30, month, None),
            Err(note) => (None, None, Some(note)),
        };
        Ok(Figures {
            spend_30_days,
            spend_this_month,
            spend_note,
            balance: None,
            balance_note: Some(super::assumptions::SHARED_BALANCE.into()),
            read_at: crate::history::now_iso(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_window_covers_thirty_days_and_the_month() {
        let w = Window::ending(day("2026-12-03"));
        assert_eq!(w.from_30, day("2026-11-04"));
        assert_eq!(w.month_start, day("2026-12-01"));
        assert_eq!(w.first_day(), day("2026-11-04"));
        let w = Window::ending(day("2026-12-31"));
        assert_eq!(w.first_day(), day("2026-12-01"));
    }

    #[test]
    fn sums_one_currency_and_refuses_two() {
        let r = vec![
            (day("2026-11-30"), "1.5".to_string(), "USD".to_string()),
            (day("2026-12-01"), "0.0075".to_string(), "USD".to_string()),
        ];
        let m = sum_from(&r, day("2026-12-01")).unwrap().unwrap();
        assert_eq!(
            (m.amount.as_str(), m.currency.as_deref()),
            ("0.0075", Some("USD"))
        );
        assert_eq!(
            sum_from(&r, day("2026-11-01")).unwrap().unwrap().amount,
            "1.5075"
        );
        let mut two = r.clone();
        two.push((day("2026-12-02"), "1".into(), "EUR".into()));
        assert!(sum_from(&two, day("2026-11-01"))
            .unwrap_err()
            .contains("EUR, USD"));
    }

    #[test]
    fn a_price_is_read_as_a_string_or_a_number() {
        assert_eq!(price_text(&serde_json::json!("0.25")).unwrap(), "0.25");
        assert_eq!(price_text(&serde_json::json!(0.25)).unwrap(), "0.25");
        assert!(price_text(&serde_json::Value::Null).is_none());
    }
}
