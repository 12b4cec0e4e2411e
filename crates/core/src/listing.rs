//! Listing every connection's subaccounts, and what the last listing keeps: the rows a
//! selection is previewed from and the table is exported from.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use uuid::Uuid;

use crate::accounts_export::ExportRow;
use crate::action_env::ActionEnv;
use crate::api::{AccountRow, AccountsExported, ListEvent};
use crate::connections::Connections;
use crate::error::{Error, Result};
use crate::in_flight::OpenEntries;
use crate::jobs::ItemRef;
use crate::listing_cache::ListingCache;
use crate::model::{Action, Connection, Figures, Subaccount};

pub(crate) struct Listing {
    connections: Arc<Connections>,
    env: Arc<ActionEnv>,
    /// The last listing, so selections can be previewed without re-reading every account.
    rows: ListingCache,
}

impl Listing {
    pub fn new(connections: Arc<Connections>, env: Arc<ActionEnv>) -> Listing {
        Listing {
            connections,
            env,
            rows: ListingCache::default(),
        }
    }

    pub fn remember(&self, conn: &Connection, accounts: &[Subaccount]) {
        self.rows
            .remember(conn.id, accounts, &crate::history::now_iso());
    }

    pub fn cached(&self, conn: Uuid, id: &str) -> Option<Subaccount> {
        self.rows.get(conn, id).map(|l| l.account)
    }

    /// Forgets every row of the connections `keep` refuses.
    pub fn retain(&self, keep: impl Fn(Uuid) -> bool) {
        self.rows.retain(keep)
    }

    /// Lists every connection's subaccounts at once, streaming each page as it arrives.
    pub async fn list_all(self: &Arc<Self>, on_event: Arc<dyn Fn(ListEvent) + Send + Sync>) {
        let mut set = tokio::task::JoinSet::new();
        let conns = self.connections.all();
        let open = Arc::new(
            self.env
                .in_flight
                .open_entries(&conns)
                .await
                .unwrap_or_default(),
        );
        let held = Arc::new(self.env.in_flight.held_elsewhere(&conns).await);
        for conn in conns {
            let listing = Arc::clone(self);
            let on_event = Arc::clone(&on_event);
            let open = Arc::clone(&open);
            let held = Arc::clone(&held);
            set.spawn(async move {
                listing.rows.listing_started(conn.id);
                let result = listing.list_one(&conn, &open, &held, &on_event).await;
                on_event(match result {
                    Ok(total) => ListEvent::Done {
                        connection_id: conn.id,
                        total: total as u32,
                    },
                    Err(e) => ListEvent::Failed {
                        connection_id: conn.id,
                        error: e.to_ui(),
                    },
                });
            });
        }
        while set.join_next().await.is_some() {}
    }

    /// One connection's listing, page by page; returns how many accounts it listed.
    async fn list_one(
        &self,
        conn: &Connection,
        open: &OpenEntries,
        held: &HashMap<(String, String), String>,
        on_event: &Arc<dyn Fn(ListEvent) + Send + Sync>,
    ) -> Result<usize> {
        let api = self.connections.api_for(conn).await?;
        // A provider that reports no state: show what Subdesk last did instead.
        let recorded = if conn.provider.info().reports_status {
            HashMap::new()
        } else {
            self.env
                .history()
                .and_then(|h| h.last_succeeded(&conn.id.to_string()))
                .unwrap_or_default()
        };
        let mut sink = |page: Vec<Subaccount>| {
            self.remember(conn, &page);
            let rows = page
                .into_iter()
                .map(|s| {
                    let last = recorded.get(&s.id).cloned();
                    let key = (conn.id.to_string(), s.id.clone());
                    let mut row = AccountRow::new(conn, s);
                    row.recorded = last.map(|(action, at)| recorded_words(&action, &at));
                    row.held_elsewhere = held.get(&key).cloned();
                    match open.get(&key) {
                        Some(entry) => row.in_doubt_by(conn, entry),
                        None => row,
                    }
                })
                .collect();
            on_event(ListEvent::Page {
                connection_id: conn.id,
                rows,
            });
        };
        api.list(&mut sink).await
    }

    /// Writes the accounts table to a CSV file at `path`, whole or not at all: the rows named
    /// by `items`, in that order, as Subdesk last read them. An item Subdesk does not list (its
    /// connection was removed, or it was never listed) is left out and counted; a repeated one
    /// is written once. Nothing is written when none of them is listed.
    /// `figures`: the spend and balance last read for an account, written beside it.
    pub fn export(
        &self,
        items: &[ItemRef],
        path: &Path,
        figures: &dyn Fn(Uuid, &str) -> Option<Figures>,
    ) -> Result<AccountsExported> {
        let connections: HashMap<Uuid, Connection> = self
            .connections
            .all()
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let mut seen = std::collections::HashSet::new();
        let mut rows = Vec::with_capacity(items.len());
        let mut left_out = 0u64;
        for item in items {
            if !seen.insert(item) {
                continue;
            }
            let conn = connections.get(&item.connection_id);
            match (conn, self.rows.get(item.connection_id, &item.account_id)) {
                (Some(conn), Some(listed)) if !listed.account.is_parent => {
                    let stale = self.rows.stale_since(conn.id, &listed);
                    let shown = figures(conn.id, &listed.account.id);
                    rows.push((conn, listed.account, stale, shown));
                }
                _ => left_out += 1,
            }
        }
        if rows.is_empty() {
            return Err(Error::validation(
                "items",
                "None of these accounts is in the list any more. Refresh the list, then export again.",
            ));
        }
        let count = crate::export_file::write_atomically(path, |out| {
            crate::accounts_export::write_csv(
                rows.iter()
                    .map(|(connection, account, stale, figures)| ExportRow {
                        connection,
                        account,
                        stale_since: stale.as_deref(),
                        figures: figures.as_ref(),
                    }),
                out,
            )
        })?;
        Ok(AccountsExported {
            path: path.display().to_string(),
            count,
            left_out,
        })
    }
}

/// "Subdesk suspended it on 2026-11-24 14:02 UTC".
fn recorded_words(action: &str, at: &str) -> String {
    let done = match Action::parse(action) {
        Some(a) => crate::error::past_tense(a).to_string(),
        None => format!("ran \"{action}\" on"),
    };
    let when: String = at.chars().take(16).collect::<String>().replace('T', " ");
    format!("Subdesk {done} it on {when} UTC")
}
