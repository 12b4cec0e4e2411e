//! Identifier generators in the providers' formats.
//!
//! Account ids come from a seeded RNG (so a seeded world is the same every run); request ids
//! are derived from the request's sequence number, so handing them out needs no lock and does
//! not disturb the sequence of account ids.

use rand::rngs::StdRng;
use rand::Rng;

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `prefix` + 32 lower-case hex digits: Twilio's SID shape (AC…, SK…, PN…).
pub(crate) fn twilio_sid(rng: &mut StdRng, prefix: &str) -> String {
    format!("{prefix}{}", hex32(rng))
}

/// 32 lower-case hex digits (Twilio auth tokens).
pub(crate) fn hex32(rng: &mut StdRng) -> String {
    format!("{:032x}", rng.random::<u128>())
}

/// `n` characters drawn from `alphabet`.
fn from_alphabet(rng: &mut StdRng, alphabet: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// `prefix` + 8 upper-case alphanumerics: Vobiz's `MA_…` / `SA_…` shape (length after the
/// prefix is not confirmed; the docs' examples use 8).
pub(crate) fn vobiz_auth_id(rng: &mut StdRng, prefix: &str) -> String {
    format!("{prefix}{}", from_alphabet(rng, UPPER_ALNUM, 8))
}

/// Mixed-case alphanumeric secret (Vobiz auth tokens, Twilio API key secrets).
pub(crate) fn secret(rng: &mut StdRng, n: usize) -> String {
    from_alphabet(rng, ALNUM, n)
}

/// A version-4-looking UUID (Vobiz `api_id`).
pub(crate) fn uuid_like(rng: &mut StdRng) -> String {
    uuid_from_bits(rng.random::<u128>())
}

fn uuid_from_bits(bits: u128) -> String {
    // Set the version (4) and variant (10xx) bits so it looks like what real servers send.
    let bits = (bits & !(0xF << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// SplitMix64: a bijective mixer, so distinct inputs give distinct outputs.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 128 bits that are unique per `seq` within one simulator (the high half is a bijection of
/// `seq`) and differ between seeds.
fn request_bits(seed: u64, seq: u64) -> u128 {
    let hi = splitmix64(seq ^ 0x5157_1D00_5157_1D00);
    let lo = splitmix64(seed.wrapping_add(seq.rotate_left(17)));
    (u128::from(hi) << 64) | u128::from(lo)
}

/// Twilio's `Twilio-Request-Id` value: `RQ` + 32 hex.
pub(crate) fn twilio_request_id(seed: u64, seq: u64) -> String {
    format!("RQ{:032x}", request_bits(seed, seq))
}

/// Vobiz's envelope `requestId`: `req_` + 24 hex.
pub(crate) fn vobiz_request_id(seed: u64, seq: u64) -> String {
    format!("req_{:024x}", request_bits(seed, seq) >> 32)
}

/// Plivo-style `api_id` for a request: a UUID.
pub(crate) fn vobiz_api_id(seed: u64, seq: u64) -> String {
    uuid_from_bits(request_bits(seed, seq))
}

/// `n` upper-case letters and digits (Plivo's `MA…`/`SA…` ids).
pub(crate) fn upper_alnum(rng: &mut StdRng, n: usize) -> String {
    from_alphabet(rng, UPPER_ALNUM, n)
}

/// `n` lower-case hex digits (Vonage API keys).
pub(crate) fn hex(rng: &mut StdRng, n: usize) -> String {
    from_alphabet(rng, b"0123456789abcdef", n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn shapes() {
        let mut rng = StdRng::seed_from_u64(1);
        let sid = twilio_sid(&mut rng, "AC");
        assert_eq!(sid.len(), 34);
        assert!(sid[2..].chars().all(|c| c.is_ascii_hexdigit()));
        let id = vobiz_auth_id(&mut rng, "SA_");
        assert_eq!(id.len(), 11);
        assert!(id[3..]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
        let u = uuid_like(&mut rng);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_eq!(twilio_request_id(42, 7).len(), 34);
        assert_ne!(twilio_request_id(42, 7), twilio_request_id(42, 8));
    }
}
