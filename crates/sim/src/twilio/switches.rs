//! Twilio's switches as `/_sim/config` reads and patches them.

use serde_json::{Map, Value};

use super::state::TwilioWorld;
use crate::provider::{take_bool, SwitchChange};
use crate::shared::Shared;

const MAIN_KEY_WRITES: &str = "twilio_main_key_writes_subaccounts";
const PURGE_CLOSED: &str = "twilio_purge_closed";
const SUSPENDED_READS_REFUSED: &str = "twilio_suspended_reads_refused";

pub(super) fn to_json(shared: &Shared) -> Map<String, Value> {
    let s = shared.state(|w: &mut TwilioWorld| w.switches);
    let mut map = Map::new();
    map.insert(
        MAIN_KEY_WRITES.into(),
        Value::Bool(s.main_key_writes_subaccounts),
    );
    map.insert(PURGE_CLOSED.into(), Value::Bool(s.purge_closed));
    map.insert(
        SUSPENDED_READS_REFUSED.into(),
        Value::Bool(s.suspended_reads_refused),
    );
    map
}

pub(super) fn take(patch: &mut Map<String, Value>) -> Result<Option<SwitchChange>, String> {
    let main_key_writes = take_bool(patch, MAIN_KEY_WRITES)?;
    let purge_closed = take_bool(patch, PURGE_CLOSED)?;
    let suspended_reads = take_bool(patch, SUSPENDED_READS_REFUSED)?;
    if main_key_writes.is_none() && purge_closed.is_none() && suspended_reads.is_none() {
        return Ok(None);
    }
    Ok(Some(Box::new(move |shared: &Shared| {
        shared.state(|w: &mut TwilioWorld| {
            if let Some(yes) = main_key_writes {
                w.switches.main_key_writes_subaccounts = yes;
            }
            if let Some(yes) = purge_closed {
                w.switches.purge_closed = yes;
            }
            if let Some(yes) = suspended_reads {
                w.switches.suspended_reads_refused = yes;
            }
        })
    })))
}
