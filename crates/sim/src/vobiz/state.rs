//! Vobiz's parents and sub-accounts, and the rules that change them. No HTTP here: the wire
//! format is in the sibling modules.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::Serialize;

use crate::config::SimConfig;
use crate::ids;
use crate::provider::constant_time_eq;
use crate::shared::ProviderState;
use crate::tenants::tenant_name;

/// Credentials of a seeded Vobiz parent (main) account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VobizParent {
    /// `MA_` + 8 upper-case alphanumerics.
    pub auth_id: String,
    pub auth_token: String,
}

/// A snapshot of one Vobiz sub-account for assertions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VobizSubState {
    pub auth_id: String,
    pub name: String,
    pub enabled: bool,
}

/// How a sub-account's row reads. The current object pages document `enabled` beside
/// `is_active`; older pages show only `is_active`; and `is_active` ("can make API calls") can
/// be false while `enabled` (the suspend flag) is true.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum VobizRowShape {
    /// `enabled` and `is_active: true`.
    #[default]
    Current,
    /// Only `is_active` (equal to the enabled flag), as older documented objects.
    OnlyIsActive,
    /// `enabled` as set, but `is_active: false`.
    NotActive,
    /// Neither field.
    NoFlags,
}

#[derive(Clone)]
struct VobizParentRec {
    auth_id: String,
    auth_token: String,
    numeric_id: u64,
}

#[derive(Clone)]
pub(crate) struct VobizSub {
    pub(crate) parent_auth_id: String,
    pub(crate) parent_numeric_id: u64,
    pub(crate) auth_id: String,
    pub(crate) numeric_id: u64,
    pub(crate) api_id: String,
    pub(crate) name: String,
    pub(crate) enabled: bool,
    pub(crate) created: DateTime<Utc>,
    pub(crate) updated: DateTime<Utc>,
    pub(crate) order: u64,
    pub(crate) shape: VobizRowShape,
}

impl VobizSub {
    fn snapshot(&self) -> VobizSubState {
        VobizSubState {
            auth_id: self.auth_id.clone(),
            name: self.name.clone(),
            enabled: self.enabled,
        }
    }
}

/// One Vobiz sub-account update; `None` leaves a field as it is.
pub(crate) struct VobizUpdate {
    pub(crate) name: Option<String>,
    pub(crate) enabled: Option<bool>,
}

#[derive(Clone)]
pub(crate) struct VobizWorld {
    /// Fixed for the server's life.
    pub(crate) wire: super::Wire,
    /// See [`crate::VobizConfig::forbidden`].
    pub(crate) forbidden: bool,
    /// See [`crate::VobizConfig::created_per_page`].
    pub(crate) created_per_page: usize,
    /// See [`crate::VobizConfig::page_cap`].
    pub(crate) page_cap: Option<usize>,
    rng: StdRng,
    next_order: u64,
    parents: Vec<VobizParentRec>,
    subs: Vec<VobizSub>,
    next_id: u64,
}

impl ProviderState for VobizWorld {
    fn new(config: &SimConfig) -> VobizWorld {
        let seed = config.rng_seed;
        VobizWorld {
            wire: super::Wire {
                error_shape: config.vobiz.error_shape,
                delete_style: config.vobiz.delete_style,
            },
            forbidden: config.vobiz.forbidden,
            created_per_page: config.vobiz.created_per_page,
            page_cap: config.vobiz.page_cap,
            // The stream Twilio and Vobiz shared while they had one world: a seed still gives
            // the same Vobiz ids as long as the simulator holds only Vobiz accounts.
            rng: StdRng::seed_from_u64(seed ^ 0xA11C_E5ED_0000_0001),
            next_order: 0,
            parents: Vec::new(),
            subs: Vec::new(),
            next_id: 500_001,
        }
    }
}

impl VobizWorld {
    // ---------------------------------------------------------------- seeding

    pub(crate) fn add_parent(&mut self, _name: &str) -> VobizParent {
        let auth_id = loop {
            let id = super::ids::auth_id(&mut self.rng, "MA_");
            if !self.parents.iter().any(|p| p.auth_id == id) {
                break id;
            }
        };
        let auth_token = ids::secret(&mut self.rng, 40);
        let numeric_id = 100_000 + self.parents.len() as u64;
        self.parents.push(VobizParentRec {
            auth_id: auth_id.clone(),
            auth_token: auth_token.clone(),
            numeric_id,
        });
        VobizParent {
            auth_id,
            auth_token,
        }
    }

    /// # Panics
    /// If `parent_auth_id` is not a seeded Vobiz parent.
    pub(crate) fn add_subaccount(
        &mut self,
        parent_auth_id: &str,
        name: &str,
        enabled: bool,
        created: DateTime<Utc>,
    ) -> String {
        let parent_numeric_id = self
            .parents
            .iter()
            .find(|p| p.auth_id == parent_auth_id)
            .map(|p| p.numeric_id)
            .unwrap_or_else(|| {
                panic!("add_vobiz_subaccount: {parent_auth_id} is not a Vobiz parent of this simulator")
            });
        let auth_id = loop {
            let id = super::ids::auth_id(&mut self.rng, "SA_");
            if !self.subs.iter().any(|s| s.auth_id == id) {
                break id;
            }
        };
        let numeric_id = self.next_id;
        self.next_id += 1;
        let api_id = ids::uuid_like(&mut self.rng);
        self.next_order += 1;
        self.subs.push(VobizSub {
            parent_auth_id: parent_auth_id.to_owned(),
            parent_numeric_id,
            auth_id: auth_id.clone(),
            numeric_id,
            api_id,
            name: name.to_owned(),
            enabled,
            created,
            updated: created,
            order: self.next_order,
            shape: VobizRowShape::Current,
        });
        auth_id
    }

    /// Deterministic tenants like the Twilio ones; one in five is disabled.
    pub(crate) fn seed_subaccounts(&mut self, parent_auth_id: &str, n: usize) -> Vec<String> {
        let already = self
            .subs
            .iter()
            .filter(|s| s.parent_auth_id == parent_auth_id)
            .count();
        let now = Utc::now();
        (0..n)
            .map(|i| {
                let k = already + i;
                let created = now - ChronoDuration::hours((n - i) as i64);
                self.add_subaccount(parent_auth_id, &tenant_name(k), k % 5 != 4, created)
            })
            .collect()
    }

    /// Returns false if no sub-account has that id.
    pub(crate) fn set_row_shape(&mut self, sub: &str, shape: VobizRowShape) -> bool {
        match self.subs.iter_mut().find(|s| s.auth_id == sub) {
            Some(s) => {
                s.shape = shape;
                true
            }
            None => false,
        }
    }

    // ---------------------------------------------------------------- API rules

    /// True when the header pair names a parent with that token.
    pub(crate) fn authenticate(&self, auth_id: &str, token: &str) -> bool {
        self.parents
            .iter()
            .any(|p| p.auth_id == auth_id && constant_time_eq(&p.auth_token, token))
    }

    /// The parent's sub-accounts, newest first (as the list endpoint returns them).
    pub(crate) fn list(&self, parent: &str) -> Vec<&VobizSub> {
        let mut subs: Vec<&VobizSub> = self
            .subs
            .iter()
            .filter(|s| s.parent_auth_id == parent)
            .collect();
        subs.sort_by_key(|s| std::cmp::Reverse((s.created, s.order)));
        subs
    }

    pub(crate) fn get(&self, parent: &str, sub: &str) -> Option<&VobizSub> {
        self.subs
            .iter()
            .find(|s| s.parent_auth_id == parent && s.auth_id == sub)
    }

    /// Applies a partial update; `None` when the sub-account does not exist (for this
    /// parent). Otherwise whether anything changed.
    pub(crate) fn update(&mut self, parent: &str, sub: &str, update: VobizUpdate) -> Option<bool> {
        let s = self
            .subs
            .iter_mut()
            .find(|s| s.parent_auth_id == parent && s.auth_id == sub)?;
        let mut changed = false;
        if let Some(name) = update.name {
            if s.name != name {
                s.name = name;
                changed = true;
            }
        }
        if let Some(enabled) = update.enabled {
            if s.enabled != enabled {
                s.enabled = enabled;
                changed = true;
            }
        }
        if changed {
            s.updated = Utc::now();
        }
        Some(changed)
    }

    /// Removes the sub-account for good; false if it did not exist.
    pub(crate) fn delete(&mut self, parent: &str, sub: &str) -> bool {
        let before = self.subs.len();
        self.subs
            .retain(|s| !(s.parent_auth_id == parent && s.auth_id == sub));
        self.subs.len() != before
    }

    pub(crate) fn snapshot(&self, parent: &str, sub: &str) -> Option<VobizSubState> {
        self.get(parent, sub).map(VobizSub::snapshot)
    }

    /// `(parent_auth_id, sub)` for every live sub-account, in insertion order.
    pub(crate) fn all(&self) -> Vec<(String, VobizSubState)> {
        self.subs
            .iter()
            .map(|s| (s.parent_auth_id.clone(), s.snapshot()))
            .collect()
    }
}
