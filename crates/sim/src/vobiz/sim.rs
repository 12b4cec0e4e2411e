//! Seeding, switches and inspection of Vobiz sub-accounts through [`Sim::vobiz`], for tests
//! and the demo.

use chrono::Utc;

use super::state::{VobizParent, VobizRowShape, VobizSubState, VobizWorld};
use crate::shared::Shared;
use crate::Sim;

/// The simulator's Vobiz accounts: `sim.vobiz()`.
pub struct VobizSim<'a> {
    shared: &'a Shared,
}

impl Sim {
    /// Seeding, switches and inspection of the simulated Vobiz.
    pub fn vobiz(&self) -> VobizSim<'_> {
        VobizSim {
            shared: &self.shared,
        }
    }
}

impl VobizSim<'_> {
    fn world<R>(&self, f: impl FnOnce(&mut VobizWorld) -> R) -> R {
        self.shared.state(f)
    }

    /// A new Vobiz parent (`MA_…`) with its auth token.
    pub fn add_parent(&self, name: &str) -> VobizParent {
        self.world(|w| w.add_parent(name))
    }

    /// A sub-account (`SA_…`) of `parent_auth_id`.
    ///
    /// # Panics
    /// If `parent_auth_id` is not a Vobiz parent of this simulator.
    pub fn add_subaccount(&self, parent_auth_id: &str, name: &str, enabled: bool) -> String {
        self.world(|w| w.add_subaccount(parent_auth_id, name, enabled, Utc::now()))
    }

    /// `n` deterministic sub-accounts like the Twilio ones; one in five disabled.
    ///
    /// # Panics
    /// If `parent_auth_id` is not a Vobiz parent of this simulator.
    pub fn seed_subaccounts(&self, parent_auth_id: &str, n: usize) -> Vec<String> {
        self.world(|w| w.seed_subaccounts(parent_auth_id, n))
    }

    /// See [`VobizRowShape`]: how this sub-account's row reads.
    pub fn set_row_shape(&self, sub_auth_id: &str, shape: VobizRowShape) -> bool {
        self.world(|w| w.set_row_shape(sub_auth_id, shape))
    }

    /// See [`crate::VobizConfig::forbidden`].
    pub fn set_forbidden(&self, yes: bool) {
        self.world(|w| w.forbidden = yes);
    }

    /// See [`crate::VobizConfig::created_per_page`].
    pub fn set_created_per_page(&self, n: usize) {
        self.world(|w| w.created_per_page = n);
    }

    /// See [`crate::VobizConfig::page_cap`].
    pub fn set_page_cap(&self, cap: Option<usize>) {
        self.world(|w| w.page_cap = cap);
    }

    /// `None` once deleted (or if it never existed under that parent).
    pub fn subaccount(&self, parent_auth_id: &str, sub_auth_id: &str) -> Option<VobizSubState> {
        self.world(|w| w.snapshot(parent_auth_id, sub_auth_id))
    }
}
