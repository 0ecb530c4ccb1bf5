//! Break and edit against a real `openssl s_server`: change a derived value
//! at its step and check OpenSSL's answer is the one the RFC predicts.

use tlslab::crypto::suites;
use tlslab::intercept::Point;
use tlslab::observer::{OwnedEvent, Recorder};
use tlslab::wire::AlertDescription;
use tlslab::{Client, Error};
use tlslab_cli::net::{self, Timeouts};
use tlslab_peers::testkit::{alert_received, rev_server, trusting_config};

fn connect(suite: &str, edit: impl FnMut(Point<'_>) + 'static) -> (Result<(), Error>, Recorder) {
    let mut c = trusting_config(rev_server());
    c.suites = vec![suites::find_by_name(suite).unwrap()];
    c.interceptor = Some(Box::new(edit));
    let mut rec = Recorder::new();
    let r = net::connect(
        &rev_server().addr().to_string(),
        Client::with_observer(c, &mut rec),
        Timeouts::default(),
    )
    .and_then(|mut s| s.close());
    (r, rec)
}

#[test]
fn zeroing_the_client_mac_key_makes_the_server_answer_bad_record_mac() {
    let (r, rec) = connect("ECDHE-RSA-AES128-SHA", |p| {
        if let Point::KeyBlock(kb) = p {
            kb.client_write_mac_key.iter_mut().for_each(|b| *b = 0);
        }
    });
    assert_eq!(
        alert_received(&r),
        Some(AlertDescription::BAD_RECORD_MAC),
        "{r:?}"
    );
    let edited = rec.events.iter().find_map(|e| match e {
        OwnedEvent::Intercepted { point, before, after } => Some((*point, before.clone(), after.clone())),
        _ => None,
    });
    let (point, before, after) = edited.expect("an Intercepted event");
    assert_eq!(point, "key_block");
    assert_eq!(
        &after[..20],
        &[0u8; 20],
        "client_write_MAC_key comes first (RFC 5246 §6.3)"
    );
    assert_ne!(before, after);
}

#[test]
fn editing_the_master_secret_or_verify_data() {
    let (r, _) = connect("ECDHE-RSA-AES128-GCM-SHA256", |p| {
        if let Point::MasterSecret(ms) = p {
            ms[47] ^= 1;
        }
    });
    assert_eq!(
        alert_received(&r),
        Some(AlertDescription::BAD_RECORD_MAC),
        "{r:?}"
    );
    let (r, _) = connect("ECDHE-RSA-AES128-GCM-SHA256", |p| {
        if let Point::ClientVerifyData(v) = p {
            v[11] ^= 1;
        }
    });
    assert_eq!(alert_received(&r), Some(AlertDescription::DECRYPT_ERROR), "{r:?}");
}

#[test]
fn an_interceptor_that_only_looks_changes_nothing() {
    let seen = std::rc::Rc::new(std::cell::RefCell::new(vec![]));
    let log = seen.clone();
    let (r, rec) = connect("ECDHE-RSA-AES256-SHA384", move |p| {
        log.borrow_mut().push(p.name())
    });
    r.unwrap();
    // Then one MAC input per protected record: our Finished and the close_notify.
    assert_eq!(
        *seen.borrow(),
        [
            "pre_master_secret",
            "extended_master_secret",
            "master_secret",
            "key_block",
            "handshake_hash",
            "verify_data",
            "mac_input",
            "mac_input"
        ]
    );
    assert_eq!(rec.count("intercepted"), 0);
}

#[test]
fn editing_a_mac_input_changes_what_the_server_sees() {
    use tlslab::wire::ProtocolVersion;
    // The MAC of our Finished over version 03 01 (the header still says 03 03).
    let (r, rec) = connect("ECDHE-RSA-AES128-SHA256", |p| {
        if let Point::MacInput(m) = p {
            if m.record == 0 {
                m.version = ProtocolVersion::TLS10;
            }
        }
    });
    assert_eq!(
        alert_received(&r),
        Some(AlertDescription::BAD_RECORD_MAC),
        "{r:?}"
    );
    assert!(rec.events.iter().any(|e| matches!(
        e,
        OwnedEvent::Intercepted {
            point: "mac_input",
            ..
        }
    )));
    // Our Finished MAC'd with seq_num 1 instead of 0.
    let (r, _) = connect("ECDHE-RSA-AES128-GCM-SHA256", |p| {
        if let Point::MacInput(m) = p {
            if m.record == 0 {
                m.seq = 1;
            }
        }
    });
    assert_eq!(
        alert_received(&r),
        Some(AlertDescription::BAD_RECORD_MAC),
        "{r:?}"
    );
}
