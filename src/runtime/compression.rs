//! The codecs behind `CompressionStream` and `DecompressionStream`: gzip, deflate (zlib)
//! and deflate-raw, streaming, with miniz_oxide's deflate and inflate and a gzip header and
//! trailer (CRC-32, length) of our own; and the table a runtime keeps them in by number
//! (freed when the stream finishes, fails or is collected). A leaf: no V8 here.

use std::collections::HashMap;

use miniz_oxide::deflate::core::{CompressorOxide, create_comp_flags_from_zip_params};
use miniz_oxide::inflate::stream::InflateState;
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

/// A format of the Compression Streams standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Gzip,
    Deflate,
    DeflateRaw,
}

impl Format {
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "gzip" => Some(Format::Gzip),
            "deflate" => Some(Format::Deflate),
            "deflate-raw" => Some(Format::DeflateRaw),
            _ => None,
        }
    }
}

/// The output buffer each step writes into, grown by this much at a time.
const STEP: usize = 32 << 10;

/// zlib's default level, as Node's and the browsers' CompressionStream use.
const LEVEL: i32 = 6;

/// A gzip header as zlib writes one: no name, no time, OS "Unix".
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];

/// One stream's codec.
pub(crate) enum Codec {
    Compress(Box<Compressor>),
    Decompress(Box<Decompressor>),
}

pub(crate) struct Compressor {
    deflate: CompressorOxide,
    /// For gzip: the CRC-32 and length of the input, and whether the header is out.
    gzip: Option<(crc32fast::Hasher, u32, bool)>,
}

pub(crate) struct Decompressor {
    inflate: Box<InflateState>,
    /// For gzip: the header's bytes until it is whole, the CRC-32 and length of the
    /// output, and the trailer's bytes after the deflate stream.
    gzip: Option<GzipIn>,
    ended: bool,
}

#[derive(Default)]
pub(crate) struct GzipIn {
    header: Vec<u8>,
    header_done: bool,
    crc: crc32fast::Hasher,
    len: u32,
    trailer: Vec<u8>,
}

impl Codec {
    pub fn new(format: Format, compress: bool) -> Codec {
        if compress {
            let window = if format == Format::Deflate { 15 } else { -15 };
            let flags = create_comp_flags_from_zip_params(LEVEL, window, 0);
            Codec::Compress(Box::new(Compressor {
                deflate: CompressorOxide::new(flags),
                gzip: (format == Format::Gzip).then(|| (crc32fast::Hasher::new(), 0, false)),
            }))
        } else {
            let data = if format == Format::Deflate {
                DataFormat::Zlib
            } else {
                DataFormat::Raw
            };
            Codec::Decompress(Box::new(Decompressor {
                inflate: InflateState::new_boxed(data),
                gzip: (format == Format::Gzip).then(GzipIn::default),
                ended: false,
            }))
        }
    }

    /// What `input` gives out so far.
    pub fn push(&mut self, input: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            Codec::Compress(c) => c.run(input, MZFlush::None),
            Codec::Decompress(d) => d.push(input),
        }
    }

    /// The rest of the output, at the end of the input.
    pub fn finish(&mut self) -> Result<Vec<u8>, String> {
        match self {
            Codec::Compress(c) => c.run(&[], MZFlush::Finish),
            Codec::Decompress(d) => d.finish(),
        }
    }
}

impl Compressor {
    fn run(&mut self, input: &[u8], flush: MZFlush) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        if let Some((crc, len, header)) = &mut self.gzip {
            if !*header {
                out.extend_from_slice(&GZIP_HEADER);
                *header = true;
            }
            crc.update(input);
            *len = len.wrapping_add(input.len() as u32);
        }
        let mut rest = input;
        loop {
            let at = out.len();
            out.resize(at + STEP, 0);
            let r = miniz_oxide::deflate::stream::deflate(
                &mut self.deflate,
                rest,
                &mut out[at..],
                flush,
            );
            out.truncate(at + r.bytes_written);
            rest = &rest[r.bytes_consumed..];
            match r.status {
                Ok(MZStatus::StreamEnd) => break,
                Ok(_) if flush == MZFlush::None && rest.is_empty() && r.bytes_written < STEP => {
                    break;
                }
                Ok(_) => {}
                // No progress is possible (nothing left to put out without more input).
                Err(MZError::Buf) if flush == MZFlush::None => break,
                Err(e) => return Err(format!("compression failed: {e:?}")),
            }
        }
        if flush == MZFlush::Finish
            && let Some((crc, len, _)) = self.gzip.take()
        {
            out.extend_from_slice(&crc.finalize().to_le_bytes());
            out.extend_from_slice(&len.to_le_bytes());
        }
        Ok(out)
    }
}

impl Decompressor {
    fn push(&mut self, input: &[u8]) -> Result<Vec<u8>, String> {
        if let Some(g) = &mut self.gzip
            && !g.header_done
        {
            g.header.extend_from_slice(input);
            match gzip_header_len(&g.header)? {
                None => return Ok(Vec::new()),
                Some(n) => {
                    g.header_done = true;
                    let body = g.header.split_off(n);
                    g.header = Vec::new();
                    return self.inflate_bytes(&body);
                }
            }
        }
        if self.ended {
            return self.after_end(input);
        }
        self.inflate_bytes(input)
    }

    fn inflate_bytes(&mut self, input: &[u8]) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        let mut rest = input;
        while !self.ended {
            let at = out.len();
            out.resize(at + STEP, 0);
            let r = miniz_oxide::inflate::stream::inflate(
                &mut self.inflate,
                rest,
                &mut out[at..],
                MZFlush::None,
            );
            out.truncate(at + r.bytes_written);
            rest = &rest[r.bytes_consumed..];
            match r.status {
                Ok(MZStatus::StreamEnd) => self.ended = true,
                Ok(_) if rest.is_empty() && r.bytes_written < STEP => break,
                Ok(_) => {}
                Err(MZError::Buf) if rest.is_empty() => break,
                Err(_) => return Err("the compressed data is not valid".into()),
            }
        }
        if let Some(g) = &mut self.gzip {
            g.crc.update(&out);
            g.len = g.len.wrapping_add(out.len() as u32);
        }
        if self.ended && !rest.is_empty() {
            self.after_end(rest)?;
        }
        Ok(out)
    }

    /// Input after the end of the deflate stream: a gzip trailer, else junk.
    fn after_end(&mut self, input: &[u8]) -> Result<Vec<u8>, String> {
        match &mut self.gzip {
            Some(g) if g.trailer.len() + input.len() <= 8 => {
                g.trailer.extend_from_slice(input);
                Ok(Vec::new())
            }
            _ => Err("junk after the end of the compressed data".into()),
        }
    }

    fn finish(&mut self) -> Result<Vec<u8>, String> {
        if !self.ended {
            return Err("the compressed data ended early".into());
        }
        if let Some(g) = self.gzip.take() {
            let want_crc = g.crc.finalize().to_le_bytes();
            let want_len = g.len.to_le_bytes();
            if g.trailer.len() != 8 {
                return Err("the compressed data ended early".into());
            }
            if g.trailer[..4] != want_crc || g.trailer[4..] != want_len {
                return Err("the gzip data's checksum does not match".into());
            }
        }
        Ok(Vec::new())
    }
}

/// The length of a whole gzip header at the start of `b`; `None` while it is not whole.
fn gzip_header_len(b: &[u8]) -> Result<Option<usize>, String> {
    if b.len() < 10 {
        if b.len() >= 2 && b[..2] != [0x1f, 0x8b] {
            return Err("not gzip data".into());
        }
        return Ok(None);
    }
    if b[..2] != [0x1f, 0x8b] || b[2] != 8 {
        return Err("not gzip data".into());
    }
    let flags = b[3];
    let mut at = 10;
    if flags & 4 != 0 {
        let Some(len) = b.get(at..at + 2) else {
            return Ok(None);
        };
        at += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for bit in [8u8, 16] {
        if flags & bit != 0 {
            let Some(zero) = b.get(at..).and_then(|r| r.iter().position(|&c| c == 0)) else {
                return Ok(None);
            };
            at += zero + 1;
        }
    }
    if flags & 2 != 0 {
        at += 2;
    }
    Ok((b.len() >= at).then_some(at))
}

/// About how much memory a codec's state takes: miniz_oxide's compressor keeps its hash
/// chains, dictionary and output buffer (about 310 KiB), the decompressor its tables and a
/// 32 KiB window. What a memory cap holds for it.
pub(crate) fn state_bytes(compress: bool) -> usize {
    if compress { 320 << 10 } else { 48 << 10 }
}

/// A runtime's codecs in use, by number, each with what is held for as long as it lives
/// (its share of a memory cap).
#[derive(Default)]
pub(crate) struct Codecs {
    next: u32,
    live: HashMap<u32, (Codec, Option<Box<dyn std::any::Any>>)>,
}

impl Codecs {
    pub fn add(&mut self, codec: Codec, held: Option<Box<dyn std::any::Any>>) -> u32 {
        self.next = self.next.wrapping_add(1);
        self.live.insert(self.next, (codec, held));
        self.next
    }

    pub fn get(&mut self, id: u32) -> Option<&mut Codec> {
        self.live.get_mut(&id).map(|(c, _)| c)
    }

    pub fn remove(&mut self, id: u32) {
        self.live.remove(&id);
    }
}
