//! Vobiz's ID formats.

use rand::rngs::StdRng;

use crate::ids::{from_alphabet, request_bits, request_uuid, UPPER_ALNUM};

/// `prefix` + 8 upper-case alphanumerics: Vobiz's `MA_…` / `SA_…` shape (length after the
/// prefix is not confirmed; the docs' examples use 8).
pub(crate) fn auth_id(rng: &mut StdRng, prefix: &str) -> String {
    format!("{prefix}{}", from_alphabet(rng, UPPER_ALNUM, 8))
}

/// Vobiz's envelope `requestId`: `req_` + 24 hex.
pub(crate) fn request_id(seed: u64, seq: u64) -> String {
    format!("req_{:024x}", request_bits(seed, seq) >> 32)
}

/// The Plivo-style error body's `api_id` for a request: a UUID.
pub(crate) fn api_id(seed: u64, seq: u64) -> String {
    request_uuid(seed, seq)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn shapes() {
        let mut rng = StdRng::seed_from_u64(1);
        let id = auth_id(&mut rng, "SA_");
        assert_eq!(id.len(), 11);
        assert!(id[3..]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
        assert_eq!(request_id(42, 7).len(), 28);
    }
}
