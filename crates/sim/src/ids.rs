//! Identifier building blocks every provider uses (alphabets, UUIDs, per-request bits). Each
//! provider's own ID formats (Twilio's SIDs, Vobiz's `MA_`/`SA_` ids, ...) are declared in its
//! module, built from these.
//!
//! Account ids come from a seeded RNG (so a seeded world is the same every run); request ids
//! are derived from the request's sequence number, so handing them out needs no lock and does
//! not disturb the sequence of account ids.

use rand::rngs::StdRng;
use rand::Rng;

pub(crate) const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `n` characters drawn from `alphabet`.
pub(crate) fn from_alphabet(rng: &mut StdRng, alphabet: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// Mixed-case alphanumeric secret (auth tokens, API key secrets).
pub(crate) fn secret(rng: &mut StdRng, n: usize) -> String {
    from_alphabet(rng, ALNUM, n)
}

/// A version-4-looking UUID.
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
pub(crate) fn request_bits(seed: u64, seq: u64) -> u128 {
    let hi = splitmix64(seq ^ 0x5157_1D00_5157_1D00);
    let lo = splitmix64(seed.wrapping_add(seq.rotate_left(17)));
    (u128::from(hi) << 64) | u128::from(lo)
}

/// A UUID for the `seq`-th request (a request id in UUID form), unique within a simulator.
pub(crate) fn request_uuid(seed: u64, seq: u64) -> String {
    uuid_from_bits(request_bits(seed, seq))
}

/// `n` upper-case letters and digits.
pub(crate) fn upper_alnum(rng: &mut StdRng, n: usize) -> String {
    from_alphabet(rng, UPPER_ALNUM, n)
}

/// `n` lower-case hex digits.
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
        let u = uuid_like(&mut rng);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_eq!(request_uuid(42, 7).len(), 36);
        assert_ne!(request_uuid(42, 7), request_uuid(42, 8));
        let id = upper_alnum(&mut rng, 18);
        assert!(id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
    }
}
