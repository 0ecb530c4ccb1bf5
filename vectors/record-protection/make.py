#!/usr/bin/env python3
"""Record-protection vectors for TLS 1.2 (RFC 5246 §6.2.3), computed with
Python's `cryptography` package, an implementation independent of tlslab.

    python3 make.py        # rewrites cbc.json, gcm.json, chacha20.json here

* cbc.json: MAC-then-encrypt CBC (§6.2.3.2). The records of "The Illustrated
  TLS 1.2 Connection" (../illustrated-tls12/vector.json, published bytes): each
  one is recomputed here from its published keys, IV and plaintext with
  `cryptography` (AES-CBC, HMAC-SHA1) and must equal the published record, so
  the file carries two independent sources. Plus AES-256-CBC/HMAC-SHA256 and
  HMAC-SHA384 records with fixed keys, computed here only.
* gcm.json: AES-GCM (RFC 5288 §3): nonce = salt(4) ‖ nonce_explicit(8), with
  nonce_explicit = seq_num (what tlslab, Go, OpenSSL and rustls send), on the
  wire nonce_explicit ‖ ciphertext ‖ tag.
* chacha20.json: ChaCha20-Poly1305 (RFC 7905 §2): nonce = IV(12) XOR
  (0(4) ‖ seq_num(8)), on the wire ciphertext ‖ tag.

additional_data / MAC pseudo-header = seq_num(8) ‖ type(1) ‖ version(2) ‖
length(2), length = the plaintext length (§6.2.3.1, §6.2.3.3).
"""
import hashlib
import hmac
import json
import os
import struct

import cryptography
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION = 0x0303
GENERATOR = "vectors/record-protection/make.py with Python cryptography %s" % cryptography.__version__


def pattern(n, start):
    return bytes((start + i) & 0xFF for i in range(n))


def pseudo_header(seq, typ, length):
    return struct.pack(">QBHH", seq, typ, VERSION, length)


def header(typ, length):
    return struct.pack(">BHH", typ, VERSION, length)


def cbc_record(enc_key, mac_key, digest, seq, typ, iv, plaintext):
    mac = hmac.new(mac_key, pseudo_header(seq, typ, len(plaintext)) + plaintext, digest).digest()
    body = plaintext + mac
    pad = (16 - (len(body) + 1) % 16) % 16  # minimal padding, as tlslab and the walkthrough send
    body += bytes([pad]) * (pad + 1)
    enc = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).encryptor()
    payload = iv + enc.update(body) + enc.finalize()
    return header(typ, len(payload)) + payload, mac, pad


def cbc_vectors():
    v = json.load(open(os.path.join(HERE, "..", "illustrated-tls12", "vector.json")))
    kb = v["key_block"]
    keys = {
        "c2s": (bytes.fromhex(kb["client_write_key"]), bytes.fromhex(kb["client_write_mac_key"])),
        "s2c": (bytes.fromhex(kb["server_write_key"]), bytes.fromhex(kb["server_write_mac_key"])),
    }
    out = []
    for r in v["records"]:
        if r["encrypted"] is not True:
            continue
        enc_key, mac_key = keys[r["direction"]]
        seq, typ = int(r["seq_num"]), int(r["content_type"])
        iv, pt = bytes.fromhex(r["explicit_iv"]), bytes.fromhex(r["plaintext"])
        rec, mac, pad = cbc_record(enc_key, mac_key, hashlib.sha1, seq, typ, iv, pt)
        # Two sources must agree: the published record and cryptography's.
        assert rec.hex() == r["record"], "record %s: cryptography disagrees with the walkthrough" % r["index"]
        assert mac.hex() == r["mac"]
        out.append({
            "name": "illustrated-tls12 record %s: %s" % (r["index"], r["description"]),
            "provenance": "published record of The Illustrated TLS 1.2 Connection (https://tls12.xargs.org/, "
                          "captures/caps/%s), recomputed with %s" % (r["source_file"].split("/")[-1], GENERATOR),
            "cipher": "AES_128_CBC", "mac": "HMAC_SHA1",
            "enc_key": enc_key.hex(), "mac_key": mac_key.hex(),
            "seq": seq, "content_type": typ, "version": "0303",
            "explicit_iv": iv.hex(), "plaintext": pt.hex(), "mac_value": mac.hex(),
            "padding_length": pad, "record": rec.hex(),
        })
    for cipher, klen, digest, mname in [("AES_256_CBC", 32, hashlib.sha256, "HMAC_SHA256"),
                                        ("AES_256_CBC", 32, hashlib.sha384, "HMAC_SHA384"),
                                        ("AES_128_CBC", 16, hashlib.sha256, "HMAC_SHA256")]:
        enc_key, mac_key = pattern(klen, 0x10), pattern(digest().digest_size, 0x80)
        for seq, typ, pt in [(0, 22, pattern(16, 0x14)), (1, 23, b""), (7, 23, pattern(100, 0x41)),
                             (2**40 + 3, 21, bytes([1, 0]))]:
            iv = pattern(16, seq & 0xFF)
            rec, mac, pad = cbc_record(enc_key, mac_key, digest, seq, typ, iv, pt)
            out.append({
                "name": "%s %s seq %d type %d, %d-byte plaintext" % (cipher, mname, seq, typ, len(pt)),
                "provenance": "computed by " + GENERATOR,
                "cipher": cipher, "mac": mname,
                "enc_key": enc_key.hex(), "mac_key": mac_key.hex(),
                "seq": seq, "content_type": typ, "version": "0303",
                "explicit_iv": iv.hex(), "plaintext": pt.hex(), "mac_value": mac.hex(),
                "padding_length": pad, "record": rec.hex(),
            })
    return out


def aead_cases():
    return [(0, 22, pattern(16, 0x14)), (1, 23, b"ping"), (2, 23, b""), (5, 21, bytes([1, 0])),
            (2**32 + 1, 23, pattern(300, 0x00)), (2**64 - 2, 23, pattern(17, 0xF0))]


def gcm_vectors():
    out = []
    for cipher, klen in [("AES_128_GCM", 16), ("AES_256_GCM", 32)]:
        key, salt = pattern(klen, 0x30), pattern(4, 0xA0)
        for seq, typ, pt in aead_cases():
            explicit = struct.pack(">Q", seq)
            nonce = salt + explicit
            aad = pseudo_header(seq, typ, len(pt))
            ct_tag = AESGCM(key).encrypt(nonce, pt, aad)
            payload = explicit + ct_tag
            out.append({
                "name": "%s seq %d type %d, %d-byte plaintext" % (cipher, seq, typ, len(pt)),
                "provenance": "computed by " + GENERATOR,
                "cipher": cipher, "key": key.hex(), "fixed_iv": salt.hex(),
                "seq": seq, "content_type": typ, "version": "0303",
                "nonce_explicit": explicit.hex(), "nonce": nonce.hex(), "additional_data": aad.hex(),
                "plaintext": pt.hex(), "record": (header(typ, len(payload)) + payload).hex(),
            })
    return out


def chacha_vectors():
    out = []
    key, iv = pattern(32, 0x50), pattern(12, 0xC0)
    for seq, typ, pt in aead_cases():
        nonce = bytes(a ^ b for a, b in zip(iv, bytes(4) + struct.pack(">Q", seq)))
        aad = pseudo_header(seq, typ, len(pt))
        payload = ChaCha20Poly1305(key).encrypt(nonce, pt, aad)
        out.append({
            "name": "CHACHA20_POLY1305 seq %d type %d, %d-byte plaintext" % (seq, typ, len(pt)),
            "provenance": "computed by " + GENERATOR,
            "cipher": "CHACHA20_POLY1305", "key": key.hex(), "fixed_iv": iv.hex(),
            "seq": seq, "content_type": typ, "version": "0303",
            "nonce": nonce.hex(), "additional_data": aad.hex(),
            "plaintext": pt.hex(), "record": (header(typ, len(payload)) + payload).hex(),
        })
    return out


def write(name, vectors, about):
    doc = {"about": about, "generator": GENERATOR, "vectors": vectors}
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


write("cbc.json", cbc_vectors(), "TLS 1.2 CBC MAC-then-encrypt records (RFC 5246 §6.2.3.2)")
write("gcm.json", gcm_vectors(), "TLS 1.2 AES-GCM records (RFC 5246 §6.2.3.3, RFC 5288 §3)")
write("chacha20.json", chacha_vectors(), "TLS 1.2 ChaCha20-Poly1305 records (RFC 7905 §2)")
