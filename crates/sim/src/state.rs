//! The simulated providers' data and the rules that change it.
//!
//! This module knows nothing about HTTP: it holds accounts, numbers and sub-accounts and
//! enforces the providers' state rules (closed is final, closing releases numbers, …). The
//! wire formats live in `twilio.rs` and `vobiz.rs`. Everything here is synchronous and lives
//! behind one `std::sync::Mutex`, which is never held across an `.await`.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::Serialize;

use crate::ids;

/// Credentials of a seeded Twilio parent (main) account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TwilioParent {
    /// `AC` + 32 hex.
    pub sid: String,
    /// 32 hex.
    pub auth_token: String,
}

/// Credentials of a seeded Vobiz parent (main) account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VobizParent {
    /// `MA_` + 8 upper-case alphanumerics.
    pub auth_id: String,
    pub auth_token: String,
}

/// A snapshot of one Twilio account (parent or subaccount) for assertions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TwilioAccountState {
    pub sid: String,
    /// Equals `sid` for a parent account.
    pub owner_account_sid: String,
    pub friendly_name: String,
    /// `active` | `suspended` | `closed`.
    pub status: String,
    /// How many IncomingPhoneNumbers the account holds.
    pub numbers: usize,
    pub suspended_by_twilio: bool,
}

/// A snapshot of one Vobiz sub-account for assertions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VobizSubState {
    pub auth_id: String,
    pub name: String,
    pub enabled: bool,
}

/// Twilio account status (`account_enum_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccountStatus {
    Active,
    Suspended,
    Closed,
}

impl AccountStatus {
    /// Exact, case-sensitive parse, like the real API's enum check.
    pub(crate) fn parse(s: &str) -> Option<AccountStatus> {
        match s {
            "active" => Some(AccountStatus::Active),
            "suspended" => Some(AccountStatus::Suspended),
            "closed" => Some(AccountStatus::Closed),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Suspended => "suspended",
            AccountStatus::Closed => "closed",
        }
    }
}

impl fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub(crate) struct TwilioAccount {
    pub(crate) sid: String,
    pub(crate) owner_account_sid: String,
    pub(crate) friendly_name: String,
    pub(crate) status: AccountStatus,
    pub(crate) auth_token: String,
    pub(crate) created: DateTime<Utc>,
    pub(crate) updated: DateTime<Utc>,
    /// Insertion order: the tie-breaker when two accounts share a creation time.
    pub(crate) order: u64,
    pub(crate) numbers: Vec<PhoneNumber>,
    pub(crate) suspended_by_twilio: bool,
}

impl TwilioAccount {
    pub(crate) fn is_parent(&self) -> bool {
        self.sid == self.owner_account_sid
    }

    fn snapshot(&self) -> TwilioAccountState {
        TwilioAccountState {
            sid: self.sid.clone(),
            owner_account_sid: self.owner_account_sid.clone(),
            friendly_name: self.friendly_name.clone(),
            status: self.status.as_str().to_owned(),
            numbers: self.numbers.len(),
            suspended_by_twilio: self.suspended_by_twilio,
        }
    }
}

pub(crate) struct PhoneNumber {
    pub(crate) sid: String,
    /// E.164, e.g. `+14155550123`.
    pub(crate) phone_number: String,
    pub(crate) created: DateTime<Utc>,
}

struct TwilioKey {
    secret: String,
    parent_sid: String,
    kind: TwilioKeyKind,
}

/// Twilio's API key types (twilio.com/docs/iam/api-keys): a Main key may use the Accounts
/// resource; a Standard key may use everything except `/Accounts` and `/Keys`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TwilioKeyKind {
    Main,
    Standard,
}

/// Who a set of Twilio Basic credentials acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TwilioCaller {
    /// The account whose credentials these are (a parent, or a subaccount using its own).
    pub(crate) account_sid: String,
    pub(crate) key: Option<TwilioKeyKind>,
}

struct VobizParentRec {
    auth_id: String,
    auth_token: String,
    numeric_id: u64,
}

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

impl VobizSub {
    fn snapshot(&self) -> VobizSubState {
        VobizSubState {
            auth_id: self.auth_id.clone(),
            name: self.name.clone(),
            enabled: self.enabled,
        }
    }
}

/// Why a Twilio account update was refused; `twilio.rs` turns each into Twilio's error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TwilioUpdateError {
    /// Not the parent nor one of its subaccounts (20404).
    NotFound,
    /// `Status` is not one of the enum values (21100).
    InvalidStatus(String),
    /// `FriendlyName` longer than 64 characters (21100).
    FriendlyNameTooLong,
    /// Status change on the parent itself (21477).
    ParentAccount,
    /// Status change on a closed subaccount (21479).
    Closed,
    /// Status change while the parent is suspended (21476).
    ParentSuspended,
    /// Status change on a subaccount Twilio suspended (21478).
    SuspendedByTwilio,
}

/// A change requested through `POST /Accounts/{Sid}.json`, already taken from the form.
pub(crate) struct TwilioUpdate<'a> {
    pub(crate) status: Option<&'a str>,
    pub(crate) friendly_name: Option<&'a str>,
}

/// One Vobiz sub-account update; `None` leaves a field as it is.
pub(crate) struct VobizUpdate {
    pub(crate) name: Option<String>,
    pub(crate) enabled: Option<bool>,
}

/// Business names for seeded tenants, so the demo workspace looks like a real reseller's.
const BUSINESSES: &[&str] = &[
    "Bright Dental",
    "Harbor Logistics",
    "Maple Street Bakery",
    "Summit Legal",
    "Northwind Clinic",
    "Blue Fern Yoga",
    "Cedar Plumbing",
    "Atlas Realty",
    "Pinecrest Veterinary",
    "Orbit Fitness",
    "Lumen Optics",
    "Riverbend Pharmacy",
    "Keystone Insurance",
    "Golden Gate Tutors",
    "Silverline Taxis",
    "Evergreen Landscaping",
    "Copperfield Auto",
    "Starlight Events",
    "Redwood Family Care",
    "Bluebird Daycare",
    "Ironclad Security",
    "Sunrise Cafe",
    "Willow Spa",
    "Granite Construction",
    "Lighthouse Travel",
    "Meadow Florists",
    "Quarry Hill Dental",
    "Tidewater Marina",
    "Juniper Accounting",
    "Falcon Couriers",
    "Oakridge Physio",
    "Prairie Solar",
];

/// Area codes used for simulated numbers: 10,000 numbers per area code keep them unique.
const AREA_CODES: &[&str] = &["415", "628", "510", "650", "408", "312", "646", "213"];

/// The simulated world: every provider's accounts.
pub(crate) struct World {
    rng: StdRng,
    next_order: u64,
    twilio: Vec<TwilioAccount>,
    twilio_index: HashMap<String, usize>,
    twilio_keys: HashMap<String, TwilioKey>,
    next_number: u64,
    vobiz_parents: Vec<VobizParentRec>,
    vobiz_subs: Vec<VobizSub>,
    next_vobiz_id: u64,
}

impl World {
    pub(crate) fn new(seed: u64) -> World {
        World {
            // Distinct from the fault RNG's stream so seeding never shifts fault decisions.
            rng: StdRng::seed_from_u64(seed ^ 0xA11C_E5ED_0000_0001),
            next_order: 0,
            twilio: Vec::new(),
            twilio_index: HashMap::new(),
            twilio_keys: HashMap::new(),
            next_number: 0,
            vobiz_parents: Vec::new(),
            vobiz_subs: Vec::new(),
            next_vobiz_id: 500_001,
        }
    }

    fn order(&mut self) -> u64 {
        self.next_order += 1;
        self.next_order
    }

    // ---------------------------------------------------------------- Twilio: seeding

    pub(crate) fn add_twilio_parent(&mut self, friendly_name: &str) -> TwilioParent {
        let sid = ids::twilio_sid(&mut self.rng, "AC");
        let auth_token = ids::hex32(&mut self.rng);
        let now = Utc::now();
        let order = self.order();
        self.insert_twilio(TwilioAccount {
            sid: sid.clone(),
            owner_account_sid: sid.clone(),
            friendly_name: friendly_name.to_owned(),
            status: AccountStatus::Active,
            auth_token: auth_token.clone(),
            created: now,
            updated: now,
            order,
            numbers: Vec::new(),
            suspended_by_twilio: false,
        });
        TwilioParent { sid, auth_token }
    }

    fn insert_twilio(&mut self, account: TwilioAccount) {
        self.twilio_index
            .insert(account.sid.clone(), self.twilio.len());
        self.twilio.push(account);
    }

    fn twilio_parent_index(&self, parent_sid: &str) -> Option<usize> {
        self.twilio_index
            .get(parent_sid)
            .copied()
            .filter(|&i| self.twilio[i].is_parent())
    }

    /// # Panics
    /// If `parent_sid` is not a seeded parent (a bug in the calling test).
    pub(crate) fn add_twilio_api_key(
        &mut self,
        parent_sid: &str,
        kind: TwilioKeyKind,
    ) -> (String, String) {
        assert!(
            self.twilio_parent_index(parent_sid).is_some(),
            "add_twilio_api_key: {parent_sid} is not a Twilio parent of this simulator"
        );
        let sid = ids::twilio_sid(&mut self.rng, "SK");
        let secret = ids::secret(&mut self.rng, 32);
        self.twilio_keys.insert(
            sid.clone(),
            TwilioKey {
                secret: secret.clone(),
                parent_sid: parent_sid.to_owned(),
                kind,
            },
        );
        (sid, secret)
    }

    /// # Panics
    /// If `parent_sid` is not a seeded parent or `status` is not active|suspended|closed.
    pub(crate) fn add_twilio_subaccount(
        &mut self,
        parent_sid: &str,
        friendly_name: &str,
        status: &str,
        numbers: usize,
        created: DateTime<Utc>,
    ) -> String {
        assert!(
            self.twilio_parent_index(parent_sid).is_some(),
            "add_twilio_subaccount: {parent_sid} is not a Twilio parent of this simulator"
        );
        let status = AccountStatus::parse(status).unwrap_or_else(|| {
            panic!("add_twilio_subaccount: status must be active|suspended|closed, got {status:?}")
        });
        let sid = ids::twilio_sid(&mut self.rng, "AC");
        let auth_token = ids::hex32(&mut self.rng);
        let order = self.order();
        // A closed account has had its numbers released; seeding one with numbers would
        // describe a state the real provider cannot be in.
        let count = if status == AccountStatus::Closed {
            0
        } else {
            numbers
        };
        let numbers = (0..count)
            .map(|k| self.new_number(created + ChronoDuration::minutes(k as i64 + 1)))
            .collect();
        self.insert_twilio(TwilioAccount {
            sid: sid.clone(),
            owner_account_sid: parent_sid.to_owned(),
            friendly_name: friendly_name.to_owned(),
            status,
            auth_token,
            created,
            updated: created,
            order,
            numbers,
            suspended_by_twilio: false,
        });
        sid
    }

    fn new_number(&mut self, created: DateTime<Utc>) -> PhoneNumber {
        let n = self.next_number;
        self.next_number += 1;
        let area = AREA_CODES[(n / 10_000) as usize % AREA_CODES.len()];
        PhoneNumber {
            sid: ids::twilio_sid(&mut self.rng, "PN"),
            phone_number: format!("+1{area}555{:04}", n % 10_000),
            created,
        }
    }

    /// Deterministic tenants: names "Tenant 0001 — Bright Dental", ~13 % suspended, ~6 %
    /// closed, 0–5 numbers each; creation times spread an hour apart, oldest first.
    pub(crate) fn seed_twilio_subaccounts(&mut self, parent_sid: &str, n: usize) -> Vec<String> {
        let already = self.twilio_children(parent_sid).count();
        let now = Utc::now();
        (0..n)
            .map(|i| {
                let k = already + i;
                let name = tenant_name(k);
                let status = if k % 17 == 16 {
                    "closed"
                } else if k % 7 == 3 {
                    "suspended"
                } else {
                    "active"
                };
                let numbers = (k * 5 + 2) % 6;
                let created = now - ChronoDuration::hours((n - i) as i64);
                self.add_twilio_subaccount(parent_sid, &name, status, numbers, created)
            })
            .collect()
    }

    fn twilio_children<'a>(
        &'a self,
        parent_sid: &'a str,
    ) -> impl Iterator<Item = &'a TwilioAccount> {
        self.twilio
            .iter()
            .filter(move |a| a.owner_account_sid == parent_sid && !a.is_parent())
    }

    /// Seeding hook: marks a subaccount as suspended by Twilio itself.
    /// Returns false when the SID is unknown.
    pub(crate) fn set_twilio_suspended_by_twilio(&mut self, sid: &str, yes: bool) -> bool {
        match self.twilio_mut(sid) {
            Some(a) => {
                // Only the flag: the status is left alone so tests control both separately.
                a.suspended_by_twilio = yes;
                true
            }
            None => false,
        }
    }

    /// Seeding hook that bypasses the API's rules, e.g. to suspend a parent (which the API
    /// cannot do) so 21476 can be tested. Returns false for an unknown SID or status.
    pub(crate) fn set_twilio_status(&mut self, sid: &str, status: &str) -> bool {
        let Some(status) = AccountStatus::parse(status) else {
            return false;
        };
        match self.twilio_mut(sid) {
            Some(a) => {
                a.status = status;
                if status == AccountStatus::Closed {
                    a.numbers.clear();
                }
                a.updated = Utc::now();
                true
            }
            None => false,
        }
    }

    fn twilio_mut(&mut self, sid: &str) -> Option<&mut TwilioAccount> {
        let i = *self.twilio_index.get(sid)?;
        self.twilio.get_mut(i)
    }

    pub(crate) fn twilio_get(&self, sid: &str) -> Option<&TwilioAccount> {
        self.twilio_index.get(sid).map(|&i| &self.twilio[i])
    }

    // ---------------------------------------------------------------- Twilio: API rules

    /// Whose these Basic credentials are: an Account SID (a parent's, or a subaccount's own)
    /// with its auth token, or an API key (`SK…`) with its secret.
    pub(crate) fn twilio_authenticate(&self, user: &str, password: &str) -> Option<TwilioCaller> {
        if let Some(key) = self.twilio_keys.get(user) {
            return constant_time_eq(&key.secret, password).then(|| TwilioCaller {
                account_sid: key.parent_sid.clone(),
                key: Some(key.kind),
            });
        }
        let account = self.twilio_get(user)?;
        constant_time_eq(&account.auth_token, password).then(|| TwilioCaller {
            account_sid: user.to_owned(),
            key: None,
        })
    }

    /// The account `sid` as seen by the credentials of `caller`: that account itself or one
    /// of its subaccounts.
    pub(crate) fn twilio_visible(&self, caller: &str, sid: &str) -> Option<&TwilioAccount> {
        self.twilio_get(sid)
            .filter(|a| a.sid == caller || a.owner_account_sid == caller)
    }

    /// Who owns `sid` (its parent's SID), if it exists at all.
    pub(crate) fn twilio_owner_of(&self, sid: &str) -> Option<&str> {
        self.twilio_get(sid).map(|a| a.owner_account_sid.as_str())
    }

    /// The list `GET /Accounts.json` walks: the caller's own account first, then its
    /// subaccounts by creation time (insertion order breaks ties). A subaccount using its own
    /// credentials sees just itself.
    pub(crate) fn twilio_family(&self, caller: &str) -> Vec<&TwilioAccount> {
        let Some(own) = self.twilio_get(caller) else {
            return Vec::new();
        };
        let mut subs: Vec<&TwilioAccount> = self
            .twilio
            .iter()
            .filter(|a| a.owner_account_sid == caller && !a.is_parent())
            .collect();
        subs.sort_by_key(|a| (a.created, a.order));
        let mut all = Vec::with_capacity(subs.len() + 1);
        all.push(own);
        all.extend(subs);
        all
    }

    /// Removes closed subaccounts, as Twilio's automatic deletion does 30 days after closure.
    /// Returns how many went.
    pub(crate) fn purge_closed_twilio(&mut self) -> usize {
        let before = self.twilio.len();
        self.twilio
            .retain(|a| a.is_parent() || a.status != AccountStatus::Closed);
        self.twilio_index = self
            .twilio
            .iter()
            .enumerate()
            .map(|(i, a)| (a.sid.clone(), i))
            .collect();
        before - self.twilio.len()
    }

    /// Applies an update with Twilio's rules. Everything is validated before anything
    /// changes, so a refused request never half-applies. Returns whether state changed.
    pub(crate) fn twilio_update(
        &mut self,
        parent: &str,
        sid: &str,
        update: &TwilioUpdate<'_>,
    ) -> Result<bool, TwilioUpdateError> {
        let account = self
            .twilio_visible(parent, sid)
            .ok_or(TwilioUpdateError::NotFound)?;
        let new_status = match update.status {
            Some(s) => Some(
                AccountStatus::parse(s)
                    .ok_or_else(|| TwilioUpdateError::InvalidStatus(s.to_owned()))?,
            ),
            None => None,
        };
        if let Some(name) = update.friendly_name {
            if name.chars().count() > 64 {
                return Err(TwilioUpdateError::FriendlyNameTooLong);
            }
        }
        if new_status.is_some() {
            if account.is_parent() {
                return Err(TwilioUpdateError::ParentAccount);
            }
            if account.status == AccountStatus::Closed {
                return Err(TwilioUpdateError::Closed);
            }
            let parent_status = self
                .twilio_get(&account.owner_account_sid)
                .map(|p| p.status);
            if parent_status != Some(AccountStatus::Active) {
                return Err(TwilioUpdateError::ParentSuspended);
            }
            if account.suspended_by_twilio {
                return Err(TwilioUpdateError::SuspendedByTwilio);
            }
        }

        let account = self.twilio_mut(sid).ok_or(TwilioUpdateError::NotFound)?;
        let mut changed = false;
        if let Some(name) = update.friendly_name {
            if account.friendly_name != name {
                account.friendly_name = name.to_owned();
                changed = true;
            }
        }
        if let Some(status) = new_status {
            if account.status != status {
                account.status = status;
                changed = true;
                if status == AccountStatus::Closed {
                    // Closing releases every number of the subaccount, irreversibly.
                    account.numbers.clear();
                }
            }
        }
        if changed {
            account.updated = Utc::now();
        }
        Ok(changed)
    }

    pub(crate) fn twilio_snapshot(&self, sid: &str) -> Option<TwilioAccountState> {
        self.twilio_get(sid).map(TwilioAccount::snapshot)
    }

    pub(crate) fn twilio_all(&self) -> Vec<TwilioAccountState> {
        self.twilio.iter().map(TwilioAccount::snapshot).collect()
    }

    // ---------------------------------------------------------------- Vobiz: seeding

    pub(crate) fn add_vobiz_parent(&mut self, _name: &str) -> VobizParent {
        let auth_id = loop {
            let id = ids::vobiz_auth_id(&mut self.rng, "MA_");
            if !self.vobiz_parents.iter().any(|p| p.auth_id == id) {
                break id;
            }
        };
        let auth_token = ids::secret(&mut self.rng, 40);
        let numeric_id = 100_000 + self.vobiz_parents.len() as u64;
        self.vobiz_parents.push(VobizParentRec {
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
    pub(crate) fn add_vobiz_subaccount(
        &mut self,
        parent_auth_id: &str,
        name: &str,
        enabled: bool,
        created: DateTime<Utc>,
    ) -> String {
        let parent_numeric_id = self
            .vobiz_parents
            .iter()
            .find(|p| p.auth_id == parent_auth_id)
            .map(|p| p.numeric_id)
            .unwrap_or_else(|| {
                panic!("add_vobiz_subaccount: {parent_auth_id} is not a Vobiz parent of this simulator")
            });
        let auth_id = loop {
            let id = ids::vobiz_auth_id(&mut self.rng, "SA_");
            if !self.vobiz_subs.iter().any(|s| s.auth_id == id) {
                break id;
            }
        };
        let numeric_id = self.next_vobiz_id;
        self.next_vobiz_id += 1;
        let api_id = ids::uuid_like(&mut self.rng);
        let order = self.order();
        self.vobiz_subs.push(VobizSub {
            parent_auth_id: parent_auth_id.to_owned(),
            parent_numeric_id,
            auth_id: auth_id.clone(),
            numeric_id,
            api_id,
            name: name.to_owned(),
            enabled,
            created,
            updated: created,
            order,
            shape: VobizRowShape::Current,
        });
        auth_id
    }

    /// Deterministic tenants like the Twilio ones; one in five is disabled.
    pub(crate) fn seed_vobiz_subaccounts(&mut self, parent_auth_id: &str, n: usize) -> Vec<String> {
        let already = self
            .vobiz_subs
            .iter()
            .filter(|s| s.parent_auth_id == parent_auth_id)
            .count();
        let now = Utc::now();
        (0..n)
            .map(|i| {
                let k = already + i;
                let created = now - ChronoDuration::hours((n - i) as i64);
                self.add_vobiz_subaccount(parent_auth_id, &tenant_name(k), k % 5 != 4, created)
            })
            .collect()
    }

    // ---------------------------------------------------------------- Vobiz: API rules

    /// True when the header pair names a parent with that token.
    pub(crate) fn vobiz_authenticate(&self, auth_id: &str, token: &str) -> bool {
        self.vobiz_parents
            .iter()
            .any(|p| p.auth_id == auth_id && constant_time_eq(&p.auth_token, token))
    }

    /// The parent's sub-accounts, newest first (as the list endpoint returns them).
    pub(crate) fn vobiz_list(&self, parent: &str) -> Vec<&VobizSub> {
        let mut subs: Vec<&VobizSub> = self
            .vobiz_subs
            .iter()
            .filter(|s| s.parent_auth_id == parent)
            .collect();
        subs.sort_by_key(|s| std::cmp::Reverse((s.created, s.order)));
        subs
    }

    pub(crate) fn vobiz_get(&self, parent: &str, sub: &str) -> Option<&VobizSub> {
        self.vobiz_subs
            .iter()
            .find(|s| s.parent_auth_id == parent && s.auth_id == sub)
    }

    /// Applies a partial update; `None` when the sub-account does not exist (for this
    /// parent). Otherwise whether anything changed.
    pub(crate) fn vobiz_update(
        &mut self,
        parent: &str,
        sub: &str,
        update: VobizUpdate,
    ) -> Option<bool> {
        let s = self
            .vobiz_subs
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
    pub(crate) fn set_vobiz_row_shape(&mut self, sub: &str, shape: VobizRowShape) -> bool {
        match self.vobiz_subs.iter_mut().find(|s| s.auth_id == sub) {
            Some(s) => {
                s.shape = shape;
                true
            }
            None => false,
        }
    }

    pub(crate) fn vobiz_delete(&mut self, parent: &str, sub: &str) -> bool {
        let before = self.vobiz_subs.len();
        self.vobiz_subs
            .retain(|s| !(s.parent_auth_id == parent && s.auth_id == sub));
        self.vobiz_subs.len() != before
    }

    pub(crate) fn vobiz_snapshot(&self, parent: &str, sub: &str) -> Option<VobizSubState> {
        self.vobiz_get(parent, sub).map(VobizSub::snapshot)
    }

    /// `(parent_auth_id, sub)` for every live sub-account, in insertion order.
    pub(crate) fn vobiz_all(&self) -> Vec<(String, VobizSubState)> {
        self.vobiz_subs
            .iter()
            .map(|s| (s.parent_auth_id.clone(), s.snapshot()))
            .collect()
    }
}

/// "Tenant 0001 — Bright Dental" for k = 0.
fn tenant_name(k: usize) -> String {
    format!("Tenant {:04} — {}", k + 1, BUSINESSES[k % BUSINESSES.len()])
}

/// Compares secrets without an early exit. A simulator does not need it for security, but
/// it costs nothing and keeps the code a fair model of what a server should do.
fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world_with_sub(status: &str) -> (World, TwilioParent, String) {
        let mut w = World::new(1);
        let p = w.add_twilio_parent("P");
        let s = w.add_twilio_subaccount(&p.sid, "S", status, 3, Utc::now());
        (w, p, s)
    }

    fn status(s: &'static str) -> TwilioUpdate<'static> {
        TwilioUpdate {
            status: Some(s),
            friendly_name: None,
        }
    }

    #[test]
    fn closing_releases_numbers_and_is_final() {
        let (mut w, p, s) = world_with_sub("active");
        assert_eq!(w.twilio_update(&p.sid, &s, &status("closed")), Ok(true));
        assert_eq!(w.twilio_snapshot(&s).map(|a| a.numbers), Some(0));
        assert_eq!(
            w.twilio_update(&p.sid, &s, &status("active")),
            Err(TwilioUpdateError::Closed)
        );
        assert_eq!(
            w.twilio_update(&p.sid, &s, &status("closed")),
            Err(TwilioUpdateError::Closed)
        );
    }

    #[test]
    fn parent_rules() {
        let (mut w, p, s) = world_with_sub("active");
        assert_eq!(
            w.twilio_update(&p.sid, &p.sid, &status("closed")),
            Err(TwilioUpdateError::ParentAccount)
        );
        assert!(w.set_twilio_status(&p.sid, "suspended"));
        assert_eq!(
            w.twilio_update(&p.sid, &s, &status("suspended")),
            Err(TwilioUpdateError::ParentSuspended)
        );
    }

    #[test]
    fn seeding_is_deterministic() {
        let mut a = World::new(9);
        let mut b = World::new(9);
        let pa = a.add_twilio_parent("P");
        let pb = b.add_twilio_parent("P");
        assert_eq!(pa, pb);
        assert_eq!(
            a.seed_twilio_subaccounts(&pa.sid, 20),
            b.seed_twilio_subaccounts(&pb.sid, 20)
        );
        let fam = a.twilio_family(&pa.sid);
        assert_eq!(fam.len(), 21);
        assert_eq!(fam[1].friendly_name, "Tenant 0001 — Bright Dental");
        assert!(fam.iter().any(|x| x.status == AccountStatus::Closed));
        assert!(fam.iter().any(|x| x.status == AccountStatus::Suspended));
    }
}
