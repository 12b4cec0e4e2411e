//! Twilio's ID formats.

use rand::rngs::StdRng;
use rand::Rng;

use crate::ids::request_bits;

/// `prefix` + 32 lower-case hex digits: Twilio's SID shape (AC…, SK…, PN…).
pub(crate) fn sid(rng: &mut StdRng, prefix: &str) -> String {
    format!("{prefix}{}", hex32(rng))
}

/// 32 lower-case hex digits (Twilio auth tokens).
pub(crate) fn hex32(rng: &mut StdRng) -> String {
    format!("{:032x}", rng.random::<u128>())
}

/// Twilio's `Twilio-Request-Id` value: `RQ` + 32 hex.
pub(crate) fn request_id(seed: u64, seq: u64) -> String {
    format!("RQ{:032x}", request_bits(seed, seq))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn shapes() {
        let mut rng = StdRng::seed_from_u64(1);
        let sid = sid(&mut rng, "AC");
        assert_eq!(sid.len(), 34);
        assert!(sid[2..].chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(request_id(42, 7).len(), 34);
        assert_ne!(request_id(42, 7), request_id(42, 8));
    }
}
