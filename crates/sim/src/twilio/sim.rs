//! Seeding, switches and inspection of Twilio accounts through [`Sim::twilio`], for tests
//! and the demo.

use chrono::Utc;

use super::state::{
    NumberTie, TwilioAccountState, TwilioKeyKind, TwilioParent, TwilioTransfer, TwilioWorld,
};
use crate::shared::Shared;
use crate::Sim;

/// The simulator's Twilio accounts: `sim.twilio()`.
pub struct TwilioSim<'a> {
    shared: &'a Shared,
}

impl Sim {
    /// Seeding, switches and inspection of the simulated Twilio.
    pub fn twilio(&self) -> TwilioSim<'_> {
        TwilioSim {
            shared: &self.shared,
        }
    }
}

impl TwilioSim<'_> {
    fn world<R>(&self, f: impl FnOnce(&mut TwilioWorld) -> R) -> R {
        self.shared.state(f)
    }

    /// A new Twilio parent (main) account with its auth token.
    pub fn add_parent(&self, friendly_name: &str) -> TwilioParent {
        self.world(|w| w.add_parent(friendly_name))
    }

    /// A Main API key (`SK…`, secret) of `parent_sid`: authenticates as that parent.
    ///
    /// # Panics
    /// If `parent_sid` is not a parent added to this simulator.
    pub fn add_api_key(&self, parent_sid: &str) -> (String, String) {
        self.add_api_key_of_kind(parent_sid, TwilioKeyKind::Main)
    }

    /// An API key of the given kind: a Standard key cannot use the Accounts resource.
    ///
    /// # Panics
    /// If `parent_sid` is not a parent added to this simulator.
    pub fn add_api_key_of_kind(&self, parent_sid: &str, kind: TwilioKeyKind) -> (String, String) {
        self.world(|w| w.add_api_key(parent_sid, kind))
    }

    /// The auth token of any Twilio account, a subaccount included (Twilio returns it with
    /// the account): for tests that use a subaccount's own credentials.
    pub fn auth_token(&self, sid: &str) -> Option<String> {
        self.world(|w| w.get(sid).map(|a| a.auth_token.clone()))
    }

    /// Deletes closed subaccounts now, as Twilio does 30 days after closure.
    pub fn purge_closed(&self) -> usize {
        self.world(TwilioWorld::purge_closed)
    }

    /// See [`crate::TwilioConfig::purge_closed`].
    pub fn set_purge_closed(&self, yes: bool) {
        self.world(|w| w.switches.purge_closed = yes);
    }

    /// See [`crate::TwilioConfig::suspended_reads_refused`].
    pub fn set_suspended_reads_refused(&self, yes: bool) {
        self.world(|w| w.switches.suspended_reads_refused = yes);
    }

    /// See [`crate::TwilioConfig::main_key_writes_subaccounts`].
    pub fn set_main_key_writes_subaccounts(&self, yes: bool) {
        self.world(|w| w.switches.main_key_writes_subaccounts = yes);
    }

    /// A subaccount with `numbers` IncomingPhoneNumbers (none if `status` is "closed",
    /// since closing releases them). Returns its SID.
    ///
    /// # Panics
    /// If `parent_sid` is not a parent of this simulator or `status` is not
    /// "active" | "suspended" | "closed".
    pub fn add_subaccount(
        &self,
        parent_sid: &str,
        friendly_name: &str,
        status: &str,
        numbers: usize,
    ) -> String {
        self.world(|w| w.add_subaccount(parent_sid, friendly_name, status, numbers, Utc::now()))
    }

    /// `n` deterministic subaccounts named like "Tenant 0001 — Bright Dental": mostly
    /// active, about one in eight suspended, one in seventeen closed, 0–5 numbers each.
    /// Creation times are back-dated an hour apart, so they list before accounts added
    /// later with [`TwilioSim::add_subaccount`].
    ///
    /// # Panics
    /// If `parent_sid` is not a parent of this simulator.
    pub fn seed_subaccounts(&self, parent_sid: &str, n: usize) -> Vec<String> {
        self.world(|w| w.seed_subaccounts(parent_sid, n))
    }

    /// Marks a subaccount as suspended by Twilio: its status can then no longer be changed
    /// (error 21478). Its status itself is left as it is.
    pub fn set_suspended_by_twilio(&self, sub_sid: &str, yes: bool) {
        self.world(|w| w.set_suspended_by_twilio(sub_sid, yes));
    }

    /// Sets what `Balance.json` reports for an account: `Some((balance, currency))`, or `None`
    /// for the spec's "child accounts do not contain balance information" (`balance` and
    /// `currency` null, the default for subaccounts). Returns false for an unknown SID.
    pub fn set_balance(&self, sid: &str, balance: Option<(&str, &str)>) -> bool {
        self.world(|w| w.set_balance(sid, balance.map(|(b, c)| (b.to_owned(), c.to_owned()))))
    }

    /// Sets what the account spends every day, in ten-thousandths of a US dollar (`12_500`
    /// is $1.25): each day's `totalprice` UsageRecord. Returns false for an unknown SID.
    pub fn set_daily_spend(&self, sid: &str, ten_thousandths: u64) -> bool {
        self.world(|w| w.set_daily_spend(sid, ten_thousandths))
    }

    /// Sets any Twilio account's status directly, bypassing the API's rules — the only way
    /// to suspend a *parent* (for error 21476). Closing releases numbers as usual.
    /// Returns false for an unknown SID or status.
    pub fn set_status(&self, sid: &str, status: &str) -> bool {
        self.world(|w| w.set_status(sid, status))
    }

    /// `(sid, phone_number)` of each IncomingPhoneNumber the account holds, in listing order.
    pub fn numbers(&self, sid: &str) -> Vec<(String, String)> {
        self.world(|w| w.numbers_of(sid))
    }

    /// Ties a number to an Address or a regulatory Bundle of its account, so a transfer is
    /// refused (21613 or 21649); `None` unties it. Returns false for an unknown number SID.
    pub fn tie_number(&self, number_sid: &str, tie: Option<NumberTie>) -> bool {
        self.world(|w| w.tie_number(number_sid, tie))
    }

    /// Releases one number outside any API call (a release in Twilio's Console, made outside
    /// Subdesk): it leaves its account and goes to no other. False for an unknown number SID.
    pub fn release_number(&self, number_sid: &str) -> bool {
        self.world(|w| w.release_number(number_sid))
    }

    /// Every number transfer applied so far, in order.
    pub fn transfers(&self) -> Vec<TwilioTransfer> {
        self.world(|w| w.transfers())
    }

    pub fn account(&self, sid: &str) -> Option<TwilioAccountState> {
        self.world(|w| w.snapshot(sid))
    }
}
