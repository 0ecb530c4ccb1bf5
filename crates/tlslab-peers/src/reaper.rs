//! Servers started by tests must not outlive the test process.
//!
//! A server kept in a `static` (one per test file) is never dropped: Rust
//! does not run destructors of statics at exit. Every server process is
//! therefore registered here, and an `atexit` handler kills whatever is still
//! registered when the process exits normally (all tests passed or some
//! failed). `Drop` unregisters the servers it stops itself.

use std::sync::{Mutex, Once};

static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();

extern "C" fn kill_registered() {
    let pids = match CHILDREN.lock() {
        Ok(pids) => pids.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    for pid in pids {
        // SAFETY: kill(2) takes plain integers; a pid that already exited (or
        // was reaped) only makes it return an error, which is ignored.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGKILL);
        }
    }
}

/// Registers a server process to be killed at exit.
pub fn register(pid: u32) {
    INSTALL.call_once(|| {
        // SAFETY: atexit(3) stores a plain function pointer with no captured
        // state; `kill_registered` only locks a static mutex and calls kill(2).
        unsafe {
            libc::atexit(kill_registered);
        }
    });
    if let Ok(mut pids) = CHILDREN.lock() {
        pids.push(pid);
    }
}

/// Forgets a server process its owner has stopped.
pub fn unregister(pid: u32) {
    if let Ok(mut pids) = CHILDREN.lock() {
        pids.retain(|&p| p != pid);
    }
}
