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
//! - **Which credential is wrong.** With an Account SID and its Auth Token, the SID is the
//!   username: an unknown SID and a wrong token both fail authentication, 401 code 20003, whose
//!   causes include "using the wrong combination of Account SID and Auth Token" [doc:
//!   twilio.com/docs/api/errors/20003]. Nothing tells the two apart, so one sentence names both
//!   fields and where each is in the Console (Account Info on the dashboard [doc:
//!   twilio.com/docs/usage/your-request-to-twilio: "They can be found on your Account Dashboard"]).
//!   With an API key the username is the key SID and the password its secret [doc:
//!   twilio.com/docs/usage/requests-to-twilio, "Authentication"]; the Account SID is only in the
//!   path. The key then authenticates on its own, and an Account SID no account has is a
//!   resource Twilio cannot find: 404 code 20404, "the SID in the request does not exist"
//!   [doc: twilio.com/docs/api/errors/20404]. Assumed: an existing account SID of another
//!   parent answers 20003 instead (the key "is not valid there", like a key of the wrong
//!   Region in 20003's causes). *Test connection* says the first as an unknown Account SID
//!   ([`UNKNOWN_ACCOUNT_SID`], marked on that field), the second with the key's causes.
//!   Simulator: `auth::resolve`, tested in the simulator's `authentication_failures_and_api_keys`.
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
//! - **Moving numbers to the parent before a close** ("exchanging numbers between
//!   subaccounts"). The request: `POST /2010-04-01/Accounts/{SubSid}/IncomingPhoneNumbers/
//!   {PNSid}.json` with the form field `AccountSid` set to the gaining account, with the
//!   parent's credentials [spec: `UpdateIncomingPhoneNumber`, whose `AccountSid` points to
//!   twilio.com/docs/iam/api/subaccounts#exchanging-numbers; doc: help.twilio.com article
//!   360038163473 "Move Phone Numbers Between Twilio Accounts and their Subaccounts": between a
//!   parent and its subaccounts or two subaccounts of one parent, never to an unrelated account;
//!   a Bundle, an Address or both "may be needed for regulatory compliance on the account …
//!   that will be receiving the phone number"]. Documented refusals, each modelled by the
//!   simulator with its page's code and message: 21474 "API User must be the parent account to
//!   transfer phone numbers"; 21473 "AccountSid you are transferring to is not related to the
//!   originating owner"; 21472 "The AccountSid you specified is not an active Twilio Account";
//!   21613 "PhoneNumber Requires an Address" ("If you received this error when trying to
//!   transfer a phone number to a subaccount or between subaccounts, please ensure that the
//!   subaccount has the correct address on file") [doc: twilio.com/docs/api/errors/21613];
//!   21649 for a regulated number without a compliant Bundle [doc: Twilio changelog "Regulated
//!   Number Bundle Provisioning Requirement", 2020-02-12]. The documents disagree on whose
//!   address counts: the support article and the readme reference ("you will need to create a
//!   compliant Address in the new subaccount before transferring") name the *gaining* account,
//!   the 21613 page says "the subaccount" (which, for a move to the parent, is the losing one).
//!   The simulator models a number tied to an Address or a Bundle (seeded with
//!   `sim.twilio().tie_number`) as refused whichever account holds the address, and this code
//!   assumes only that a refusal is possible and final for this attempt: the number stays,
//!   the account is not closed, and the history and the result say which number stayed and
//!   Twilio's reason ("add a compliant address or bundle to the parent account"). HTTP status
//!   of these refusals: not documented; assumed 400 like Twilio's other 21xxx validation codes.
//!   A transfer that may have applied (a 5xx, a timeout, a crash) is settled by reading where
//!   the number is: the subaccount's numbers, then the parent's own number [spec:
//!   `FetchIncomingPhoneNumber`, `GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/
//!   {Sid}.json`, Twilio's 404 when the account holds no such number]. Moved only when the
//!   parent holds it; gone from both (a close or a release made outside Subdesk releases the
//!   subaccount's numbers) stays not known, for the user to record. Sending it again is safe:
//!   once the number has left the subaccount, the same request answers 404 and moves nothing.
//! - **Moving numbers out of a suspended subaccount.** No document says whether a suspended
//!   subaccount's numbers can be transferred. The suspension article says Twilio keeps them and
//!   "we leave it up to the owner of the parent account to determine if they want to release
//!   the phone numbers of the suspended subaccount" [doc: help.twilio.com article 223183768];
//!   21472's page is about the account *specified* (the gaining one) being inactive; and the
//!   suspended subaccount's own resources may answer 20003 to its parent (above). Assumed: not
//!   allowed as far as the documents go, so Subdesk does not offer the move as a separate step
//!   in the Suspend dialogs (they say so), and a Close of a suspended subaccount with the move
//!   asks Twilio and reports its refusal: the account is then not closed. Simulator: the
//!   transfer follows `twilio_suspended_reads_refused` (on: 401 20003 for a suspended
//!   subaccount's number; off: the move is allowed).

use crate::model::Status;

/// *Test connection* with an API key that Twilio accepted, on an Account SID it does not know
/// (404, code 20404).
pub(crate) const UNKNOWN_ACCOUNT_SID: &str = "Twilio accepted the API key, but has no account with this Account SID. Copy the Account SID again from Account Info on the Twilio Console's dashboard of the account that owns the key: it starts with AC.";

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

    /// The close dialog's sentence when the numbers could not be counted: what is released,
    /// then why Subdesk could not count it, each a whole sentence.
    pub(crate) fn released_sentence(self) -> String {
        let why = match self {
            Unreadable::ApiKey => {
                "This connection's API key cannot read a subaccount's phone numbers.".to_string()
            }
            refused => refused.sentence("phone numbers"),
        };
        format!(
            "Twilio releases all phone numbers of this subaccount, and Subdesk could not count them: {why} Released numbers may go to someone else."
        )
    }
}
