//! Variations of the ClientHello itself, for servers and middleboxes that
//! drop a hello before any key exists: one extension left out (padded back
//! to the same length, so only the extension differs), the hello padded to
//! the lengths around 256 and 512 bytes (the load balancers RFC 7685's
//! padding extension was made for), another client_version or record
//! version, another suite list.
//!
//! Every variation starts from the exact ClientHello the configuration
//! builds (made by the sans-IO client, no network), so "the same hello
//! without X" is the same bytes without X.

use tlslab::error::Error;
use tlslab::explain::evidence::PADDING_EXTENSION;
use tlslab::internal::messages::{encode_handshake, ClientHello, Extension};
use tlslab::wire::{HandshakeType, ProtocolVersion};
use tlslab::{Client, ClientConfig, CustomClientHello};

/// A ClientHello variation: what it varies, the reproducing flags, the
/// hello, and whether it differs from the default in one respect only.
#[derive(Clone, Debug)]
pub struct HelloVariant {
    /// For people.
    pub label: String,
    /// How to reproduce it by hand (a description of the bytes).
    pub flags: String,
    /// The hello to send.
    pub hello: CustomClientHello,
    /// One respect changed.
    pub controlled: bool,
}

/// The ClientHello `config` makes, and the record version it goes out in.
pub fn default_hello(config: ClientConfig) -> Result<(ClientHello, ProtocolVersion), Error> {
    let mut client = Client::new(config);
    let mut out = vec![];
    client.start(&mut out)?;
    let record_version = ProtocolVersion(u16::from_be_bytes([out[1], out[2]]));
    let hello = ClientHello::decode(out.get(9..).unwrap_or_default())
        .map_err(|e| Error::config(format!("our own ClientHello does not decode: {e}")))?;
    Ok((hello, record_version))
}

/// The length of a hello as a handshake message, its 4-byte header included.
pub fn hello_length(h: &ClientHello) -> usize {
    encode_handshake(HandshakeType::CLIENT_HELLO, |o| h.encode(o)).len()
}

/// `h` without a padding extension, then padded (RFC 7685) to exactly
/// `target` bytes; suites are dropped from the end when even an empty
/// padding extension would be too long. `None` when it cannot be done.
/// The flag says whether the suite list was trimmed.
pub fn resize(h: &ClientHello, target: usize) -> Option<(ClientHello, bool)> {
    let mut h = h.clone();
    let exts = h.extensions.get_or_insert_with(Vec::new);
    exts.retain(|e| e.typ != PADDING_EXTENSION);
    let mut trimmed = false;
    while hello_length(&h) + 4 > target {
        if h.cipher_suites.len() <= 1 {
            return None;
        }
        h.cipher_suites.pop();
        trimmed = true;
    }
    let n = target - hello_length(&h) - 4;
    h.extensions.get_or_insert_with(Vec::new).push(Extension {
        typ: PADDING_EXTENSION,
        data: vec![0; n],
    });
    (hello_length(&h) == target).then_some((h, trimmed))
}

fn custom(hello: ClientHello, record_version: ProtocolVersion) -> CustomClientHello {
    CustomClientHello {
        hello,
        keep_random: false,
        record_version,
    }
}

/// Hello lengths tried: both sides of 256 and of 512, and the middle.
pub const SIZE_TARGETS: [usize; 5] = [255, 256, 384, 511, 512];

/// The hello padded to each of [`SIZE_TARGETS`] (those that can be made).
pub fn size_variants(base: &ClientHello, record_version: ProtocolVersion) -> Vec<HelloVariant> {
    let own = hello_length(base);
    SIZE_TARGETS
        .iter()
        .filter(|&&t| t != own)
        .filter_map(|&t| {
            let (h, trimmed) = resize(base, t)?;
            Some(HelloVariant {
                label: format!(
                    "ClientHello padded to {t} bytes{}",
                    if trimmed { " (fewer suites)" } else { "" }
                ),
                flags: format!("(a ClientHello of {t} bytes: padding extension, RFC 7685)"),
                hello: custom(h, record_version),
                controlled: !trimmed,
            })
        })
        .collect()
}

/// Every variation that bisects a dropped default hello: each extension
/// left out, then versions, then the suite list.
pub fn bisect_variants(base: &ClientHello, record_version: ProtocolVersion) -> Vec<HelloVariant> {
    let mut v = vec![];
    let own = hello_length(base);
    for ext in base.extensions.iter().flatten() {
        if ext.typ == PADDING_EXTENSION {
            continue;
        }
        let mut h = base.clone();
        if let Some(exts) = h.extensions.as_mut() {
            exts.retain(|e| e.typ != ext.typ);
        }
        // Padded back to the same length, so the length does not change
        // with the extension.
        let (h, controlled) = match resize(&h, own) {
            Some((h, false)) => (h, true),
            _ => (h, false),
        };
        v.push(HelloVariant {
            label: format!("without extension {} (same length)", ext.typ),
            flags: format!("(the default ClientHello without extension 0x{:04x})", ext.typ.0),
            hello: custom(h, record_version),
            controlled,
        });
    }
    for cv in [ProtocolVersion::TLS11, ProtocolVersion::TLS10] {
        let mut h = base.clone();
        h.client_version = cv;
        v.push(HelloVariant {
            label: format!("client_version {cv}"),
            flags: format!("(the default ClientHello with client_version {cv})"),
            hello: custom(h, record_version),
            controlled: true,
        });
    }
    let other_record = if record_version == ProtocolVersion::TLS10 {
        ProtocolVersion::TLS12
    } else {
        ProtocolVersion::TLS10
    };
    v.push(HelloVariant {
        label: format!("record version {other_record}"),
        flags: format!("(the default ClientHello in a {other_record} record)"),
        hello: custom(base.clone(), other_record),
        controlled: true,
    });
    let mut reversed = base.clone();
    reversed.cipher_suites.reverse();
    v.push(HelloVariant {
        label: "suite list reversed".into(),
        flags: "(the default ClientHello with the suites in reverse order)".into(),
        hello: custom(reversed, record_version),
        controlled: true,
    });
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resize_reaches_each_target_exactly() {
        let (base, rv) = default_hello(ClientConfig::new("example.com")).unwrap();
        for t in [256, 300, 511, 512, 600] {
            if let Some((h, _)) = resize(&base, t) {
                assert_eq!(hello_length(&h), t);
            }
        }
        let v = bisect_variants(&base, rv);
        for x in v.iter().filter(|x| x.label.starts_with("without")) {
            assert_eq!(hello_length(&x.hello.hello), hello_length(&base), "{}", x.label);
            assert!(x.controlled, "{}", x.label);
        }
    }
}
