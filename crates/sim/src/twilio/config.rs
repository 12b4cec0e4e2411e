//! The simulated Twilio's settings (see [`crate::SimConfig::twilio`]).

/// How the simulated Twilio behaves where the docs leave room; changeable later through
/// [`crate::Sim::twilio`] or `POST /_sim/config`.
#[derive(Debug, Clone)]
pub struct TwilioConfig {
    /// Whether a parent's Main API key may change a subaccount's `Status`. The
    /// docs disagree (Main keys are "equivalent to the Auth Token" on the keys page; "denied
    /// on subaccount resources" on the subaccounts page). Reads of a subaccount's own
    /// resources (its IncomingPhoneNumbers) are always denied to a Main key.
    pub main_key_writes_subaccounts: bool,
    /// Closed subaccounts disappear (a fetch answers 404) right after closing, as
    /// they do 30 days after closure when automatic deletion is on (Twilio's default).
    pub purge_closed: bool,
    /// Reads of a suspended or closed subaccount's own resources (its
    /// IncomingPhoneNumbers, its Balance) answer 401 with code 20003, even with the parent's
    /// Auth Token. Twilio's page for error 20003 lists "the account is suspended or closed"
    /// among its causes; whether the parent's reads of a subaccount are refused that way is
    /// not documented, so on by default (the cautious reading) and off for the other.
    pub suspended_reads_refused: bool,
}

impl Default for TwilioConfig {
    fn default() -> Self {
        TwilioConfig {
            main_key_writes_subaccounts: true,
            purge_closed: false,
            suspended_reads_refused: true,
        }
    }
}
