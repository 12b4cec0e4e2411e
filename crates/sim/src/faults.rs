//! Fault rolls. Which fault hits which request is decided here, from the seeded RNG; how a
//! fault looks on the wire is up to the pipeline (status bodies) and the server (resets).

use rand::rngs::StdRng;
use rand::Rng;

use crate::config::{FaultKind, FaultPlan};

/// The fault chosen for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FaultDraw {
    pub(crate) kind: FaultKind,
    /// For kinds that may strike after the work was done (all but 429): whether the state
    /// change goes through. Ignored for 429, which is never processed.
    pub(crate) apply_first: bool,
}

impl FaultKind {
    /// Whether this kind may strike after the request changed state.
    pub(crate) fn may_apply(self) -> bool {
        self != FaultKind::TooManyRequests
    }
}

/// One roll per request: a uniform draw against `plan.rate`, then (only when it hits) the
/// kind and the applied-first coin. Always consuming the first draw keeps the sequence
/// aligned with request order whatever the plan is.
pub(crate) fn roll(rng: &mut StdRng, plan: &FaultPlan) -> Option<FaultDraw> {
    let x: f64 = rng.random();
    // Written as `hit` rather than `!(x < rate)` so a NaN rate means "never".
    let hit = x < plan.rate;
    if plan.kinds.is_empty() || !hit {
        return None;
    }
    let kind = plan.kinds[rng.random_range(0..plan.kinds.len())];
    let apply_first = rng.random_bool(0.5);
    Some(FaultDraw { kind, apply_first })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn rate_is_honoured_and_reproducible() {
        let plan = FaultPlan {
            rate: 0.2,
            kinds: FaultKind::ALL.to_vec(),
        };
        let run = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..10_000)
                .map(|_| roll(&mut rng, &plan))
                .collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7));
        let hits = a.iter().flatten().count();
        assert!((1_700..2_300).contains(&hits), "hits = {hits}");
        for kind in FaultKind::ALL {
            assert!(a.iter().flatten().any(|d| d.kind == kind));
        }
    }

    #[test]
    fn no_kinds_no_faults() {
        let mut rng = StdRng::seed_from_u64(1);
        let plan = FaultPlan {
            rate: 1.0,
            kinds: vec![],
        };
        assert!((0..100).all(|_| roll(&mut rng, &plan).is_none()));
    }
}
