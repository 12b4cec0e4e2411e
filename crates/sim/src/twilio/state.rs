//! Twilio's accounts, numbers and API keys, and the rules that change them (closed is
//! final, closing releases numbers, status changes only on subaccounts of an active parent).
//! No HTTP here: the wire format is in the sibling modules.

use std::collections::HashMap;

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::Serialize;

use crate::config::SimConfig;
use crate::ids;
use crate::provider::constant_time_eq;
use crate::shared::ProviderState;
use crate::tenants::tenant_name;

/// Credentials of a seeded Twilio parent (main) account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TwilioParent {
    /// `AC` + 32 hex.
    pub sid: String,
    /// 32 hex.
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

#[derive(Clone)]
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
    /// What `Balance.json` reports: `(balance, currency)`. The spec says "child accounts do
    /// not contain balance information", so a subaccount has none (both `null`) unless a test
    /// sets one with [`crate::Sim::set_twilio_balance`], the other reading of that sentence.
    pub(crate) balance: Option<(String, String)>,
    /// What the account spends a day, in ten-thousandths of a US dollar: every day's
    /// `totalprice` UsageRecord (see `usage.rs`). Zero unless seeded or set by a test.
    pub(crate) daily_spend: u64,
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

#[derive(Clone)]
pub(crate) struct PhoneNumber {
    pub(crate) sid: String,
    /// E.164, e.g. `+14155550123`.
    pub(crate) phone_number: String,
    pub(crate) created: DateTime<Utc>,
    /// A regulatory requirement tied to the account that holds the number (seeded with
    /// [`crate::TwilioSim::tie_number`]): a transfer is refused while it holds.
    pub(crate) tied_to: Option<NumberTie>,
}

/// What ties a number to its subaccount, for the transfer's documented refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum NumberTie {
    /// An Address (`AD…`) of the subaccount satisfies the number's address requirement:
    /// error 21613 "PhoneNumber Requires an Address" ("If you received this error when trying
    /// to transfer a phone number to a subaccount or between subaccounts, please ensure that
    /// the subaccount has the correct address on file", twilio.com/docs/api/errors/21613).
    Address,
    /// A regulatory Bundle (`BU…`) of the subaccount: error 21649, "API calls to provision
    /// regulated phone numbers that do not include a compliant BundleSID … will fail with
    /// error code 21649" (twilio.com/en-us/changelog/regulated-number-bundle-provisioning-requirement).
    Bundle,
}

/// One transfer the simulator applied: (number SID, from, to). Tests and the explorer count
/// them to prove no number moved twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TwilioTransfer {
    pub number_sid: String,
    pub phone_number: String,
    pub from: String,
    pub to: String,
}

/// Why a number transfer (`POST …/IncomingPhoneNumbers/{Sid}.json` with `AccountSid`) was
/// refused; the handlers turn each into Twilio's error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransferError {
    /// The losing account or the number is not there (20404).
    NotFound,
    /// The credentials are a subaccount's own (21474).
    NotParent,
    /// The gaining account is neither the parent nor another subaccount of it (21473).
    Unrelated,
    /// The gaining account is not active (21472).
    TargetNotActive,
    /// The number needs an address or bundle the gaining account does not have (21613, 21649).
    Tied(NumberTie),
}

#[derive(Clone)]
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

/// Why a Twilio account update was refused; the handlers turn each into Twilio's error code.
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

/// Area codes used for simulated numbers: 10,000 numbers per area code keep them unique.
const AREA_CODES: &[&str] = &["415", "628", "510", "650", "408", "312", "646", "213"];

/// Twilio's run-time switches (see the `twilio_` fields of [`SimConfig`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Switches {
    pub(crate) main_key_writes_subaccounts: bool,
    pub(crate) purge_closed: bool,
    pub(crate) suspended_reads_refused: bool,
}

/// Every simulated Twilio account, parents and subaccounts together (as Twilio keeps them:
/// a subaccount is an account whose owner is another).
#[derive(Clone)]
pub(crate) struct TwilioWorld {
    pub(crate) switches: Switches,
    rng: StdRng,
    next_order: u64,
    accounts: Vec<TwilioAccount>,
    index: HashMap<String, usize>,
    keys: HashMap<String, TwilioKey>,
    next_number: u64,
    transfers: Vec<TwilioTransfer>,
}

impl ProviderState for TwilioWorld {
    fn new(config: &SimConfig) -> TwilioWorld {
        let seed = config.rng_seed;
        TwilioWorld {
            switches: Switches {
                main_key_writes_subaccounts: config.twilio.main_key_writes_subaccounts,
                purge_closed: config.twilio.purge_closed,
                suspended_reads_refused: config.twilio.suspended_reads_refused,
            },
            // Distinct from the fault RNG's stream so seeding never shifts fault decisions.
            rng: StdRng::seed_from_u64(seed ^ 0xA11C_E5ED_0000_0001),
            next_order: 0,
            accounts: Vec::new(),
            index: HashMap::new(),
            keys: HashMap::new(),
            next_number: 0,
            transfers: Vec::new(),
        }
    }
}

impl TwilioWorld {
    fn order(&mut self) -> u64 {
        self.next_order += 1;
        self.next_order
    }

    // ---------------------------------------------------------------- seeding

    pub(crate) fn add_parent(&mut self, friendly_name: &str) -> TwilioParent {
        let sid = super::ids::sid(&mut self.rng, "AC");
        let auth_token = super::ids::hex32(&mut self.rng);
        let now = Utc::now();
        let order = self.order();
        self.insert(TwilioAccount {
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
            balance: Some(("1250.42".into(), "USD".into())),
            daily_spend: 0,
        });
        TwilioParent { sid, auth_token }
    }

    fn insert(&mut self, account: TwilioAccount) {
        self.index.insert(account.sid.clone(), self.accounts.len());
        self.accounts.push(account);
    }

    fn parent_index(&self, parent_sid: &str) -> Option<usize> {
        self.index
            .get(parent_sid)
            .copied()
            .filter(|&i| self.accounts[i].is_parent())
    }

    /// # Panics
    /// If `parent_sid` is not a seeded parent (a bug in the calling test).
    pub(crate) fn add_api_key(
        &mut self,
        parent_sid: &str,
        kind: TwilioKeyKind,
    ) -> (String, String) {
        assert!(
            self.parent_index(parent_sid).is_some(),
            "add_twilio_api_key: {parent_sid} is not a Twilio parent of this simulator"
        );
        let sid = super::ids::sid(&mut self.rng, "SK");
        let secret = ids::secret(&mut self.rng, 32);
        self.keys.insert(
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
    pub(crate) fn add_subaccount(
        &mut self,
        parent_sid: &str,
        friendly_name: &str,
        status: &str,
        numbers: usize,
        created: DateTime<Utc>,
    ) -> String {
        assert!(
            self.parent_index(parent_sid).is_some(),
            "add_twilio_subaccount: {parent_sid} is not a Twilio parent of this simulator"
        );
        let status = AccountStatus::parse(status).unwrap_or_else(|| {
            panic!("add_twilio_subaccount: status must be active|suspended|closed, got {status:?}")
        });
        let sid = super::ids::sid(&mut self.rng, "AC");
        let auth_token = super::ids::hex32(&mut self.rng);
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
        self.insert(TwilioAccount {
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
            balance: None,
            daily_spend: 0,
        });
        sid
    }

    fn new_number(&mut self, created: DateTime<Utc>) -> PhoneNumber {
        let n = self.next_number;
        self.next_number += 1;
        let area = AREA_CODES[(n / 10_000) as usize % AREA_CODES.len()];
        PhoneNumber {
            sid: super::ids::sid(&mut self.rng, "PN"),
            phone_number: format!("+1{area}555{:04}", n % 10_000),
            created,
            tied_to: None,
        }
    }

    /// Deterministic tenants: names "Tenant 0001 — Bright Dental", ~13 % suspended, ~6 %
    /// closed, 0–5 numbers each; creation times spread an hour apart, oldest first.
    pub(crate) fn seed_subaccounts(&mut self, parent_sid: &str, n: usize) -> Vec<String> {
        let already = self.children(parent_sid).count();
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
                let sid = self.add_subaccount(parent_sid, &name, status, numbers, created);
                // From nothing to $9.99 a day; a closed account spends nothing.
                let spend = if status == "closed" {
                    0
                } else {
                    (k as u64 * 7_919) % 99_900
                };
                self.set_daily_spend(&sid, spend);
                sid
            })
            .collect()
    }

    fn children<'a>(&'a self, parent_sid: &'a str) -> impl Iterator<Item = &'a TwilioAccount> {
        self.accounts
            .iter()
            .filter(move |a| a.owner_account_sid == parent_sid && !a.is_parent())
    }

    /// Seeding hook: marks a subaccount as suspended by Twilio itself.
    /// Returns false when the SID is unknown.
    pub(crate) fn set_suspended_by_twilio(&mut self, sid: &str, yes: bool) -> bool {
        match self.get_mut(sid) {
            Some(a) => {
                // Only the flag: the status is left alone so tests control both separately.
                a.suspended_by_twilio = yes;
                true
            }
            None => false,
        }
    }

    /// Seeding hook: what the account spends a day (ten-thousandths of a dollar). Returns
    /// false when the SID is unknown.
    pub(crate) fn set_daily_spend(&mut self, sid: &str, ten_thousandths: u64) -> bool {
        match self.get_mut(sid) {
            Some(a) => {
                a.daily_spend = ten_thousandths;
                true
            }
            None => false,
        }
    }

    pub(crate) fn set_balance(&mut self, sid: &str, balance: Option<(String, String)>) -> bool {
        match self.get_mut(sid) {
            Some(a) => {
                a.balance = balance;
                true
            }
            None => false,
        }
    }

    /// Seeding hook that bypasses the API's rules, e.g. to suspend a parent (which the API
    /// cannot do) so 21476 can be tested. Returns false for an unknown SID or status.
    pub(crate) fn set_status(&mut self, sid: &str, status: &str) -> bool {
        let Some(status) = AccountStatus::parse(status) else {
            return false;
        };
        match self.get_mut(sid) {
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

    fn get_mut(&mut self, sid: &str) -> Option<&mut TwilioAccount> {
        let i = *self.index.get(sid)?;
        self.accounts.get_mut(i)
    }

    pub(crate) fn get(&self, sid: &str) -> Option<&TwilioAccount> {
        self.index.get(sid).map(|&i| &self.accounts[i])
    }

    // ---------------------------------------------------------------- API rules

    /// Whose these Basic credentials are: an Account SID (a parent's, or a subaccount's own)
    /// with its auth token, or an API key (`SK…`) with its secret.
    pub(crate) fn authenticate(&self, user: &str, password: &str) -> Option<TwilioCaller> {
        if let Some(key) = self.keys.get(user) {
            return constant_time_eq(&key.secret, password).then(|| TwilioCaller {
                account_sid: key.parent_sid.clone(),
                key: Some(key.kind),
            });
        }
        let account = self.get(user)?;
        constant_time_eq(&account.auth_token, password).then(|| TwilioCaller {
            account_sid: user.to_owned(),
            key: None,
        })
    }

    /// The account `sid` as seen by the credentials of `caller`: that account itself or one
    /// of its subaccounts.
    pub(crate) fn visible(&self, caller: &str, sid: &str) -> Option<&TwilioAccount> {
        self.get(sid)
            .filter(|a| a.sid == caller || a.owner_account_sid == caller)
    }

    /// Who owns `sid` (its parent's SID), if it exists at all.
    pub(crate) fn owner_of(&self, sid: &str) -> Option<&str> {
        self.get(sid).map(|a| a.owner_account_sid.as_str())
    }

    /// The list `GET /Accounts.json` walks: the caller's own account first, then its
    /// subaccounts by creation time (insertion order breaks ties). A subaccount using its own
    /// credentials sees just itself.
    pub(crate) fn family(&self, caller: &str) -> Vec<&TwilioAccount> {
        let Some(own) = self.get(caller) else {
            return Vec::new();
        };
        let mut subs: Vec<&TwilioAccount> = self
            .accounts
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
    pub(crate) fn purge_closed(&mut self) -> usize {
        let before = self.accounts.len();
        self.accounts
            .retain(|a| a.is_parent() || a.status != AccountStatus::Closed);
        self.index = self
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.sid.clone(), i))
            .collect();
        before - self.accounts.len()
    }

    /// Applies an update with Twilio's rules. Everything is validated before anything
    /// changes, so a refused request never half-applies. Returns whether state changed.
    pub(crate) fn update(
        &mut self,
        parent: &str,
        sid: &str,
        update: &TwilioUpdate<'_>,
    ) -> Result<bool, TwilioUpdateError> {
        let account = self
            .visible(parent, sid)
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
            let parent_status = self.get(&account.owner_account_sid).map(|p| p.status);
            if parent_status != Some(AccountStatus::Active) {
                return Err(TwilioUpdateError::ParentSuspended);
            }
            if account.suspended_by_twilio {
                return Err(TwilioUpdateError::SuspendedByTwilio);
            }
        }

        let account = self.get_mut(sid).ok_or(TwilioUpdateError::NotFound)?;
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

    /// Moves number `pn` of `from` to `to` with Twilio's rules ("exchanging numbers between
    /// subaccounts": the parent's credentials, the parent or another subaccount of it as the
    /// gaining account). Validated before anything changes. Returns whether it moved
    /// (`to == from` changes nothing).
    pub(crate) fn transfer(
        &mut self,
        caller: &str,
        from: &str,
        pn: &str,
        to: &str,
    ) -> Result<bool, TransferError> {
        let caller_is_parent = self.get(caller).is_some_and(TwilioAccount::is_parent);
        let losing = self.visible(caller, from).ok_or(TransferError::NotFound)?;
        let number = losing
            .numbers
            .iter()
            .find(|n| n.sid == pn)
            .ok_or(TransferError::NotFound)?;
        if !caller_is_parent {
            return Err(TransferError::NotParent);
        }
        if to == from {
            return Ok(false);
        }
        let family = losing.owner_account_sid.clone();
        let gaining = self
            .get(to)
            .filter(|a| a.owner_account_sid == family)
            .ok_or(TransferError::Unrelated)?;
        if gaining.status != AccountStatus::Active {
            return Err(TransferError::TargetNotActive);
        }
        if let Some(tie) = number.tied_to {
            return Err(TransferError::Tied(tie));
        }
        let losing = self.get_mut(from).ok_or(TransferError::NotFound)?;
        let i = losing.numbers.iter().position(|n| n.sid == pn);
        let number = losing.numbers.remove(i.ok_or(TransferError::NotFound)?);
        losing.updated = Utc::now();
        self.transfers.push(TwilioTransfer {
            number_sid: number.sid.clone(),
            phone_number: number.phone_number.clone(),
            from: from.to_owned(),
            to: to.to_owned(),
        });
        let gaining = self.get_mut(to).ok_or(TransferError::NotFound)?;
        gaining.numbers.push(number);
        Ok(true)
    }

    /// Seeding hook: ties a number to an Address or Bundle of its account (`None` unties it).
    /// Returns false for an unknown number SID.
    pub(crate) fn tie_number(&mut self, pn: &str, tie: Option<NumberTie>) -> bool {
        let found = self
            .accounts
            .iter_mut()
            .flat_map(|a| a.numbers.iter_mut())
            .find(|n| n.sid == pn);
        match found {
            Some(n) => {
                n.tied_to = tie;
                true
            }
            None => false,
        }
    }

    /// Releases one number from whichever account holds it (as a release in Twilio's Console
    /// does: it leaves the account, to no other). Returns false for an unknown number SID.
    pub(crate) fn release_number(&mut self, pn: &str) -> bool {
        for a in self.accounts.iter_mut() {
            if let Some(at) = a.numbers.iter().position(|n| n.sid == pn) {
                a.numbers.remove(at);
                a.updated = Utc::now();
                return true;
            }
        }
        false
    }

    /// `(sid, phone_number)` of each number `sid` holds, in listing order.
    pub(crate) fn numbers_of(&self, sid: &str) -> Vec<(String, String)> {
        self.get(sid)
            .map(|a| {
                a.numbers
                    .iter()
                    .map(|n| (n.sid.clone(), n.phone_number.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) fn transfers(&self) -> Vec<TwilioTransfer> {
        self.transfers.clone()
    }

    pub(crate) fn snapshot(&self, sid: &str) -> Option<TwilioAccountState> {
        self.get(sid).map(TwilioAccount::snapshot)
    }

    pub(crate) fn all(&self) -> Vec<TwilioAccountState> {
        self.accounts.iter().map(TwilioAccount::snapshot).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeded(seed: u64) -> TwilioWorld {
        TwilioWorld::new(&SimConfig {
            rng_seed: seed,
            ..SimConfig::default()
        })
    }

    fn world_with_sub(status: &str) -> (TwilioWorld, TwilioParent, String) {
        let mut w = seeded(1);
        let p = w.add_parent("P");
        let s = w.add_subaccount(&p.sid, "S", status, 3, Utc::now());
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
        assert_eq!(w.update(&p.sid, &s, &status("closed")), Ok(true));
        assert_eq!(w.snapshot(&s).map(|a| a.numbers), Some(0));
        assert_eq!(
            w.update(&p.sid, &s, &status("active")),
            Err(TwilioUpdateError::Closed)
        );
        assert_eq!(
            w.update(&p.sid, &s, &status("closed")),
            Err(TwilioUpdateError::Closed)
        );
    }

    #[test]
    fn parent_rules() {
        let (mut w, p, s) = world_with_sub("active");
        assert_eq!(
            w.update(&p.sid, &p.sid, &status("closed")),
            Err(TwilioUpdateError::ParentAccount)
        );
        assert!(w.set_status(&p.sid, "suspended"));
        assert_eq!(
            w.update(&p.sid, &s, &status("suspended")),
            Err(TwilioUpdateError::ParentSuspended)
        );
    }

    #[test]
    fn transfers_follow_twilios_rules() {
        let (mut w, p, s) = world_with_sub("active");
        let numbers = w.numbers_of(&s);
        let sibling = w.add_subaccount(&p.sid, "T", "active", 0, Utc::now());
        let paused = w.add_subaccount(&p.sid, "U", "suspended", 0, Utc::now());
        let other = w.add_parent("Other");
        let foreign = w.add_subaccount(&other.sid, "V", "active", 0, Utc::now());
        let pn = numbers[0].0.as_str();
        assert_eq!(
            w.transfer(&p.sid, &s, pn, &s),
            Ok(false),
            "to itself: nothing"
        );
        assert_eq!(
            w.transfer(&p.sid, &s, pn, &foreign),
            Err(TransferError::Unrelated)
        );
        assert_eq!(
            w.transfer(&p.sid, &s, pn, &paused),
            Err(TransferError::TargetNotActive)
        );
        assert_eq!(
            w.transfer(&s, &s, pn, &p.sid),
            Err(TransferError::NotParent)
        );
        assert_eq!(
            w.transfer(&other.sid, &s, pn, &p.sid),
            Err(TransferError::NotFound),
            "another parent does not see the subaccount"
        );
        assert!(w.tie_number(pn, Some(NumberTie::Bundle)));
        assert_eq!(
            w.transfer(&p.sid, &s, pn, &p.sid),
            Err(TransferError::Tied(NumberTie::Bundle))
        );
        assert!(w.tie_number(pn, None));
        // Between two subaccounts of one parent, then on to the parent.
        assert_eq!(w.transfer(&p.sid, &s, pn, &sibling), Ok(true));
        assert_eq!(
            w.transfer(&p.sid, &s, pn, &p.sid),
            Err(TransferError::NotFound)
        );
        assert_eq!(w.transfer(&p.sid, &sibling, pn, &p.sid), Ok(true));
        assert_eq!(w.numbers_of(&p.sid), vec![numbers[0].clone()]);
        assert_eq!(w.transfers().len(), 2);
        assert_eq!(w.snapshot(&s).map(|a| a.numbers), Some(2));
    }

    #[test]
    fn seeding_is_deterministic() {
        let mut a = seeded(9);
        let mut b = seeded(9);
        let pa = a.add_parent("P");
        let pb = b.add_parent("P");
        assert_eq!(pa, pb);
        assert_eq!(
            a.seed_subaccounts(&pa.sid, 20),
            b.seed_subaccounts(&pb.sid, 20)
        );
        let fam = a.family(&pa.sid);
        assert_eq!(fam.len(), 21);
        assert_eq!(fam[1].friendly_name, "Tenant 0001 — Bright Dental");
        assert!(fam.iter().any(|x| x.status == AccountStatus::Closed));
        assert!(fam.iter().any(|x| x.status == AccountStatus::Suspended));
    }
}
