"""One connection between a tlslite-ng client and a tlslite-ng server in this
process, at one protocol version, with RSA key transport and
TLS_RSA_WITH_AES_128_CBC_SHA (the only way both ends agree on SSL 3.0).

usage: tlslite_pair.py KEY.pem CERT.pem ssl3|tls1.0|tls1.1 MESSAGE [CIPHER MAC [KX]]

CIPHER, MAC and KX are tlslite-ng's names (HandshakeSettings.cipherNames,
macNames and keyExchangeNames: aes128, 3des, rc4, null; sha, md5; rsa,
dhe_rsa, ecdhe_rsa), default aes128, sha and rsa.

Prints the listening port, waits for a line on stdin (the capture is
running), then makes the connection: the client sends MESSAGE and a newline,
the server answers with it reversed, both close. Last, prints
`master_secret HEX` from tlslite-ng's session state.
"""
import socket
import sys
import threading

from tlslite import HandshakeSettings, TLSConnection, X509CertChain, parsePEMKey

key = parsePEMKey(open(sys.argv[1]).read(), private=True)
chain = X509CertChain()
chain.parsePemList(open(sys.argv[2]).read())
version = {"ssl3": (3, 0), "tls1.0": (3, 1), "tls1.1": (3, 2)}[sys.argv[3]]
message = sys.argv[4].encode()
cipher, mac = (sys.argv[5], sys.argv[6]) if len(sys.argv) > 6 else ("aes128", "sha")
kx = sys.argv[7] if len(sys.argv) > 7 else "rsa"


def settings():
    s = HandshakeSettings()
    s.minVersion = version
    s.maxVersion = version
    s.cipherNames = [cipher]
    s.macNames = [mac]
    s.keyExchangeNames = [kx]
    return s


def read_line(tls):
    line = b""
    while not line.endswith(b"\n"):
        chunk = tls.read(max=1024)
        if not chunk:
            break
        line += chunk
    return line


listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
port = listener.getsockname()[1]
print(port, flush=True)
sys.stdin.readline()


def serve():
    conn, _ = listener.accept()
    tls = TLSConnection(conn)
    tls.handshakeServer(certChain=chain, privateKey=key, settings=settings())
    tls.write(read_line(tls)[:-1][::-1] + b"\n")
    tls.close()


server = threading.Thread(target=serve)
server.start()
client = TLSConnection(socket.create_connection(("127.0.0.1", port)))
client.handshakeClientCert(settings=settings())
client.write(message + b"\n")
answer = read_line(client)
master_secret = bytes(client.session.masterSecret).hex()
client.close()
server.join()
assert answer == message[::-1] + b"\n", answer
print("client_random", bytes(client._clientRandom).hex(), flush=True)
print("master_secret", master_secret, flush=True)
