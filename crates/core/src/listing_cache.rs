//! The last listing, kept so selections can be previewed and the table exported without
//! re-reading every account; with when each row was last read, so a row kept from an earlier
//! listing (its connection did not answer the latest one) is known as such.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use uuid::Uuid;

use crate::model::Subaccount;

#[derive(Default)]
pub(crate) struct ListingCache {
    rows: RwLock<HashMap<(Uuid, String), Listed>>,
    /// Each connection's latest listing, by its place in `order`.
    started: RwLock<HashMap<Uuid, u64>>,
    /// Orders reads and listing starts: two can fall in the same millisecond.
    order: AtomicU64,
}

#[derive(Clone)]
pub(crate) struct Listed {
    pub account: Subaccount,
    /// When the provider last reported this row (a listing page or a re-read).
    pub read_at: String,
    seq: u64,
}

impl ListingCache {
    pub fn remember(&self, conn: Uuid, accounts: &[Subaccount], now: &str) {
        let mut rows = self.rows.write().expect("poisoned");
        let seq = self.order.fetch_add(1, Ordering::SeqCst);
        for a in accounts {
            let mut a = a.clone();
            a.connection_id = conn;
            rows.insert(
                (conn, a.id.clone()),
                Listed {
                    account: a,
                    read_at: now.to_string(),
                    seq,
                },
            );
        }
    }

    pub fn get(&self, conn: Uuid, id: &str) -> Option<Listed> {
        self.rows
            .read()
            .expect("poisoned")
            .get(&(conn, id.to_string()))
            .cloned()
    }

    pub fn listing_started(&self, conn: Uuid) {
        let seq = self.order.fetch_add(1, Ordering::SeqCst);
        self.started.write().expect("poisoned").insert(conn, seq);
    }

    /// When a row was last read, if that was before its connection's latest listing started:
    /// the listing did not bring it again (it failed, or is still under way).
    pub fn stale_since(&self, conn: Uuid, listed: &Listed) -> Option<String> {
        let started = self.started.read().expect("poisoned");
        match started.get(&conn) {
            Some(s) if listed.seq < *s => Some(listed.read_at.clone()),
            _ => None,
        }
    }

    /// Forgets every row of the connections `keep` refuses.
    pub fn retain(&self, keep: impl Fn(Uuid) -> bool) {
        self.rows
            .write()
            .expect("poisoned")
            .retain(|(c, _), _| keep(*c));
        self.started
            .write()
            .expect("poisoned")
            .retain(|c, _| keep(*c));
    }
}
