# tlslab.gdb: stop at the steps of a TLS 1.2 handshake and print what they derive.
#
#   cargo build
#   rust-gdb -x tools/tlslab.gdb --args target/debug/tlslab replay vectors/transcripts/openssl-ecdhe-rsa-aes128-sha
#   (gdb) run
#
# Every stop prints its values in hex and carries on, except derive_key_block,
# which stops after `finish` so that you can read the KeyBlock it returned:
# type `continue` (or `c`) to go on. The replay is offline and deterministic,
# so every run prints the same values; compare them with the bundle's
# keylog.txt and events.jsonl. The guide: book/src/gdb.md.
#
# Plain gdb works too when the Rust pretty printers are loaded (rust-gdb does
# that for you); without them, byte vectors print as raw pointers.
#
# One name per step: each breakpoint below names exactly one function, and
# `rbreak derive_master_secret` or `rbreak derive_key_block` stops at the
# handshake step only. The PRF computations those steps call are
# tlslab::crypto::prf::compute_master_secret (compute_extended_master_secret
# with RFC 7627) and tlslab::crypto::key_block::compute_key_block.

set pagination off
set confirm off
set print pretty off
# Every integer in hex: byte arrays, slices and the KeyBlock `finish` prints.
set output-radix 16

# RFC 5246 §8.1: master_secret = PRF(pre_master_secret, "master secret",
# ClientHello.random + ServerHello.random)[0..47] (or the RFC 7627 session hash).
break tlslab::handshake::client_flight::derive_master_secret
commands
  silent
  printf "\n== tlslab: derive_master_secret (RFC 5246 §8.1)\n"
  printf "pre_master_secret:\n"
  p/x pre_master_secret
  printf "client_random:\n"
  p/x randoms.client_random
  printf "server_random:\n"
  p/x randoms.server_random
  continue
end

# RFC 5246 §6.3: key_block = PRF(master_secret, "key expansion",
# server_random + client_random), split into the six named keys.
break tlslab::handshake::client_flight::derive_key_block
commands
  silent
  printf "\n== tlslab: derive_key_block (RFC 5246 §6.3)\n"
  printf "master_secret:\n"
  p/x *master_secret
  printf "finish: the KeyBlock returned (client_write_MAC_key, server_write_MAC_key, client_write_key, server_write_key, client_write_IV, server_write_IV):\n"
  finish
end

# RFC 5246 §7.4.9: verify_data = PRF(master_secret, "client finished",
# Hash(handshake_messages))[0..11].
break tlslab::handshake::client_flight::send_finished
commands
  silent
  printf "\n== tlslab: send_finished (RFC 5246 §7.4.9)\n"
  printf "master_secret:\n"
  p/x *master_secret
  continue
end

# The MAC check of every received CBC record (RFC 5246 §6.2.3.1, RFC 7366 §3):
# the MAC we computed against the MAC in the record.
break tlslab::record::verify::compare_macs
commands
  silent
  printf "\n== tlslab: compare_macs (RFC 5246 §6.2.3.1)\n"
  printf "computed:\n"
  p/x computed
  printf "received:\n"
  p/x received
  continue
end
