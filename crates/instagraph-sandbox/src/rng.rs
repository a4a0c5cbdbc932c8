//! A tiny seeded PRNG (splitmix64); every id, token, trace id and salt comes from here.

/// splitmix64 generator.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64 {
    state: u64,
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.state)
    }

    /// Uniform-ish value in `0..n` (0 when `n == 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// Value in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo).saturating_add(1))
    }

    /// `n` decimal digits.
    pub(crate) fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    fn pick_chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| char::from(alphabet[self.below(alphabet.len() as u64) as usize]))
            .collect()
    }

    /// `n` characters from `[A-Za-z0-9]`.
    pub(crate) fn alnum(&mut self, n: usize) -> String {
        self.pick_chars(ALNUM, n)
    }

    /// `n` characters from the base64url alphabet.
    pub(crate) fn b64url(&mut self, n: usize) -> String {
        self.pick_chars(B64URL, n)
    }

    /// `n` lowercase hex characters.
    pub(crate) fn hex(&mut self, n: usize) -> String {
        self.pick_chars(b"0123456789abcdef", n)
    }
}

/// The splitmix64 finaliser; also used as a cheap keyed hash.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a hash of a string, for salting.
pub(crate) fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        assert_eq!(a.alnum(40), b.alnum(40));
        assert_ne!(a.next_u64(), SplitMix64::new(8).next_u64());
    }

    #[test]
    fn digits_are_digits() {
        let mut r = SplitMix64::new(1);
        let d = r.digits(30);
        assert_eq!(d.len(), 30);
        assert!(d.bytes().all(|b| b.is_ascii_digit()));
        assert!(r.range(5, 5) == 5);
    }
}
