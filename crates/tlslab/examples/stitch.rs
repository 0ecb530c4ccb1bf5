use aes::cipher::generic_array::GenericArray;
use aes::cipher::{typenum::U16, BlockBackend, BlockClosure, BlockEncrypt, BlockSizeUser, KeyInit};
use aes::Aes128;
use sha1::digest::generic_array::typenum::U64;
use std::time::Instant;

struct Chain<'a> {
    buf: &'a mut [u8],
    prev: [u8; 16],
}
impl BlockSizeUser for Chain<'_> {
    type BlockSize = U16;
}
impl BlockClosure for Chain<'_> {
    fn call<B: BlockBackend<BlockSize = U16>>(self, backend: &mut B) {
        let mut prev = self.prev;
        for chunk in self.buf.chunks_exact_mut(16) {
            let mut block = aes::Block::default();
            for ((o, p), c) in block.iter_mut().zip(chunk.iter()).zip(prev.iter()) {
                *o = p ^ c;
            }
            backend.proc_block((&mut block).into());
            chunk.copy_from_slice(&block);
            prev.copy_from_slice(&block);
        }
    }
}

// Interleaved: hash 64-byte blocks of `data` and encrypt `data` in steps.
struct Stitch<'a> {
    buf: &'a mut [u8],
    state: &'a mut [u32; 5],
    step: usize,
}
impl BlockSizeUser for Stitch<'_> {
    type BlockSize = U16;
}
impl BlockClosure for Stitch<'_> {
    fn call<B: BlockBackend<BlockSize = U16>>(self, backend: &mut B) {
        let mut prev = [0u8; 16];
        let step = self.step;
        let n = self.buf.len();
        let mut at = 0;
        while at < n {
            let end = (at + step).min(n);
            for b in self.buf[at..end].chunks_exact(64) {
                sha1::compress(self.state, &[*GenericArray::<u8, U64>::from_slice(b)]);
            }
            for chunk in self.buf[at..end].chunks_exact_mut(16) {
                let mut block = aes::Block::default();
                for ((o, p), c) in block.iter_mut().zip(chunk.iter()).zip(prev.iter()) {
                    *o = p ^ c;
                }
                backend.proc_block((&mut block).into());
                chunk.copy_from_slice(&block);
                prev.copy_from_slice(&block);
            }
            at = end;
        }
    }
}

fn bench(name: &str, mut f: impl FnMut()) {
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..2000 {
            f();
        }
        best = best.min(t.elapsed().as_secs_f64() / 2000.0);
    }
    println!(
        "{name:30} {:8.2} us {:6.0} MB/s",
        best * 1e6,
        16384.0 / best / 1e6
    );
}

fn main() {
    if std::env::var_os("HEX").is_some() {
        hexbench();
        return;
    }
    let key = Aes128::new(&GenericArray::from([7u8; 16]));
    let mut buf = vec![0x61u8; 16384];
    bench("aes per-block encrypt_block", || {
        let mut prev = [0u8; 16];
        for chunk in buf.chunks_exact_mut(16) {
            let mut block = [0u8; 16];
            for ((o, p), c) in block.iter_mut().zip(chunk.iter()).zip(prev.iter()) {
                *o = p ^ c;
            }
            key.encrypt_block(GenericArray::from_mut_slice(&mut block));
            chunk.copy_from_slice(&block);
            prev = block;
        }
    });
    bench("aes with_backend chain", || {
        key.encrypt_with_backend(Chain {
            buf: &mut buf,
            prev: [0; 16],
        })
    });
    let mut st = [1u32; 5];
    bench("sha1 compress per block", || {
        for b in buf.chunks_exact(64) {
            sha1::compress(&mut st, &[*GenericArray::<u8, U64>::from_slice(b)]);
        }
    });
    bench("serial sha1 then aes", || {
        for b in buf.chunks_exact(64) {
            sha1::compress(&mut st, &[*GenericArray::<u8, U64>::from_slice(b)]);
        }
        key.encrypt_with_backend(Chain {
            buf: &mut buf,
            prev: [0; 16],
        })
    });
    for step in [64, 128, 256, 512, 1024] {
        bench(&format!("stitched step {step}"), || {
            key.encrypt_with_backend(Stitch {
                buf: &mut buf,
                state: &mut st,
                step,
            })
        });
    }
}

const DIGITS: &[u8; 16] = b"0123456789abcdef";
fn fill_hex_table(v: &[u8], out: &mut [u8]) {
    for (o, &b) in out.chunks_exact_mut(2).zip(v) {
        o[0] = DIGITS[usize::from(b >> 4)];
        o[1] = DIGITS[usize::from(b & 0x0f)];
    }
}
#[inline(always)]
fn digit(n: u8) -> u8 {
    n + b'0' + (((9u8.wrapping_sub(n)) >> 7) & 1) * (b'a' - b'0' - 10)
}
fn fill_hex_arith(v: &[u8], out: &mut [u8]) {
    for (o, &b) in out.chunks_exact_mut(2).zip(v) {
        o[0] = digit(b >> 4);
        o[1] = digit(b & 15);
    }
}
fn fill_hex_swar(v: &[u8], out: &mut [u8]) {
    let mut oc = out.chunks_exact_mut(16);
    let mut ic = v.chunks_exact(8);
    for (o, i) in (&mut oc).zip(&mut ic) {
        let x = u64::from_le_bytes(i.try_into().unwrap());
        for (half, src) in [(0usize, x as u32), (8, (x >> 32) as u32)] {
            let mut s = src as u64;
            s = (s | (s << 16)) & 0x0000_FFFF_0000_FFFF;
            s = (s | (s << 8)) & 0x00FF_00FF_00FF_00FF;
            let hi = (s >> 4) & 0x000F_000F_000F_000F;
            let lo = s & 0x000F_000F_000F_000F;
            let n = hi | (lo << 8);
            let gt9 = ((n + 0x7676_7676_7676_7676) >> 7) & 0x0101_0101_0101_0101;
            let a = n + 0x3030_3030_3030_3030 + gt9 * 39;
            o[half..half + 8].copy_from_slice(&a.to_le_bytes());
        }
    }
    fill_hex_table(ic.remainder(), oc.into_remainder());
}

pub fn hexbench() {
    let v: Vec<u8> = (0..16384u32).map(|i| (i * 7919 >> 3) as u8).collect();
    let mut out = vec![0u8; 32768];
    let mut chk = vec![0u8; 32768];
    fill_hex_table(&v, &mut chk);
    fill_hex_arith(&v, &mut out);
    assert_eq!(out, chk);
    fill_hex_swar(&v, &mut out);
    assert_eq!(out, chk);
    bench("hex table", || fill_hex_table(std::hint::black_box(&v), &mut out));
    bench("hex arith", || fill_hex_arith(std::hint::black_box(&v), &mut out));
    bench("hex swar", || fill_hex_swar(std::hint::black_box(&v), &mut out));
    let s = String::from_utf8(chk.clone()).unwrap();
    let mut line = Vec::with_capacity(40000);
    bench("serde_json str 32K", || {
        line.clear();
        serde_json::to_writer(&mut line, std::hint::black_box(&s)).unwrap();
    });
    bench("memcpy 32K", || {
        line.clear();
        line.extend_from_slice(std::hint::black_box(s.as_bytes()));
    });
}
