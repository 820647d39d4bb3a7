//! The generator's own pseudo-random numbers: SplitMix64 (Vigna's
//! reference constants). It is written here rather than taken from a crate
//! so that a seed names the same program whatever version of a dependency
//! is built: a seed printed by a failing run must replay years later.

/// A SplitMix64 stream. Every method is total: no input seed, bound or
/// slice makes it panic.
pub struct Rng {
    state: u64,
}

impl Rng {
    /// The stream that seed `seed` names.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`, or 0 when `n` is 0. The modulo bias is
    /// irrelevant for choosing program shapes.
    pub fn below(&mut self, n: u64) -> u64 {
        match n {
            0 => 0,
            _ => self.next_u64() % n,
        }
    }

    /// A number in `lo..=hi` (just `lo` when the range is empty).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = hi.abs_diff(lo).saturating_add(1);
        lo.wrapping_add(self.below(span) as i64)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of `items`, or `None` when it is empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let i = self.below(items.len() as u64) as usize;
        items.get(i)
    }

    /// An index into `weights` chosen in proportion to the weights (0 when
    /// they are all zero or there are none).
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut ticket = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if ticket < u64::from(w) {
                return i;
            }
            ticket -= u64::from(w);
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn matches_the_reference_splitmix64_stream() {
        // The first outputs of Vigna's splitmix64.c seeded with 0.
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn helpers_stay_in_their_ranges() {
        let mut r = Rng::new(7);
        for _ in 0..1000 {
            assert!(r.below(5) < 5);
            let x = r.range(-3, 4);
            assert!((-3..=4).contains(&x));
            assert_eq!(r.weighted(&[0, 3, 0]), 1);
        }
        assert_eq!(r.below(0), 0);
        assert_eq!(r.range(5, 5), 5);
        // The widest range does not overflow.
        let _ = r.range(i64::MIN, i64::MAX);
        assert!(r.pick::<u8>(&[]).is_none());
        assert_eq!(r.weighted(&[]), 0);
    }
}
