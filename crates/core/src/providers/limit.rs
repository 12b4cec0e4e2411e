//! An adaptive limit on requests in flight to one parent account.
//!
//! Providers cap *concurrent* requests per account (Twilio's 20429) without saying where the cap
//! is. Retrying harder at a fixed concurrency just collides again; instead the limit halves on
//! every 429 and creeps back up by one after a run of successes (additive increase,
//! multiplicative decrease), so a job settles at what the provider accepts.

use std::sync::Mutex;

use tokio::sync::{Semaphore, SemaphorePermit};

pub struct AdaptiveLimit {
    permits: Semaphore,
    state: Mutex<State>,
}

struct State {
    limit: usize,
    max: usize,
    /// Permits to retire as they come back, after a decrease while they were in use.
    debt: usize,
    successes: usize,
    /// Bumped on every decrease: a wave of 429s from requests sent before the decrease halves
    /// the limit once, not once per request.
    generation: u64,
}

/// Held for the duration of one request.
pub struct Slot<'a> {
    permit: Option<SemaphorePermit<'a>>,
    limit: &'a AdaptiveLimit,
    generation: u64,
}

impl Slot<'_> {
    pub fn rate_limited(&self) {
        self.limit.rate_limited(self.generation);
    }

    pub fn succeeded(&self) {
        self.limit.succeeded();
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut s = self.limit.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = self.permit.take() {
            if s.debt > 0 {
                s.debt -= 1;
                p.forget();
            }
        }
    }
}

impl AdaptiveLimit {
    pub fn new(max: usize) -> AdaptiveLimit {
        let max = max.max(1);
        AdaptiveLimit {
            permits: Semaphore::new(max),
            state: Mutex::new(State {
                limit: max,
                max,
                debt: 0,
                successes: 0,
                generation: 0,
            }),
        }
    }

    pub async fn acquire(&self) -> Slot<'_> {
        let permit = self.permits.acquire().await.ok();
        let generation = self
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .generation;
        Slot {
            permit,
            limit: self,
            generation,
        }
    }

    /// The provider said "too many": halve the limit (never below one).
    fn rate_limited(&self, generation: u64) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if generation != s.generation {
            return;
        }
        s.generation += 1;
        let new = (s.limit / 2).max(1);
        let cut = s.limit - new;
        if cut == 0 {
            return;
        }
        s.limit = new;
        s.successes = 0;
        let forgotten = self.permits.forget_permits(cut);
        s.debt += cut - forgotten;
    }

    /// A request went through: after `limit` successes in a row, allow one more in flight.
    fn succeeded(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.successes += 1;
        if s.successes >= s.limit && s.limit < s.max {
            s.successes = 0;
            s.limit += 1;
            if s.debt > 0 {
                s.debt -= 1;
            } else {
                self.permits.add_permits(1);
            }
        }
    }

    /// A new ceiling (the concurrency setting changed). Lowering it retires permits as they
    /// come back; raising it lets the limit grow to the new ceiling through successes.
    pub fn set_max(&self, max: usize) {
        let max = max.max(1);
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.max = max;
        if s.limit > max {
            let cut = s.limit - max;
            s.limit = max;
            let forgotten = self.permits.forget_permits(cut);
            s.debt += cut - forgotten;
        }
    }

    pub fn current(&self) -> usize {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn halves_on_429_and_recovers_one_step_at_a_time() {
        let l = AdaptiveLimit::new(8);
        let wave: Vec<u64> = vec![0; 3];
        for g in wave {
            l.rate_limited(g);
        }
        assert_eq!(l.current(), 4, "a wave of 429s halves once");
        assert_eq!(l.permits.available_permits(), 4);
        for g in 1..4 {
            l.rate_limited(g);
        }
        assert_eq!(l.current(), 1, "never below one");
        l.succeeded();
        assert_eq!(l.current(), 2);
        for _ in 0..100 {
            l.succeeded();
        }
        assert_eq!(l.current(), 8, "never above the maximum");
        assert_eq!(l.permits.available_permits(), 8);
    }

    #[tokio::test]
    async fn a_decrease_while_permits_are_out_is_paid_back_on_release() {
        let l = AdaptiveLimit::new(4);
        let held: Vec<_> = futures_lite(&l, 4).await;
        held[0].rate_limited();
        held[1].rate_limited();
        assert_eq!(l.current(), 2);
        drop(held);
        assert_eq!(
            l.permits.available_permits(),
            2,
            "two permits retired as they came back"
        );
    }

    #[tokio::test]
    async fn a_new_ceiling_applies_to_the_running_limit() {
        let l = AdaptiveLimit::new(8);
        l.set_max(3);
        assert_eq!((l.current(), l.permits.available_permits()), (3, 3));
        l.set_max(6);
        for _ in 0..100 {
            l.succeeded();
        }
        assert_eq!((l.current(), l.permits.available_permits()), (6, 6));
    }

    async fn futures_lite(l: &AdaptiveLimit, n: usize) -> Vec<Slot<'_>> {
        let mut v = Vec::new();
        for _ in 0..n {
            v.push(l.acquire().await);
        }
        v
    }
}
