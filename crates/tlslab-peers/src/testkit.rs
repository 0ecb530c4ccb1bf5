//! What the interop tests share: one `openssl s_server -rev` per test
//! binary, a client configuration that trusts a test server, the alert a
//! failed connection received, a capture of given records, and tshark's
//! decryption of a capture.
//!
//! Each test binary is its own process, so "one per test binary" is one
//! server for all the tests of a file: started on first use, killed when the
//! process exits (see [`crate::reaper`]).

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use tlslab::capture::PcapWriter;
use tlslab::crypto::cert::CertVerifier;
use tlslab::crypto::suites;
use tlslab::observer::{Event, Observer, RecordView};
use tlslab::wire::{AlertDescription, CipherSuite, ContentType, ProtocolVersion};
use tlslab::{ClientConfig, Error, Verification};

use crate::local_server::{LocalServer, ServerMode, ServerOptions};
use crate::Peer;

/// The test binary's `openssl s_server -rev` (each line comes back
/// reversed), with a throwaway certificate for `localhost`, started on first
/// use.
///
/// Panics when the server cannot start: every test that asks for it needs it.
pub fn rev_server() -> &'static LocalServer {
    static SERVER: OnceLock<LocalServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        LocalServer::start(&ServerOptions {
            mode: ServerMode::Rev,
            ..ServerOptions::default()
        })
        .unwrap_or_else(|e| panic!("starting openssl s_server -rev: {e}"))
    })
}

/// A client configuration for `localhost` that verifies the server's
/// certificate against the throwaway CA that signed it (never `--insecure`:
/// the tests check what a user gets).
pub fn trusting_config(server: &LocalServer) -> ClientConfig {
    let mut config = ClientConfig::new("localhost");
    let verifier = CertVerifier::from_ca_file(&server.ca_pem_path())
        .unwrap_or_else(|e| panic!("reading the test CA {}: {e}", server.ca_pem_path().display()));
    config.verification = Verification::Verify(verifier);
    config
}

/// A client configuration for `peer`'s name that offers `offered` (suites
/// the client implements) and verifies the certificate against the CA that
/// signed it.
pub fn peer_config(peer: &Peer, offered: &[CipherSuite]) -> ClientConfig {
    let mut config = ClientConfig::new(peer.server_name());
    config.suites = offered
        .iter()
        .map(|&s| suites::lookup(s).expect("a suite the client implements"))
        .collect();
    let verifier = CertVerifier::from_ca_file(&peer.ca_pem_path())
        .unwrap_or_else(|e| panic!("reading the test CA {}: {e}", peer.ca_pem_path().display()));
    config.verification = Verification::Verify(verifier);
    config
}

/// Our `master_secret` for the connection with `client_random` is the one
/// `peer` wrote in its own key log (waiting up to five seconds for the
/// line); an error names both when they differ.
pub fn master_secret_is_logged(
    peer: &Peer,
    client_random: &[u8],
    master_secret: &[u8],
) -> Result<(), String> {
    let theirs = peer
        .wait_master_secret(client_random, Duration::from_secs(5))
        .ok_or("no key log line for our client_random")?;
    if theirs != master_secret {
        return Err(format!(
            "master secret {} but the server logged {}",
            hex::encode(master_secret),
            hex::encode(theirs)
        ));
    }
    Ok(())
}

/// The description of the alert the peer sent, when `result` failed because
/// one arrived.
pub fn alert_received<T>(result: &Result<T, Error>) -> Option<AlertDescription> {
    match result {
        Err(Error::AlertReceived(alert)) => Some(alert.description),
        _ => None,
    }
}

/// A classic pcap of `records` (whole TLS records, `true` for the client's)
/// on one TCP connection from 127.0.0.1:50000 to 127.0.0.1:443, framed by
/// tlslab's own writer; each record's version is the one in its header.
pub fn capture_of(records: &[(bool, Vec<u8>)]) -> Vec<u8> {
    let client: SocketAddr = "127.0.0.1:50000".parse().unwrap();
    let server: SocketAddr = "127.0.0.1:443".parse().unwrap();
    let mut w = PcapWriter::new(Vec::new(), client, server).unwrap();
    for (seq, (from_client, rec)) in records.iter().enumerate() {
        let header: &[u8; 5] = rec[..5].try_into().unwrap();
        let view = RecordView {
            content_type: ContentType(rec[0]),
            version: ProtocolVersion(u16::from_be_bytes([rec[1], rec[2]])),
            header,
            payload: &rec[5..],
            seq: seq as u64,
            protected: false,
        };
        w.on_event(&if *from_client {
            Event::RecordOut(view)
        } else {
            Event::RecordIn(view)
        });
    }
    w.finish().unwrap();
    w.get_ref().clone()
}

/// tshark's decryption of TCP stream `stream` of `capture`: the application
/// data of each direction, client's first, from `follow,tls,raw` (the
/// client's bytes in hex, the server's indented by a tab). `options` are
/// tshark `-o` settings naming the key log or the RSA key.
///
/// Panics when tshark (Debian package tshark) is missing or fails.
pub fn tshark_follow_tls(capture: &Path, options: &[String], stream: usize) -> (Vec<u8>, Vec<u8>) {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(capture);
    for o in options {
        cmd.args(["-o", o]);
    }
    let t = cmd
        .args(["-q", "-z", &format!("follow,tls,raw,{stream}")])
        .output()
        .expect("tshark (Debian package tshark) must be installed");
    let follow = String::from_utf8_lossy(&t.stdout);
    assert!(
        t.status.success(),
        "{follow}\n{}",
        String::from_utf8_lossy(&t.stderr)
    );
    let (mut c2s, mut s2c) = (vec![], vec![]);
    for line in follow.lines() {
        let (to, text) = match line.strip_prefix('\t') {
            Some(rest) => (&mut s2c, rest),
            None => (&mut c2s, line),
        };
        if let Ok(bytes) = hex::decode(text.trim()) {
            to.extend(bytes);
        }
    }
    (c2s, s2c)
}
