# Starts tlslite-ng's own `tls.py server`, unchanged, with four additions
# that its command line lacks, made by wrapping tlslite-ng functions before
# the script runs:
#   - the exact set of cipher suites (by IANA code point) the server may pick,
#   - extended_master_secret and encrypt_then_mac switched off on request,
#   - a key log (NSS format, `CLIENT_RANDOM <client_random> <master_secret>`)
#     written from tlslite-ng's own session state after each full handshake,
#   - a `LISTENING` line once the socket listens, and the enabled suites.
#
# usage: python3 tlslite_launcher.py [--suites HEX,..] [--no-ems] [--no-etm]
#            [--keylog FILE] -- <tls.py arguments>
import os
import shutil
import socketserver
import sys
import sysconfig

import tlslite
from tlslite.constants import CipherSuite
from tlslite.handshakesettings import HandshakeSettings
from tlslite.tlsconnection import TLSConnection

opts = sys.argv[1 : sys.argv.index("--")]
tls_args = sys.argv[sys.argv.index("--") + 1 :]
suites = None
ems = etm = True
keylog = None
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
    else:
        sys.exit("tlslite_launcher: unknown option " + o)

orig_init = HandshakeSettings.__init__


def init(self, *a, **k):
    orig_init(self, *a, **k)
    self.useExtendedMasterSecret = ems
    self.useEncryptThenMAC = etm


HandshakeSettings.__init__ = init

# Every suite list tlslite-ng builds goes through _filterSuites (constants.py).
orig_filter = CipherSuite._filterSuites


def filter_suites(s, settings, version=None):
    got = orig_filter(s, settings, version)
    return [x for x in got if suites is None or x in suites]


CipherSuite._filterSuites = staticmethod(filter_suites)

orig_handshake = TLSConnection.handshakeServer


def handshake(self, *a, **k):
    orig_handshake(self, *a, **k)
    if keylog and not self.resumed:
        with open(keylog, "a") as f:
            f.write(
                "CLIENT_RANDOM %s %s\n"
                % (bytes(self._clientRandom).hex(), bytes(self.session.masterSecret).hex())
            )


TLSConnection.handshakeServer = handshake

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
