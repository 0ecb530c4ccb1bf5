#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from the published records of
"The Illustrated TLS 1.2 Connection" (../vectors/illustrated-tls12/vector.json).

Usage: python3 make_seeds.py OUT_DIR   (creates OUT_DIR/<target>/seed-*)
"""
import json, os, struct, sys, hmac, hashlib

here = os.path.dirname(os.path.abspath(__file__))
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
v = json.load(open(os.path.join(here, "..", "vectors", "illustrated-tls12", "vector.json")))
rec = [bytes.fromhex(r["record"]) for r in v["records"]]
server = [rec[i] for i in (1, 2, 3, 4, 8, 9, 11)]


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# deframer: split selector then the whole connection's byte stream, each direction.
put("deframer", "seed-server", b"\x00" + b"".join(server))
put("deframer", "seed-server-split", b"\x05" + b"".join(server))
put("deframer", "seed-client", b"\x03" + b"".join(rec[i] for i in (0, 5, 6, 7, 10, 12)))

# handshake_decode: selector (see the target) then a body, or a whole message for 11.
bodies = {0: rec[0][9:], 1: rec[1][9:], 2: rec[2][9:], 3: rec[3][9:], 4: rec[5][9:], 6: b"",
          11: rec[2][5:]}
for sel, body in bodies.items():
    put("handshake_decode", "seed-%d" % sel, bytes([sel]) + body)
put("handshake_decode", "seed-10", b"\x0a\x01\x00")

# client: split selector then the published server bytes.
for split in (0, 1, 9, 200):
    put("client", "seed-split-%d" % split, bytes([split]) + b"".join(server))

# cbc_verifier: the published decrypted server Finished (raw mode, SHA-1, seq 0),
# and a build-mode input: pad 11, XOR 0 (valid), over the Finished plaintext.
r9 = v["records"][9]
put("cbc_verifier", "seed-raw", b"\x00" + struct.pack(">Q", 0) + bytes.fromhex(r9["decrypted_cbc"]))
put("cbc_verifier", "seed-build", b"\x04" + struct.pack(">Q", 0) + bytes([11, 0, 0, 0, 0])
    + bytes.fromhex(r9["plaintext"]))
