//! The event funnel: one trait, one method, called inline where each value
//! exists.
//!
//! **Secrets are the product here.** Observers see the pre-master secret, the
//! master secret and every key. Never attach one to a connection whose secrets
//! must stay secret; `TextLog::redacted` hides secret bytes for logs that are
//! shared.

mod event;
mod json;
mod keylog;
mod ladder;
mod recorder;
mod text;

pub use event::{
    Event, MacInput, NonceParts, OwnedEvent, OwnedMacInput, OwnedNonceParts, OwnedPaddingView, OwnedPrfCall,
    OwnedPrfHalf, OwnedRecordView, PaddingView, PrfCall, PrfHalf, RecordView,
};
pub(crate) use json::opt_hex;
pub use json::JsonLog;
pub use keylog::KeyLogWriter;
pub use ladder::{wrap_event, LadderLog, TraceLevel};
pub use recorder::Recorder;
pub use text::{format_event, TextLog};

/// Receives every event of a connection, in order.
pub trait Observer {
    /// Called inline at the point where the value exists.
    fn on_event(&mut self, event: &Event<'_>);
}

/// Several observers fed the same events, in order (for example a `TextLog`
/// and a `KeyLogWriter`).
#[derive(Default)]
pub struct Tee {
    /// The observers, called in this order.
    pub observers: Vec<Box<dyn Observer>>,
}

impl Observer for Tee {
    fn on_event(&mut self, event: &Event<'_>) {
        for o in &mut self.observers {
            o.on_event(event);
        }
    }
}

impl<T: Observer + ?Sized> Observer for &mut T {
    fn on_event(&mut self, event: &Event<'_>) {
        (**self).on_event(event)
    }
}

impl<T: Observer + ?Sized> Observer for Box<T> {
    fn on_event(&mut self, event: &Event<'_>) {
        (**self).on_event(event)
    }
}

/// The funnel as the protocol code sees it: an optional observer.
///
/// With no observer attached, `emit` is a branch on `None` and `active()` lets
/// the few events that cost something to build (a running transcript hash, PRF
/// intermediate values) skip the work entirely.
#[doc(hidden)]
pub struct Hooks<'o> {
    #[cfg_attr(feature = "no-hooks", allow(dead_code))]
    observer: Option<&'o mut dyn Observer>,
}

impl<'o> Hooks<'o> {
    /// No observer: events are not built where that costs anything.
    pub fn none() -> Hooks<'static> {
        Hooks { observer: None }
    }

    /// Feed events to `observer`.
    pub fn new(observer: &'o mut dyn Observer) -> Hooks<'o> {
        Hooks {
            observer: Some(observer),
        }
    }

    /// Whether anyone listens.
    #[cfg(not(feature = "no-hooks"))]
    #[inline]
    pub fn active(&self) -> bool {
        self.observer.is_some()
    }

    /// Deliver one event.
    #[cfg(not(feature = "no-hooks"))]
    #[inline]
    pub fn emit(&mut self, event: &Event<'_>) {
        if let Some(o) = self.observer.as_deref_mut() {
            o.on_event(event);
        }
    }

    /// Whether anyone listens: never, in a build with the `no-hooks`
    /// feature, which compiles the funnel out. It exists to measure what the
    /// funnel costs when nobody listens (see `BENCHMARKS.md`); the glass box
    /// is dark in such a build.
    #[cfg(feature = "no-hooks")]
    #[inline(always)]
    pub fn active(&self) -> bool {
        false
    }

    /// Deliver one event: nothing, in a build with the `no-hooks` feature.
    #[cfg(feature = "no-hooks")]
    #[inline(always)]
    pub fn emit(&mut self, _event: &Event<'_>) {}
}
