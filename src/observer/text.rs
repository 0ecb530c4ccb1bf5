use super::{Event, Observer};
/// Placeholder.
pub struct TextLog;
impl Observer for TextLog {
    fn on_event(&mut self, _e: &Event<'_>) {}
}
