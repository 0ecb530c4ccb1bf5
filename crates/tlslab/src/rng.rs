//! Randomness: the operating system's, or a seeded stream for reproducible runs.

/// Where client_random, ephemeral keys and CBC IVs come from.
pub trait Rng {
    /// Fills `dest` with random bytes.
    fn fill(&mut self, dest: &mut [u8]);
}

/// The operating system's generator (through ring).
pub struct OsRng(ring::rand::SystemRandom);

impl OsRng {
    /// A new handle.
    pub fn new() -> OsRng {
        OsRng(ring::rand::SystemRandom::new())
    }
}

impl Default for OsRng {
    fn default() -> OsRng {
        OsRng::new()
    }
}

impl Rng for OsRng {
    fn fill(&mut self, dest: &mut [u8]) {
        use ring::rand::SecureRandom;
        // SystemRandom only fails if the OS has no entropy source at all; there
        // is no safe way to continue a TLS handshake then.
        self.0
            .fill(dest)
            .expect("operating system random number generator failed");
    }
}

/// A deterministic stream derived from (seed, connection index): runs are
/// reproducible, yet every connection gets its own client_random so key logs
/// stay usable. **Not for production**: anyone who knows the seed knows every key.
///
/// Output block i is HMAC-SHA256(key = seed, "tlslab rng" + connection + i).
pub struct SeededRng {
    key: ring::hmac::Key,
    connection: u64,
    counter: u64,
    buf: [u8; 32],
    used: usize,
}

impl SeededRng {
    /// A stream for connection number `connection` under `seed`.
    pub fn new(seed: u64, connection: u64) -> SeededRng {
        SeededRng {
            key: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &seed.to_be_bytes()),
            connection,
            counter: 0,
            buf: [0; 32],
            used: 32,
        }
    }
}

impl Rng for SeededRng {
    fn fill(&mut self, dest: &mut [u8]) {
        for b in dest {
            if self.used == 32 {
                let mut ctx = ring::hmac::Context::with_key(&self.key);
                ctx.update(b"tlslab rng");
                ctx.update(&self.connection.to_be_bytes());
                ctx.update(&self.counter.to_be_bytes());
                self.buf.copy_from_slice(ctx.sign().as_ref());
                self.counter += 1;
                self.used = 0;
            }
            *b = self.buf[self.used];
            self.used += 1;
        }
    }
}

/// Replays fixed bytes, then falls back to another generator. Used to reproduce
/// a published handshake (fixed client_random and ephemeral key).
#[doc(hidden)]
pub struct ScriptedRng<R: Rng> {
    script: Vec<Vec<u8>>,
    then: R,
}

impl<R: Rng> ScriptedRng<R> {
    /// Each entry of `script` answers one `fill` call of the same length, in order.
    pub fn new(script: Vec<Vec<u8>>, then: R) -> ScriptedRng<R> {
        let mut script = script;
        script.reverse();
        ScriptedRng { script, then }
    }
}

impl<R: Rng> Rng for ScriptedRng<R> {
    fn fill(&mut self, dest: &mut [u8]) {
        match self.script.last() {
            Some(next) if next.len() == dest.len() => {
                dest.copy_from_slice(next);
                self.script.pop();
            }
            _ => self.then.fill(dest),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_streams_are_reproducible_and_distinct_per_connection() {
        let mut a = [0u8; 40];
        let mut b = [0u8; 40];
        let mut c = [0u8; 40];
        SeededRng::new(7, 0).fill(&mut a);
        SeededRng::new(7, 0).fill(&mut b);
        SeededRng::new(7, 1).fill(&mut c);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
