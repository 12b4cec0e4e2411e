//! Seeding, switches and inspection of Vobiz sub-accounts through [`Sim`], for tests and
//! the demo.

use chrono::Utc;

use super::state::{VobizParent, VobizRowShape, VobizSubState, VobizWorld};
use crate::Sim;

impl Sim {
    fn vobiz<R>(&self, f: impl FnOnce(&mut VobizWorld) -> R) -> R {
        self.shared.state(f)
    }

    /// A new Vobiz parent (`MA_…`) with its auth token.
    pub fn add_vobiz_parent(&self, name: &str) -> VobizParent {
        self.vobiz(|w| w.add_parent(name))
    }

    /// A sub-account (`SA_…`) of `parent_auth_id`.
    ///
    /// # Panics
    /// If `parent_auth_id` is not a Vobiz parent of this simulator.
    pub fn add_vobiz_subaccount(&self, parent_auth_id: &str, name: &str, enabled: bool) -> String {
        self.vobiz(|w| w.add_subaccount(parent_auth_id, name, enabled, Utc::now()))
    }

    /// `n` deterministic sub-accounts like the Twilio ones; one in five disabled.
    ///
    /// # Panics
    /// If `parent_auth_id` is not a Vobiz parent of this simulator.
    pub fn seed_vobiz_subaccounts(&self, parent_auth_id: &str, n: usize) -> Vec<String> {
        self.vobiz(|w| w.seed_subaccounts(parent_auth_id, n))
    }

    /// See [`VobizRowShape`]: how this sub-account's row reads.
    pub fn set_vobiz_row_shape(&self, sub_auth_id: &str, shape: VobizRowShape) -> bool {
        self.vobiz(|w| w.set_row_shape(sub_auth_id, shape))
    }

    /// See [`crate::SimConfig::vobiz_forbidden`].
    pub fn set_vobiz_forbidden(&self, yes: bool) {
        self.vobiz(|w| w.forbidden = yes);
    }

    /// See [`crate::SimConfig::vobiz_created_per_page`].
    pub fn set_vobiz_created_per_page(&self, n: usize) {
        self.vobiz(|w| w.created_per_page = n);
    }

    /// See [`crate::SimConfig::vobiz_page_cap`].
    pub fn set_vobiz_page_cap(&self, cap: Option<usize>) {
        self.vobiz(|w| w.page_cap = cap);
    }

    /// `None` once deleted (or if it never existed under that parent).
    pub fn vobiz_subaccount(
        &self,
        parent_auth_id: &str,
        sub_auth_id: &str,
    ) -> Option<VobizSubState> {
        self.vobiz(|w| w.snapshot(parent_auth_id, sub_auth_id))
    }
}
