use super::{Event, Observer};
/// Placeholder.
pub struct OwnedEvent;
/// Placeholder.
pub struct Recorder;
impl Observer for Recorder {
    fn on_event(&mut self, _e: &Event<'_>) {}
}
