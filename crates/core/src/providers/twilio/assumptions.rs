//! Every guess about Twilio's Accounts resource in one place, with its source (facts:
//! shared/reference/providers.md §1; the official OpenAPI document in shared/reference/,
//! checked request by request in `tests/twilio_spec.rs`).
//!
//! The simulator models each of these, with both readings where the documents disagree.
//! - **API keys on subaccounts.** The keys page says a Main key is equivalent to the Auth
//!   Token; the subaccounts page says main-account keys are denied on subaccount resources
//!   (field reports: 401 on a subaccount's IncomingPhoneNumbers). Assumed: a key's 401 on a
//!   subaccount's numbers is that limit (numbers then shown as unknown, the close still guarded
//!   and its snapshot saying the numbers could not be read), and whether a key may POST a
//!   subaccount's `Status` is unknown, so a 401 there is reported as the key's limit with the
//!   advice to use the Auth Token, never as wrong credentials. *Test connection* probes the
//!   numbers of one subaccount (reads only) and says what the key cannot do.
//!   Simulator knob: `twilio_main_key_writes_subaccounts`.
//! - **A suspended or closed subaccount's own resources.** Twilio's page for error 20003 lists
//!   "the account is suspended or closed" among its causes [doc: twilio.com/docs/api/errors/20003];
//!   whether the parent's reads of a suspended subaccount's IncomingPhoneNumbers and Balance
//!   are refused that way is not documented. Assumed: they may be. A 20003 on those reads while
//!   the account itself reads fine (so the parent's credentials work) is said as it is ("Twilio
//!   does not let Subdesk read a suspended subaccount's phone numbers"), never as wrong
//!   credentials: the close preview counts nothing ("could not count"), the detail says so,
//!   and the close snapshot records `numbers_unreadable` and the reason with `numbers` null, so
//!   the suspend-then-close flow goes ahead. Simulator knob: `twilio_suspended_reads_refused`
//!   (on by default; off is the other reading). Not modelled: error 20403 ("403 Forbidden",
//!   "typically this means the account has been suspended or closed"), which Twilio may give
//!   instead; it is read as Twilio's refusal with its message.
//! - **Standard and Restricted keys** cannot use `/Accounts`. Assumed answer: 401 (20003), the
//!   same as a wrong secret; the sentence names both causes.
//! - **A subaccount's own credentials** authenticate and fetch that subaccount, whose
//!   `owner_account_sid` is the parent's SID: refused at *Test connection*.
//! - **Closed subaccounts are deleted 30 days after closure** by default, after which a fetch
//!   answers 404: for a Close (in actions, reconciliation and bulk jobs) that means done.
//!   Simulator: `sim.twilio().purge_closed()`, knob `twilio_purge_closed`.
//! - **Only 429 (20429) is "not processed".** Any 5xx, a gateway's 502/504 (an HTML page, not
//!   Twilio's JSON), a reset or a timeout on a write may have applied it, possibly later than
//!   the failure answer (knob `apply_delay`). A Close is then never sent again (see
//!   `actions.rs`). Whether 429s carry `Retry-After` is not documented: honoured when present.
//! - **Spend per subaccount.** Usage Records under the subaccount, read with the parent's
//!   credentials [spec: `ListUsageRecordDaily`, `/2010-04-01/Accounts/{AccountSid}/Usage/Records/Daily.json`,
//!   query `Category`, `StartDate`, `EndDate` (`YYYY-MM-DD`, GMT), `IncludeSubaccounts`,
//!   `PageSize` ≤ 1000; record fields `start_date`, `price`, `price_unit`; shared/reference/providers.md
//!   §11]. The category `totalprice` is "the total price of all usage" [doc:
//!   twilio.com/docs/usage/api/usage-record#usage-categories]. Assumed: one daily list from the
//!   earlier of 30 days ago and the first of the month gives both figures in one request (the
//!   sums of the days each covers), rather than `Records.json` and `Records/ThisMonth.json`
//!   separately; `price` is read as a string (the spec's examples) or a number (its schema);
//!   days in different `price_unit`s are never added. A 20003 on a suspended or closed
//!   subaccount's usage is the same case as its numbers (above); any other failure is said in
//!   the Spend cell and never blocks an action. Checked request by request against the spec in
//!   `tests/twilio_spec.rs`.
//! - **No balance per subaccount.** "Subaccounts share the parent account's balance" [doc:
//!   support.twilio.com/hc/en-us/articles/223136587; spec `api.v2010.account.balance`: "child
//!   accounts do not contain balance information"]: the Balance column says so.
//! - **Numbers released by a close**: only IncomingPhoneNumbers are listed and kept in the
//!   history before a close; other assets (short codes, SIP domains) are not confirmed.

use crate::model::Status;

/// The Balance column's words for a Twilio subaccount.
pub(crate) const SHARED_BALANCE: &str = "Shares the parent account's balance.";

/// Why a subaccount's numbers or balance could not be read, in words for the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unreadable {
    /// This connection's API key may not reach a subaccount's resources (documented).
    ApiKey,
    /// Twilio answered 20003 although the parent's credentials work (the account itself was
    /// just read): a suspended or closed subaccount's resources, per error 20003's causes.
    Refused { status: Status },
}

impl Unreadable {
    /// "Twilio does not let Subdesk read a suspended subaccount's phone numbers." (`what`:
    /// phone numbers, balance).
    pub(crate) fn sentence(self, what: &str) -> String {
        match self {
            Unreadable::ApiKey => format!(
                "This connection's API key cannot read the subaccount's {what}; use the account's Auth Token to see them."
            ),
            Unreadable::Refused {
                status: status @ (Status::Suspended | Status::Closed),
            } => format!(
                "Twilio does not let Subdesk read a {} subaccount's {what}.",
                status.as_str()
            ),
            Unreadable::Refused { .. } => format!(
                "Twilio refused to let Subdesk read this subaccount's {what}, although the parent account's credentials work."
            ),
        }
    }

    /// The words of a count that could not be made, for the close dialog.
    pub(crate) fn count_words(self) -> String {
        match self {
            Unreadable::ApiKey => {
                "all phone numbers (this connection's API key cannot count them)".into()
            }
            refused => format!(
                "all phone numbers ({} Subdesk could not count them)",
                refused.sentence("phone numbers").trim_end_matches('.')
            ),
        }
    }
}
