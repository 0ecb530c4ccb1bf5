# Starts tlslite-ng's own `tls.py server`, unchanged, with six additions
# that its command line lacks, made by wrapping tlslite-ng functions before
# the script runs:
#   - the exact set of cipher suites (by IANA code point) the server may pick,
#   - extended_master_secret and encrypt_then_mac switched off on request,
#   - a key log (NSS format, `CLIENT_RANDOM <client_random> <master_secret>`)
#     written from tlslite-ng's own value the moment the server derives the
#     master secret of a full handshake (so a handshake that fails later, at
#     Finished, is logged too),
#   - a `LISTENING` line once the socket listens, and the enabled suites,
#   - one deliberate server-side bug (`--fault NAME`, see FAULTS below), for
#     testing a client's diagnosis against a real misbehaving server.
#
#   - the lowest protocol version (`--min-ver tls1.0|tls1.1|tls1.2`; tls.py
#     itself only sets the highest).
#
# usage: python3 tlslite_launcher.py [--suites HEX,..] [--no-ems] [--no-etm]
#            [--keylog FILE] [--fault NAME] [--min-ver VER] -- <tls.py arguments>
import os
import shutil
import socket
import socketserver
import sys
import sysconfig

import tlslite
from tlslite import mathtls, recordlayer, tlsconnection
from tlslite.constants import CipherSuite
from tlslite.handshakesettings import HandshakeSettings
from tlslite.integration.tlssocketservermixin import TLSSocketServerMixIn
from tlslite.messages import ApplicationData
from tlslite.tlsconnection import TLSConnection

# The server-side bugs `--fault` can switch on (one per start); the Rust side
# (hostile.rs) documents what each one does on the wire. `wrong-key` needs no
# patch here: the command line hands tls.py a private key that does not
# belong to its certificate.
FAULTS = (
    "ems-acked-not-used",
    "sha384-prf-as-sha256",
    "wrong-key",
    "gcm-nonce-repeat",
    "sslv3-padding",
    "record-oversize",
    "no-close-notify",
    "iv-chain-restart",
)

opts = sys.argv[1 : sys.argv.index("--")]
tls_args = sys.argv[sys.argv.index("--") + 1 :]
suites = None
ems = etm = True
keylog = None
fault = None
min_ver = None
while opts:
    o = opts.pop(0)
    if o == "--suites":
        suites = {int(x, 16) for x in opts.pop(0).split(",") if x}
    elif o == "--no-ems":
        ems = False
    elif o == "--no-etm":
        etm = False
    elif o == "--keylog":
        keylog = opts.pop(0)
    elif o == "--min-ver":
        min_ver = {"tls1.0": (3, 1), "tls1.1": (3, 2), "tls1.2": (3, 3)}[opts.pop(0)]
    elif o == "--fault":
        fault = opts.pop(0)
        if fault not in FAULTS:
            sys.exit("tlslite_launcher: unknown fault " + fault)
    else:
        sys.exit("tlslite_launcher: unknown option " + o)

orig_init = HandshakeSettings.__init__


def init(self, *a, **k):
    orig_init(self, *a, **k)
    self.useExtendedMasterSecret = ems
    self.useEncryptThenMAC = etm
    if min_ver:
        self.minVersion = min_ver


HandshakeSettings.__init__ = init

# Every suite list tlslite-ng builds goes through _filterSuites (constants.py).
orig_filter = CipherSuite._filterSuites


def filter_suites(s, settings, version=None):
    got = orig_filter(s, settings, version)
    return [x for x in got if suites is None or x in suites]


CipherSuite._filterSuites = staticmethod(filter_suites)

orig_master_secret = TLSConnection._calculate_master_secret


def master_secret(self, premaster_secret, cipher_suite, client_random, server_random):
    if fault == "ems-acked-not-used" and self.extendedMasterSecret:
        # The ServerHello already carried extended_master_secret; derive as
        # if it had not (RFC 5246 section 8.1 instead of RFC 7627 section 4).
        self.extendedMasterSecret = False
        try:
            secret = orig_master_secret(
                self, premaster_secret, cipher_suite, client_random, server_random
            )
        finally:
            self.extendedMasterSecret = True
    else:
        secret = orig_master_secret(
            self, premaster_secret, cipher_suite, client_random, server_random
        )
    if keylog:
        with open(keylog, "a") as f:
            f.write(
                "CLIENT_RANDOM %s %s\n" % (bytes(client_random).hex(), bytes(secret).hex())
            )
    return secret


TLSConnection._calculate_master_secret = master_secret

if fault == "sha384-prf-as-sha256":
    # Every PRF use of a TLS 1.2 connection (master secret, extended master
    # secret, key block, Finished) goes through calc_key, which picks
    # P_SHA384 only when the suite is in sha384PrfSuites. Handing it a suite
    # outside that set (0x0000, TLS_NULL_WITH_NULL_NULL) selects P_SHA256 and
    # the SHA-256 handshake hash; the output length stays the caller's.
    orig_calc_key = mathtls.calc_key

    def calc_key_sha256(version, secret, cipher_suite, label, *a, **k):
        if version == (3, 3) and cipher_suite in CipherSuite.sha384PrfSuites:
            cipher_suite = 0x0000
        return orig_calc_key(version, secret, cipher_suite, label, *a, **k)

    tlsconnection.calc_key = calc_key_sha256
    recordlayer.calc_key = calc_key_sha256

if fault == "gcm-nonce-repeat":
    # TLS 1.2 AES-GCM (RFC 5288 section 3): nonce = salt(4) || explicit(8),
    # the explicit part sent in front of each record. Here it is all zeros
    # for every record under one key; the additional data keeps the real
    # sequence number, so the records still decrypt and authenticate.
    orig_seal = recordlayer.RecordLayer._encryptThenSeal
    REPEATED_NONCE = bytearray(8)

    def seal_repeating(self, buf, contentType):
        ctx = self._writeState.encContext
        if self._is_tls13_plus() or "aes" not in ctx.name:
            return orig_seal(self, buf, contentType)
        seq = self._writeState.getSeqNumBytes()
        auth = seq + bytearray(
            [contentType, self.version[0], self.version[1], len(buf) // 256, len(buf) % 256]
        )
        nonce = self._writeState.fixedNonce + REPEATED_NONCE
        return REPEATED_NONCE + ctx.seal(nonce, buf, auth)

    recordlayer.RecordLayer._encryptThenSeal = seal_repeating

if fault == "sslv3-padding":
    # SSL 3.0 (RFC 6101 section 5.2.3.2) leaves the padding bytes arbitrary;
    # TLS 1.2 (RFC 5246 section 6.2.3.2) requires each to equal the length
    # byte. The length stays minimal and correct, the bytes before it are
    # random and never equal to it.
    def add_ssl3_padding(self, data):
        block = self.blockSize
        length = block - 1 - (len(data) % block)
        filler = bytearray(b if b != length else b ^ 0xFF for b in os.urandom(length))
        return data + filler + bytearray([length])

    recordlayer.RecordLayer.addPadding = add_ssl3_padding

if fault == "iv-chain-restart":
    # TLS 1.0 (RFC 2246 section 6.2.3.2) encrypts each CBC record under the
    # last ciphertext block of the record before it, the first one under the
    # key block's write IV. Here the server starts its chain again from
    # server_write_IV for its first application data record, as if the
    # connection state had been rebuilt: that record's first block decrypts
    # to garbage at the client and its MAC fails. Later records chain from it
    # normally. TLS 1.1 and 1.2 send explicit IVs and are not affected.
    orig_create_aes = recordlayer.createAES

    def create_restartable_aes(key, iv, impl_list=None):
        ctx = orig_create_aes(key, iv, impl_list)
        ctx.restart = lambda: orig_create_aes(key, iv, impl_list)
        return ctx

    recordlayer.createAES = create_restartable_aes

    def restart_chain_once(orig):
        def wrapped(self, data, content_type):
            ctx = self._writeState.encContext
            if (
                self.version == (3, 1)
                and content_type == 23
                and hasattr(ctx, "restart")
                and not getattr(self, "chain_restarted", False)
            ):
                self.chain_restarted = True
                self._writeState.encContext = ctx.restart()
            return orig(self, data, content_type)

        return wrapped

    recordlayer.RecordLayer._macThenEncrypt = restart_chain_once(recordlayer.RecordLayer._macThenEncrypt)
    recordlayer.RecordLayer._encryptThenMAC = restart_chain_once(recordlayer.RecordLayer._encryptThenMAC)

# Bytes appended to the first answer in record-oversize mode.
OVERSIZE = 2**14 + 1

if fault in ("record-oversize", "no-close-notify"):
    # Both change what happens after the handshake, so the echo handler of
    # tls.py is replaced for the connection.
    def finish_request(self, sock, client_address):
        conn = TLSConnection(sock)
        if self.handshake(conn) is not True:
            return
        data = conn.recv(2**14)
        if fault == "record-oversize":
            if data:
                # One record of 2^14 + 1 plaintext bytes (RFC 5246 section
                # 6.2.1 allows at most 2^14): the echo, then '.' filler;
                # _sendMsgThroughSocket skips tlslite-ng's fragmentation.
                body = bytearray(data) + bytearray(b"." * max(0, OVERSIZE - len(data)))
                for _ in conn._sendMsgThroughSocket(ApplicationData().create(body)):
                    pass
            self.RequestHandlerClass(conn, client_address, self)
            conn.close()
        else:
            # Echo the first request, then a TCP FIN with no close_notify
            # alert first (RFC 5246 section 7.2.1).
            if data:
                conn.send(data)
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    TLSSocketServerMixIn.finish_request = finish_request

orig_activate = socketserver.TCPServer.server_activate


def activate(self):
    orig_activate(self)
    s = HandshakeSettings()
    enabled = [
        x
        for x in CipherSuite.getEcdheCertSuites(s)
        + CipherSuite.getEcdsaSuites(s)
        + CipherSuite.getDheCertSuites(s)
        + CipherSuite.getCertSuites(s)
    ]
    print("VERSION tlslite-ng %s" % tlslite.__version__)
    if fault:
        print("FAULT %s" % fault)
    print("SUITES %s" % ",".join("%04x" % x for x in enabled))
    print("LISTENING %d" % self.server_address[1], flush=True)


socketserver.TCPServer.server_activate = activate

candidates = [
    os.path.join(sysconfig.get_path("scripts"), "tls.py"),
    os.path.join(sysconfig.get_path("scripts", "%s_user" % os.name), "tls.py"),
    shutil.which("tls.py") or "",
]
script = next((c for c in candidates if c and os.path.isfile(c)), None)
if script is None:
    sys.exit("tlslite_launcher: tls.py not found (python3 -m pip install tlslite-ng)")
sys.argv = [script] + tls_args
with open(script) as f:
    code = compile(f.read(), script, "exec")
exec(code, {"__name__": "__main__", "__file__": script})
