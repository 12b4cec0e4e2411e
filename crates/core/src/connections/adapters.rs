//! Building a connection's adapter: the shared HTTP clients, the retry budget, and one adaptive
//! in-flight limit per connection, shared by every request to it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use crate::model::Connection;
use crate::providers::{self, http, AdaptiveLimit, ProviderApi, RetryPolicy};
use crate::secrets::Secret;
use crate::settings::SavedSettings;

pub(crate) struct Adapters {
    clients: http::Clients,
    retry: RetryPolicy,
    settings: Arc<SavedSettings>,
    limits: Mutex<HashMap<Uuid, Arc<AdaptiveLimit>>>,
}

impl Adapters {
    pub fn new(clients: http::Clients, retry: RetryPolicy, settings: Arc<SavedSettings>) -> Self {
        Adapters {
            clients,
            retry,
            settings,
            limits: Mutex::new(HashMap::new()),
        }
    }

    /// The adapter of a saved (or demo) connection, sharing the connection's limit.
    pub fn for_connection(&self, conn: &Connection, secret: Secret) -> Arc<dyn ProviderApi> {
        let limit = self.limit_for(conn.id);
        providers::adapter_for(conn, secret, &self.clients, self.retry.clone(), limit)
    }

    /// An adapter to check credentials with, one request at a time.
    pub fn for_check(&self, conn: &Connection, secret: Secret) -> Arc<dyn ProviderApi> {
        let limit = Arc::new(AdaptiveLimit::new(1));
        providers::adapter_for(conn, secret, &self.clients, self.retry.clone(), limit)
    }

    /// Running adapters share these limits: change their ceiling rather than replace them, so
    /// one connection never has two limits at once.
    pub fn set_max(&self, max: usize) {
        for limit in self.limits.lock().expect("poisoned").values() {
            limit.set_max(max);
        }
    }

    fn limit_for(&self, id: Uuid) -> Arc<AdaptiveLimit> {
        let max = self.settings.get().concurrency as usize;
        Arc::clone(
            self.limits
                .lock()
                .expect("poisoned")
                .entry(id)
                .or_insert_with(|| Arc::new(AdaptiveLimit::new(max))),
        )
    }
}
