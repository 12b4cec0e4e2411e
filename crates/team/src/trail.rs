//! The shared trail as the History view shows it: core's [`HistoryFilter`] over the team's
//! entries, each with its last outcome, as core's [`HistoryEntry`] (so the view, its filters,
//! its search and its paging are the ones of the local history).
//!
//! A team entry's id is negative (minus its id in the team database): it is never taken for an
//! entry of this desktop's own history.

use chrono::{DateTime, NaiveDate, Utc};
use subdesk_core::history::{HistoryCode, HistoryEntry, HistoryFilter, HistoryPage, Outcome};
use subdesk_core::{Action, Connection, Provider, Status};
use tokio_postgres::types::ToSql;

use crate::{db_error, Desk, TeamError};

const COLUMNS: &str = "e.id, e.started_at, e.actor, e.operator_name, e.desktop, e.connection_label,
    e.provider, e.parent_account, e.account_id, e.account_name, e.action, e.status_before,
    e.job_id, e.snapshot, e.reason, o.outcome, o.status_after, o.request_id, o.error_code,
    o.error_message, o.duration_ms, o.reconciled, o.written_at";

/// Each entry with its final outcome, or its latest `unknown` one.
const FROM: &str = "entries e LEFT JOIN LATERAL (
        SELECT * FROM outcomes o WHERE o.entry_id = e.id
        ORDER BY (o.outcome = 'unknown'), o.id DESC LIMIT 1) o ON TRUE";

/// An ISO-8601 time, or a day (its midnight, UTC).
fn when(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

/// `%`, `_` and `\` taken literally in an ILIKE pattern.
fn like(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The WHERE clause and its arguments for a filter.
struct Where {
    conds: Vec<String>,
    args: Vec<Box<dyn ToSql + Sync + Send>>,
}

impl Where {
    /// A condition; each `?` in it is `value`.
    fn add(&mut self, sql: &str, value: impl ToSql + Sync + Send + 'static) {
        self.args.push(Box::new(value));
        self.conds
            .push(sql.replace('?', &format!("${}", self.args.len())));
    }

    fn sql(&self) -> String {
        if self.conds.is_empty() {
            "TRUE".into()
        } else {
            self.conds.join(" AND ")
        }
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.args
            .iter()
            .map(|a| a.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

fn filter_sql(f: &HistoryFilter, conns: &[Connection]) -> Where {
    let mut w = Where {
        conds: Vec::new(),
        args: Vec::new(),
    };
    if let Some(t) = f.from.as_deref().and_then(when) {
        w.add("e.started_at >= ?", t);
    }
    if let Some(t) = f.to.as_deref().and_then(when) {
        w.add("e.started_at < ?", t);
    }
    if let Some(id) = f.connection_id.as_deref().filter(|s| !s.is_empty()) {
        // The team knows a connection by its provider and parent account.
        match conns.iter().find(|c| c.id.to_string() == id) {
            Some(c) => {
                w.add("e.provider = ?", c.provider.as_str().to_string());
                w.add("e.parent_account = ?", c.account_id.clone());
            }
            None => w.conds.push("FALSE".into()),
        }
    }
    if let Some(a) = f.account_id.as_deref().filter(|s| !s.is_empty()) {
        w.add("e.account_id = ?", a.to_string());
    }
    if let Some(p) = f.provider {
        w.add("e.provider = ?", p.as_str().to_string());
    }
    if let Some(a) = f.action {
        w.add("e.action = ?", a.as_str().to_string());
    }
    if let Some(o) = f.outcome {
        w.add("COALESCE(o.outcome, 'pending') = ?", o.as_str().to_string());
    }
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        w.add(
            "(e.account_name ILIKE ? OR e.account_id ILIKE ? OR e.connection_label ILIKE ?
              OR e.actor ILIKE ? OR e.operator_name ILIKE ? OR e.desktop ILIKE ?
              OR e.reason ILIKE ? OR o.request_id ILIKE ? OR o.error_message ILIKE ?)",
            like(t),
        );
    }
    w
}

/// A row of the trail as a History entry; `conns` give it this desktop's connection when one
/// has the same provider and parent account.
fn entry(r: &tokio_postgres::Row, conns: &[Connection]) -> HistoryEntry {
    let provider: String = r.get(6);
    let parent: String = r.get(7);
    let conn = conns
        .iter()
        .find(|c| c.provider.as_str() == provider && c.account_id == parent);
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let status = |s: Option<String>| s.map(|s| Status::parse(&s));
    let outcome: Option<String> = r.get(15);
    let written: Option<DateTime<Utc>> = r.get(22);
    let outcome = outcome.map_or(Outcome::Pending, |o| Outcome::parse(&o));
    HistoryEntry {
        id: -r.get::<_, i64>(0),
        started_at: time(r.get(1)),
        finished_at: written.filter(|_| outcome != Outcome::Unknown).map(time),
        actor: r.get(2),
        operator_name: r.get(3),
        desktop: Some(r.get(4)),
        connection_id: conn.map(|c| c.id.to_string()).unwrap_or_default(),
        connection_label: r.get(5),
        provider: Provider::parse(&provider),
        account_id: r.get(8),
        account_name: r.get(9),
        action: Action::parse(&r.get::<_, String>(10)),
        status_before: status(r.get(11)),
        job_id: r.get(12),
        snapshot: r.get(13),
        reason: r.get(14),
        outcome,
        status_after: status(r.get(16)),
        request_id: r.get(17),
        error_code: r
            .get::<_, Option<String>>(18)
            .map(|c| HistoryCode::parse(&c)),
        error_message: r.get(19),
        duration_ms: r.get(20),
        reconciled: r.get::<_, Option<bool>>(21).unwrap_or(false),
    }
}

impl Desk {
    /// A page of the shared trail, newest first, as History shows it: the entries matching
    /// `f` before `before_id` (a team entry's id, as this returns them: negative).
    pub async fn history_page(
        &self,
        f: &HistoryFilter,
        conns: &[Connection],
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<HistoryPage, TeamError> {
        let limit = limit.clamp(1, 1000);
        let client = self.pool.get().await?;
        let mut w = filter_sql(f, conns);
        // The outcomes are joined for the count only when the filter asks about them: counting
        // a million entries each with its last outcome takes seconds, without it a fraction.
        let needs_outcome =
            f.outcome.is_some() || f.text.as_deref().is_some_and(|t| !t.trim().is_empty());
        let count_from = if needs_outcome { FROM } else { "entries e" };
        let total: i64 = client
            .query_one(
                &format!("SELECT count(*) FROM {count_from} WHERE {}", w.sql()),
                &w.refs(),
            )
            .await
            .map_err(db_error)?
            .get(0);
        if let Some(b) = before_id {
            w.add("e.id < ?", b.abs());
        }
        w.args.push(Box::new(i64::from(limit) + 1));
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE {} ORDER BY e.id DESC LIMIT ${}",
            w.sql(),
            w.args.len()
        );
        let rows = client.query(&sql, &w.refs()).await.map_err(db_error)?;
        let mut entries: Vec<HistoryEntry> = rows.iter().map(|r| entry(r, conns)).collect();
        let has_more = entries.len() > limit as usize;
        entries.truncate(limit as usize);
        // The next page starts below this one's oldest entry (ids as returned: negative).
        // Unlike the local history, a job may still be split between two pages of the trail.
        let next_before_id = has_more.then(|| entries.last().map(|e| e.id)).flatten();
        Ok(HistoryPage {
            entries,
            total: u32::try_from(total).unwrap_or(u32::MAX),
            has_more,
            next_before_id,
        })
    }

    /// The origin of a team entry (as [`Self::history_page`] gives its id), to find it in this
    /// desktop's history when this desktop wrote it.
    pub async fn origin_of(&self, id: i64) -> Result<Option<String>, TeamError> {
        let client = self.pool.get().await?;
        Ok(client
            .query_opt("SELECT origin FROM entries WHERE id = $1", &[&id.abs()])
            .await
            .map_err(db_error)?
            .map(|r| r.get(0)))
    }
}
