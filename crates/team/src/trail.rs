//! The shared trail as the History view shows it: core's [`HistoryFilter`] over the team's
//! entries, each with its last outcome, as core's [`HistoryEntry`] (so the view, its filters,
//! its search and its paging are the ones of the local history).
//!
//! A team entry's id is negative (minus its id in the team database): it is never taken for an
//! entry of this desktop's own history.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use subdesk_core::history::{HistoryCode, HistoryEntry, HistoryFilter, HistoryPage, Outcome};
use subdesk_core::{Action, Connection, Provider, Status};
use tokio_postgres::types::ToSql;

use crate::{db_error, Desk, TeamError};

const COLUMNS: &str = "e.id, e.started_at, e.actor, e.operator_name, e.desktop, e.connection_label,
    e.provider, e.parent_account, e.account_id, e.account_name, e.action, e.status_before,
    e.job_id, e.snapshot, e.reason, o.outcome, o.status_after, o.request_id, o.error_code,
    o.error_message, o.duration_ms, o.reconciled, o.written_at";

/// Each entry with its last outcome: its final one, else its latest `unknown` one (the server
/// keeps which in `entry_state`, see sql/002_last_outcome.sql), else none (pending).
const FROM: &str = "entries e JOIN entry_state l ON l.entry_id = e.id
    LEFT JOIN outcomes o ON o.id = l.outcome_id";

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
#[derive(Default)]
struct Where {
    conds: Vec<String>,
    args: Vec<Box<dyn ToSql + Sync + Send>>,
    /// Some condition reads the entries table (not only `entry_state`).
    reads_entries: bool,
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

/// The entries whose text (or last outcome's text) holds `?` as History's search finds it:
/// any substring, any case, through the trigram indexes (sql/002_last_outcome.sql).
const TEXT: &str = "{e}.id IN (
    SELECT id FROM entries WHERE subdesk_entry_text(account_name, account_id, connection_label,
        actor, operator_name, desktop, reason) ILIKE ?
    UNION ALL
    SELECT t.entry_id FROM outcomes t JOIN entry_state s ON s.entry_id = t.entry_id AND s.outcome_id = t.id
    WHERE subdesk_outcome_text(t.request_id, t.error_message) ILIKE ?)";

/// Adds the filter's conditions on the entry aliased `e` and its state aliased `l`.
fn filter_into(w: &mut Where, f: &HistoryFilter, conns: &[Connection], e: &str, l: &str) {
    let on_entry = |w: &mut Where, sql: &str, v: String| {
        w.reads_entries = true;
        w.add(&sql.replace("{e}", e), v);
    };
    if let Some(t) = f.from.as_deref().and_then(when) {
        w.reads_entries = true;
        w.add(&format!("{e}.started_at >= ?"), t);
    }
    if let Some(t) = f.to.as_deref().and_then(when) {
        w.reads_entries = true;
        w.add(&format!("{e}.started_at < ?"), t);
    }
    if let Some(id) = f.connection_id.as_deref().filter(|s| !s.is_empty()) {
        // The team knows a connection by its provider and parent account.
        match conns.iter().find(|c| c.id.to_string() == id) {
            Some(c) => {
                on_entry(w, "{e}.provider = ?", c.provider.as_str().to_string());
                on_entry(w, "{e}.parent_account = ?", c.account_id.clone());
            }
            None => w.conds.push("FALSE".into()),
        }
    }
    if let Some(a) = f.account_id.as_deref().filter(|s| !s.is_empty()) {
        on_entry(w, "{e}.account_id = ?", a.to_string());
    }
    if let Some(p) = f.provider {
        on_entry(w, "{e}.provider = ?", p.as_str().to_string());
    }
    if let Some(a) = f.action {
        // With an outcome, from the state's copy: "an action and an outcome" is then one
        // index of one narrow table, for the page and its count.
        match f.outcome {
            Some(_) => w.add(&format!("{l}.action = ?"), a.as_str().to_string()),
            None => on_entry(w, "{e}.action = ?", a.as_str().to_string()),
        }
    }
    if let Some(o) = f.outcome {
        w.add(&format!("{l}.outcome = ?"), o.as_str().to_string());
    }
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        on_entry(w, TEXT, like(t));
    }
}

fn filter_sql(f: &HistoryFilter, conns: &[Connection]) -> Where {
    let mut w = Where::default();
    filter_into(&mut w, f, conns, "e", "l");
    w
}

/// The filter's entries a page below `before` (a team database id) may show: older than it,
/// and not of a job with a matching entry at or above it (a page above held that whole job).
fn unseen_below(f: &HistoryFilter, conns: &[Connection], before: Option<i64>) -> Where {
    let mut w = filter_sql(f, conns);
    let Some(b) = before else {
        return w;
    };
    w.add("e.id < ?", b);
    let mut job = Where {
        args: std::mem::take(&mut w.args),
        ..Where::default()
    };
    filter_into(&mut job, f, conns, "e2", "l2");
    job.add("e2.id >= ?", b);
    w.args = job.args;
    w.conds.push(format!(
        "(e.job_id IS NULL OR NOT EXISTS (SELECT 1 FROM entries e2
            JOIN entry_state l2 ON l2.entry_id = e2.id
          WHERE e2.job_id = e.job_id AND {}))",
        job.conds.join(" AND ")
    ));
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

/// The filter as conditions on `trail_counts` (sql/002_last_outcome.sql), when it has only
/// what that table counts by: a connection, a provider, an action, an outcome (or nothing).
fn summed(f: &HistoryFilter, conns: &[Connection]) -> Option<Where> {
    let more = f.from.as_deref().and_then(when).is_some()
        || f.to.as_deref().and_then(when).is_some()
        || f.account_id.as_deref().is_some_and(|a| !a.is_empty())
        || f.text.as_deref().is_some_and(|t| !t.trim().is_empty());
    if more {
        return None;
    }
    let mut w = Where::default();
    if let Some(id) = f.connection_id.as_deref().filter(|s| !s.is_empty()) {
        match conns.iter().find(|c| c.id.to_string() == id) {
            Some(c) => {
                w.add("c.provider = ?", c.provider.as_str().to_string());
                w.add("c.parent_account = ?", c.account_id.clone());
            }
            None => w.conds.push("FALSE".into()),
        }
    }
    if let Some(p) = f.provider {
        w.add("c.provider = ?", p.as_str().to_string());
    }
    if let Some(a) = f.action {
        w.add("c.action = ?", a.as_str().to_string());
    }
    if let Some(o) = f.outcome {
        w.add("c.outcome = ?", o.as_str().to_string());
    }
    Some(w)
}

/// How many entries match the filter: from the entries, their state, or both, as it needs.
async fn count(
    client: &tokio_postgres::Client,
    f: &HistoryFilter,
    conns: &[Connection],
) -> Result<u32, TeamError> {
    if let Some(w) = summed(f, conns) {
        let total: i64 = client
            .query_one(
                &format!(
                    "SELECT COALESCE(sum(n), 0)::bigint FROM trail_counts c WHERE {}",
                    w.sql()
                ),
                &w.refs(),
            )
            .await
            .map_err(db_error)?
            .get(0);
        return Ok(u32::try_from(total).unwrap_or(u32::MAX));
    }
    let w = filter_sql(f, conns);
    let from = match (w.reads_entries, f.outcome.is_some()) {
        (false, true) => "entry_state l",
        (true, true) => "entries e JOIN entry_state l ON l.entry_id = e.id",
        (_, false) => "entries e",
    };
    let total: i64 = client
        .query_one(
            &format!("SELECT count(*) FROM {from} WHERE {}", w.sql()),
            &w.refs(),
        )
        .await
        .map_err(db_error)?
        .get(0);
    Ok(u32::try_from(total).unwrap_or(u32::MAX))
}

impl Desk {
    /// A page of the shared trail, newest first, as History shows it, each job whole (as the
    /// local history's [`HistoryPage`]): up to `limit` entries matching `f` before
    /// `before_id` (a team entry's id, as this returns them: negative), then the rest of every
    /// job among them; a job a page above showed is left out.
    pub async fn history_page(
        &self,
        f: &HistoryFilter,
        conns: &[Connection],
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<HistoryPage, TeamError> {
        let limit = limit.clamp(1, 1000);
        // The count and the page side by side, on two of the pool's connections.
        let counted = async {
            let client = self.pool.get().await?;
            count(&client, f, conns).await
        };
        let (total, (entries, next)) =
            tokio::try_join!(counted, self.entries_page(f, conns, before_id, limit))?;
        Ok(HistoryPage {
            entries,
            total,
            has_more: next.is_some(),
            next_before_id: next.map(|cursor| -cursor),
        })
    }

    /// The entries of [`Self::history_page`], and the cursor of the next page if there is one
    /// (a team database id).
    async fn entries_page(
        &self,
        f: &HistoryFilter,
        conns: &[Connection],
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<(Vec<HistoryEntry>, Option<i64>), TeamError> {
        let client = self.pool.get().await?;
        let mut w = unseen_below(f, conns, before_id.map(i64::abs));
        // One more than the page: often enough to know that more follow.
        w.args.push(Box::new(i64::from(limit) + 1));
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE {} ORDER BY e.id DESC LIMIT ${}",
            w.sql(),
            w.args.len()
        );
        let rows = client.query(&sql, &w.refs()).await.map_err(db_error)?;
        let mut entries: Vec<HistoryEntry> = rows.iter().map(|r| entry(r, conns)).collect();
        let beyond = (entries.len() > limit as usize)
            .then(|| entries.pop())
            .flatten();
        // Ids as returned: negative; the cursor is the database's id.
        let Some(cursor) = entries.last().map(|e| e.id.abs()) else {
            return Ok((entries, None));
        };
        let jobs: BTreeSet<String> = entries.iter().filter_map(|e| e.job_id.clone()).collect();
        let mut rest = Vec::new();
        for job in &jobs {
            let mut w = filter_sql(f, conns);
            w.add("e.job_id = ?", job.clone());
            w.add("e.id < ?", cursor);
            let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE {}", w.sql());
            let rows = client.query(&sql, &w.refs()).await.map_err(db_error)?;
            rest.extend(rows.iter().map(|r| entry(r, conns)));
        }
        // Newest first: the most negative id is the oldest.
        rest.sort_by_key(|e| e.id);
        entries.extend(rest);
        // The entry below the page is the next page's first unless its job was on this page
        // (then it came with it): only then ask whether any other is left.
        let has_more = match beyond {
            None => false,
            Some(b) if b.job_id.as_ref().is_none_or(|j| !jobs.contains(j)) => true,
            Some(_) => {
                let more = unseen_below(f, conns, Some(cursor));
                client
                    .query_one(
                        &format!("SELECT EXISTS (SELECT 1 FROM {FROM} WHERE {})", more.sql()),
                        &more.refs(),
                    )
                    .await
                    .map_err(db_error)?
                    .get(0)
            }
        };
        Ok((entries, has_more.then_some(cursor)))
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
