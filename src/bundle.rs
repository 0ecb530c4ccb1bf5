//! Recording a live connection as a replay bundle (see [`tlslab::replay`]).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tlslab::observer::{JsonLog, KeyLogWriter, Tee};
use tlslab::replay::{Bundle, BundleSettings, SharedBuf, StepLog};
use tlslab::rng::SeededRng;
use tlslab::{Client, ClientConfig, Error};

use crate::net;

/// Records one connection as a bundle: handshake, `payload` sent, the reply
/// read until the server is quiet for `quiet`, close_notify. The bundle is
/// returned even when the connection fails (with the error beside it).
pub fn record(
    addr: &str,
    mut config: ClientConfig,
    seed: u64,
    ca_pem: Option<Vec<u8>>,
    payload: &[u8],
    quiet: Duration,
    recorded_with: &str,
) -> (Bundle, Result<Vec<u8>, Error>) {
    config.rng = Box::new(SeededRng::new(seed, 0));
    if config.verify_time.is_none() {
        // Whole seconds: the replay can only reproduce what bundle.txt keeps.
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        config.verify_time = Some(UNIX_EPOCH + Duration::from_secs(now));
    }
    let settings = BundleSettings::from_config(&config, seed, 0, recorded_with);
    let (events, keylog, log) = (SharedBuf::default(), SharedBuf::default(), StepLog::default());
    let mut tee = Tee::default();
    tee.observers.push(Box::new(JsonLog::new(events.clone())));
    tee.observers.push(Box::new(KeyLogWriter::new(keylog.clone())));
    let result = (|| {
        let client = Client::with_observer(config, &mut tee);
        let timeouts = net::Timeouts {
            read: quiet.max(Duration::from_secs(5)),
            ..Default::default()
        };
        let mut stream = net::connect_logged(addr, client, timeouts, &log)?;
        if !payload.is_empty() {
            stream.write_all(payload)?;
        }
        let got = stream.read_until_quiet(quiet, Duration::from_secs(10))?;
        stream.close()?;
        Ok(got)
    })();
    drop(tee);
    let bundle = Bundle {
        settings,
        ca_pem,
        steps: log.steps(),
        events: String::from_utf8_lossy(&events.contents()).into_owned(),
        keylog: String::from_utf8_lossy(&keylog.contents()).into_owned(),
    };
    (bundle, result)
}
