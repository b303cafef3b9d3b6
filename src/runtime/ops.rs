//! The Rust functions (`core.*`) behind warren's web platform and Node-compatibility JS:
//! text encoding, base64, URLs, randomness, hashes, clocks, files, environment and process
//! control. Every file and environment access goes through the runtime's
//! [`crate::Permissions`].

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::runtime::js_sources::internal_source;
use crate::runtime::{compression, fetch, fuel_global, memory_budget, snapshot};

use base64::Engine;

use crate::runtime::state::State;
use crate::runtime::v8_util::{
    OpError, bytes_arg, compile_and_run, compile_and_run_cached, guarded, v8_str,
};

/// An absolute path with `.` and `..` resolved lexically (a `require` path's tidy form).
fn normalize(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

type R = std::result::Result<(), OpError>;

/// A `Uint8Array` over bytes an op made, counted against the memory cap
/// ([`memory_budget::uint8_array`]); V8's own `RangeError` when they do not fit.
pub(crate) fn uint8_array<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    data: Vec<u8>,
) -> Result<v8::Local<'s, v8::Value>, OpError> {
    memory_budget::uint8_array(scope, data)
        .map(Into::into)
        .ok_or_else(|| OpError::range_error("Array buffer allocation failed"))
}

fn str_arg(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> String {
    v.to_rust_string_lossy(scope)
}

macro_rules! op {
    ($(#[$doc:meta])* $name:ident, |$scope:ident, $args:ident, $rv:ident| $body:block) => {
        $(#[$doc])*
        fn $name<'s>(
            $scope: &mut v8::PinScope<'s, '_>,
            $args: v8::FunctionCallbackArguments<'s>,
            #[allow(unused_mut)] mut $rv: v8::ReturnValue<'s, v8::Value>,
        ) {
            guarded($scope, stringify!($name), |$scope| -> R { $body });
        }
    };
}

fn not_base64() -> OpError {
    OpError::named(
        "InvalidCharacterError",
        "The string to be decoded is not correctly encoded.",
    )
}

// ---- text ----

op!(op_utf8_encode, |scope, args, rv| {
    let s = args
        .get(0)
        .to_string(scope)
        .ok_or("cannot convert to string")?;
    let mut buf = vec![0u8; s.utf8_length(scope)];
    let n = s.write_utf8_v2(scope, &mut buf, v8::WriteFlags::kReplaceInvalidUtf8, None);
    buf.truncate(n);
    rv.set(uint8_array(scope, buf)?);
    Ok(())
});

op!(
/// `encodeInto(string, u8array)`: writes UTF-8 into the array; returns `[read, written]` in
/// UTF-16 code units and bytes, never splitting a character.
op_utf8_encode_into, |scope, args, rv| {
    let s = args
        .get(0)
        .to_string(scope)
        .ok_or("cannot convert to string")?;
    let view = v8::Local::<v8::ArrayBufferView>::try_from(args.get(1))
        .map_err(|_| "encodeInto needs a Uint8Array")?;
    let len = view.byte_length();
    let offset = view.byte_offset();
    let ab = view.buffer(scope).ok_or("detached buffer")?;
    let (written, read) = match ab.data() {
        Some(base) if len > 0 => {
            // SAFETY: the view covers `offset..offset+len` of its live buffer; V8 writes at
            // most `len` bytes and no JS runs meanwhile.
            let dst = unsafe {
                std::slice::from_raw_parts_mut((base.as_ptr() as *mut u8).add(offset), len)
            };
            let mut read = 0usize;
            let written = s.write_utf8_v2(
                scope,
                dst,
                v8::WriteFlags::kReplaceInvalidUtf8,
                Some(&mut read),
            );
            (written, read)
        }
        _ => (0, 0),
    };
    let arr = v8::Array::new(scope, 2);
    let r = v8::Number::new(scope, read as f64);
    arr.set_index(scope, 0, r.into());
    let w = v8::Number::new(scope, written as f64);
    arr.set_index(scope, 1, w.into());
    rv.set(arr.into());
    Ok(())
});

op!(
/// `decode(bytes, label, fatal, ignoreBOM)` with encoding_rs; label is a WHATWG label.
op_decode, |scope, args, rv| {
    let bytes = bytes_arg(args.get(0)).ok_or("decode needs a BufferSource")?;
    let label = str_arg(scope, args.get(1));
    let fatal = args.get(2).is_true();
    let ignore_bom = args.get(3).is_true();
    let enc = encoding_rs::Encoding::for_label(label.as_bytes())
        .ok_or_else(|| OpError::range_error(format!("The \"{label}\" encoding is not supported")))?;
    let text = if enc == encoding_rs::UTF_8 && !fatal && !ignore_bom {
        // The common case: V8 decodes UTF-8 itself (with replacement characters).
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let s = v8::String::new_from_utf8(scope, body, v8::NewStringType::Normal)
            .ok_or("string too long")?;
        rv.set(s.into());
        return Ok(());
    } else if fatal {
        let decoded = if ignore_bom {
            enc.decode_without_bom_handling_and_without_replacement(&bytes)
        } else {
            let (e, skip) = encoding_rs::Encoding::for_bom(&bytes)
                .filter(|(e, _)| *e == enc)
                .unwrap_or((enc, 0));
            e.decode_without_bom_handling_and_without_replacement(&bytes[skip..])
        };
        decoded
            .ok_or_else(|| {
                OpError::type_error(format!("The encoded data was not valid for encoding {}", enc.name().to_ascii_lowercase()))
            })?
            .into_owned()
    } else if ignore_bom {
        enc.decode_without_bom_handling(&bytes).0.into_owned()
    } else {
        enc.decode_with_bom_removal(&bytes).0.into_owned()
    };
    rv.set(v8_str(scope, &text).into());
    Ok(())
});

op!(
/// The canonical name of an encoding label, or undefined.
op_encoding_name, |scope, args, rv| {
    let label = str_arg(scope, args.get(0));
    if let Some(enc) = encoding_rs::Encoding::for_label(label.trim().as_bytes()) {
        rv.set(v8_str(scope, &enc.name().to_ascii_lowercase()).into());
    }
    Ok(())
});

op!(
/// `utf8Decode(bytes, fatal)`: UTF-8 to a string, keeping a leading BOM (as Node's Buffer
/// does); invalid sequences become U+FFFD unless `fatal`, which throws instead.
op_utf8_decode, |scope, args, rv| {
    let bytes = bytes_arg(args.get(0)).ok_or("utf8Decode needs bytes")?;
    if args.get(1).is_true() && std::str::from_utf8(&bytes).is_err() {
        return Err(OpError::type_error("The encoded data was not valid for encoding utf-8"));
    }
    let s = v8::String::new_from_utf8(scope, &bytes, v8::NewStringType::Normal)
        .ok_or("string too long")?;
    rv.set(s.into());
    Ok(())
});

op!(op_latin1_decode, |scope, args, rv| {
    let bytes = bytes_arg(args.get(0)).ok_or("latin1Decode needs bytes")?;
    let s = v8::String::new_from_one_byte(scope, &bytes, v8::NewStringType::Normal)
        .ok_or("string too long")?;
    rv.set(s.into());
    Ok(())
});

op!(op_base64_encode, |scope, args, rv| {
    let bytes = bytes_arg(args.get(0)).ok_or("base64Encode needs bytes")?;
    let s = base64::engine::general_purpose::STANDARD.encode(bytes);
    rv.set(v8_str(scope, &s).into());
    Ok(())
});

op!(
/// `base64Decode(string, forgiving)`: forgiving is atob's rules (whitespace removed, padding
/// optional); otherwise Node's Buffer rules (invalid characters skipped, url-safe accepted).
op_base64_decode, |scope, args, rv| {
    let s = str_arg(scope, args.get(0));
    let forgiving = args.get(1).is_true();
    let cleaned: String = if forgiving {
        s.chars().filter(|c| !c.is_ascii_whitespace()).collect()
    } else {
        s.chars()
            .take_while(|c| *c != '=')
            .filter_map(|c| match c {
                '-' => Some('+'),
                '_' => Some('/'),
                c if c.is_ascii_alphanumeric() || c == '+' || c == '/' => Some(c),
                _ => None,
            })
            .collect()
    };
    let body = cleaned.trim_end_matches('=');
    if forgiving && (cleaned.len() - body.len() > 2 || body.len() % 4 == 1 || body.contains('=')) {
        return Err(not_base64());
    }
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let body = if !forgiving && body.len() % 4 == 1 {
        &body[..body.len() - 1]
    } else {
        body
    };
    let bytes = engine.decode(body).map_err(|_| not_base64())?;
    rv.set(uint8_array(scope, bytes)?);
    Ok(())
});

// ---- URL ----

fn url_parts<'s>(scope: &mut v8::PinScope<'s, '_>, u: &url::Url) -> v8::Local<'s, v8::Value> {
    let vals = [
        u.as_str().to_string(),
        u.scheme().to_string() + ":",
        u.username().to_string(),
        u.password().unwrap_or("").to_string(),
        u.host_str().unwrap_or("").to_string(),
        u.port().map(|p| p.to_string()).unwrap_or_default(),
        u.path().to_string(),
        u.query().map(|q| format!("?{q}")).unwrap_or_default(),
        u.fragment().map(|f| format!("#{f}")).unwrap_or_default(),
        u.origin().ascii_serialization(),
    ];
    let arr = v8::Array::new(scope, vals.len() as i32);
    for (i, v) in vals.iter().enumerate() {
        let s = v8_str(scope, v);
        arr.set_index(scope, i as u32, s.into());
    }
    arr.into()
}

op!(
/// `urlParse(input, base?)`: `[href, protocol, username, password, hostname, port, pathname,
/// search, hash, origin]`, or undefined when invalid.
op_url_parse, |scope, args, rv| {
    let input = str_arg(scope, args.get(0));
    let parsed = if args.get(1).is_undefined() {
        url::Url::parse(&input)
    } else {
        let base = str_arg(scope, args.get(1));
        url::Url::parse(&base).and_then(|b| b.join(&input))
    };
    if let Ok(u) = parsed {
        let v = url_parts(scope, &u);
        rv.set(v);
    }
    Ok(())
});

op!(
/// `urlSet(href, part, value)`: the URL with one component set (WHATWG setter rules), as
/// `urlParse` returns it.
op_url_set, |scope, args, rv| {
    let href = str_arg(scope, args.get(0));
    let part = str_arg(scope, args.get(1));
    let value = str_arg(scope, args.get(2));
    let mut u = url::Url::parse(&href).map_err(|e| e.to_string())?;
    use url::quirks;
    let _ = match part.as_str() {
        "href" => {
            u = url::Url::parse(&value).map_err(|_| OpError::type_error(format!("Invalid URL: {value}")))?;
            Ok(())
        }
        "protocol" => quirks::set_protocol(&mut u, &value),
        "username" => quirks::set_username(&mut u, &value),
        "password" => quirks::set_password(&mut u, &value),
        "host" => quirks::set_host(&mut u, &value),
        "hostname" => quirks::set_hostname(&mut u, &value),
        "port" => quirks::set_port(&mut u, &value),
        "pathname" => {
            quirks::set_pathname(&mut u, &value);
            Ok(())
        }
        "search" => {
            quirks::set_search(&mut u, &value);
            Ok(())
        }
        "hash" => {
            quirks::set_hash(&mut u, &value);
            Ok(())
        }
        _ => Err(()),
    };
    let v = url_parts(scope, &u);
    rv.set(v);
    Ok(())
});

op!(op_file_url_to_path, |scope, args, rv| {
    let s = str_arg(scope, args.get(0));
    let u = url::Url::parse(&s).map_err(|_| OpError::type_error(format!("Invalid URL: {s}")))?;
    if u.scheme() != "file" {
        return Err(
            OpError::type_error("The URL must be of scheme file").code("ERR_INVALID_URL_SCHEME")
        );
    }
    let p = u
        .to_file_path()
        .map_err(|_| OpError::type_error(format!("{s} is not a valid file path")))?;
    rv.set(v8_str(scope, &p.to_string_lossy()).into());
    Ok(())
});

op!(op_path_to_file_url, |scope, args, rv| {
    let s = str_arg(scope, args.get(0));
    let u = crate::modules::path_to_url(Path::new(&s)).map_err(|e| e.to_string())?;
    let mut href = u.to_string();
    if s.ends_with('/') && !href.ends_with('/') {
        href.push('/');
    }
    rv.set(v8_str(scope, &href).into());
    Ok(())
});

// ---- compression ----

// codecNew(format, compress) -> the number of a new codec (a TypeError for a format the
// Compression Streams standard does not name).
op!(op_codec_new, |scope, args, rv| {
    let name = str_arg(scope, args.get(0));
    let format = compression::Format::parse(&name).ok_or_else(|| {
        OpError::type_error(format!(
            "The argument 'format' is invalid. Received '{name}' (gzip, deflate or deflate-raw)"
        ))
    })?;
    let compress = args.get(1).is_true();
    let state = State::get(scope);
    // Under a memory cap the codec's state counts against it, as an ArrayBuffer's would.
    let held = match state.budget.borrow().as_ref() {
        None => None,
        Some(budget) => {
            let reserved = budget
                .reserve(compression::state_bytes(compress))
                .ok_or_else(|| {
                    OpError::range_error("Cannot make a compression stream: out of memory")
                })?;
            Some(Box::new(reserved) as Box<dyn std::any::Any>)
        }
    };
    let codec = compression::Codec::new(format, compress);
    let id = state.codecs.borrow_mut().add(codec, held);
    rv.set(v8::Integer::new_from_unsigned(scope, id).into());
    Ok(())
});

// codecPush(id, bytes) -> what the codec puts out for them; codecFinish(id) -> the rest of
// its output, and it is freed (it is freed too when either fails); codecFree(id).
op!(op_codec_push, |scope, args, rv| {
    let id = args.get(0).uint32_value(scope).unwrap_or(0);
    let input = bytes_arg(args.get(1)).ok_or_else(|| {
        OpError::type_error("The chunk must be an ArrayBuffer or an ArrayBufferView")
    })?;
    let out = codec_step(scope, id, |c| c.push(&input))?;
    rv.set(uint8_array(scope, out)?);
    Ok(())
});

op!(op_codec_finish, |scope, args, rv| {
    let id = args.get(0).uint32_value(scope).unwrap_or(0);
    let out = codec_step(scope, id, compression::Codec::finish);
    State::get(scope).codecs.borrow_mut().remove(id);
    rv.set(uint8_array(scope, out?)?);
    Ok(())
});

op!(op_codec_free, |scope, args, _rv| {
    let id = args.get(0).uint32_value(scope).unwrap_or(0);
    State::get(scope).codecs.borrow_mut().remove(id);
    Ok(())
});

/// Runs `step` on codec `id`; a failure frees it and is a TypeError, as the standard's.
fn codec_step(
    scope: &mut v8::PinScope,
    id: u32,
    step: impl FnOnce(&mut compression::Codec) -> std::result::Result<Vec<u8>, String>,
) -> std::result::Result<Vec<u8>, OpError> {
    let state = State::get(scope);
    let mut codecs = state.codecs.borrow_mut();
    let codec = codecs
        .get(id)
        .ok_or_else(|| OpError::type_error("The stream is closed"))?;
    step(codec).map_err(|why| {
        codecs.remove(id);
        OpError::type_error(why)
    })
}

// ---- randomness, hashes, time ----

op!(op_random_fill, |scope, args, _rv| {
    let view = v8::Local::<v8::ArrayBufferView>::try_from(args.get(0))
        .map_err(|_| "getRandomValues needs a typed array")?;
    let len = view.byte_length();
    if len > 65536 && args.get(1).is_true() {
        return Err(OpError::named(
            "QuotaExceededError",
            format!(
                "The ArrayBufferView's byte length ({len}) exceeds the number of bytes of entropy available via this API (65536)"
            ),
        ));
    }
    let offset = view.byte_offset();
    let ab = view.buffer(scope).ok_or("detached buffer")?;
    if let Some(base) = ab.data()
        && len > 0
    {
        // SAFETY: the view covers `offset..offset+len` of its live buffer; no JS runs.
        let dst =
            unsafe { std::slice::from_raw_parts_mut((base.as_ptr() as *mut u8).add(offset), len) };
        getrandom::fill(dst).map_err(|e| e.to_string())?;
    }
    Ok(())
});

op!(op_hash, |scope, args, rv| {
    use sha2::Digest;
    let alg = str_arg(scope, args.get(0)).to_ascii_lowercase();
    let data = bytes_arg(args.get(1)).ok_or("hash needs bytes")?;
    let out: Vec<u8> = match alg.as_str() {
        "sha256" | "sha-256" => sha2::Sha256::digest(&data).to_vec(),
        "sha384" | "sha-384" => sha2::Sha384::digest(&data).to_vec(),
        "sha512" | "sha-512" => sha2::Sha512::digest(&data).to_vec(),
        "sha224" | "sha-224" => sha2::Sha224::digest(&data).to_vec(),
        "sha1" | "sha-1" => sha1::Sha1::digest(&data).to_vec(),
        "md5" => md5::Md5::digest(&data).to_vec(),
        other => return Err(format!("Digest method not supported: {other}").into()),
    };
    rv.set(uint8_array(scope, out)?);
    Ok(())
});

thread_local! {
    static TIME_ORIGIN: (Instant, f64) = (
        Instant::now(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0),
    );
}

op!(
/// Milliseconds since the runtime's time origin (monotonic).
op_now, |scope, _args, rv| {
    let ms = TIME_ORIGIN.with(|(t, _)| t.elapsed().as_secs_f64() * 1000.0);
    rv.set(v8::Number::new(scope, ms).into());
    Ok(())
});

// process.memoryUsage(): [rss, heapTotal, heapUsed, external, arrayBuffers] in bytes, all
// of them this isolate's: other tenants' isolates share the process, and its resident set
// would tell one how much the others hold (as os.totalmem() tells nothing of the host).
// rss is what the isolate holds (its heap's pages, V8's malloced memory for it, and its
// external memory). arrayBuffers is counted exactly under a memory cap (the counting
// allocator); without one it is V8's external memory, which holds the ArrayBuffer backing
// stores.
op!(op_memory_usage, |scope, _args, rv| {
    let stats = scope.get_heap_statistics();
    let external = stats.external_memory();
    let held = stats.total_physical_size() + stats.malloced_memory() + external;
    let array_buffers = State::get(scope)
        .budget
        .borrow()
        .as_ref()
        .map_or(external, |b| b.array_buffers());
    let figures = [
        held as f64,
        stats.total_heap_size() as f64,
        stats.used_heap_size() as f64,
        external as f64,
        array_buffers as f64,
    ];
    let out = v8::Array::new(scope, figures.len() as i32);
    for (i, f) in figures.into_iter().enumerate() {
        let n = v8::Number::new(scope, f);
        out.set_index(scope, i as u32, n.into());
    }
    rv.set(out.into());
    Ok(())
});

// process.cpuUsage(): [user, system] CPU time of the isolate's thread in microseconds
// (getrusage): not the process's, which other tenants' isolates share.
op!(op_cpu_usage, |scope, _args, rv| {
    // SAFETY: an all-zero rusage is a valid value of the plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    #[cfg(target_os = "linux")]
    let who = libc::RUSAGE_THREAD;
    #[cfg(not(target_os = "linux"))]
    let who = libc::RUSAGE_SELF;
    // SAFETY: `usage` is a valid out-pointer for the call's duration.
    let rc = unsafe { libc::getrusage(who, &mut usage) };
    if rc != 0 {
        return Err(OpError::error(format!(
            "getrusage: {}",
            std::io::Error::last_os_error()
        )));
    }
    let micros = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
    let out = v8::Array::new(scope, 2);
    let user = v8::Number::new(scope, micros(usage.ru_utime));
    let system = v8::Number::new(scope, micros(usage.ru_stime));
    out.set_index(scope, 0, user.into());
    out.set_index(scope, 1, system.into());
    rv.set(out.into());
    Ok(())
});

op!(op_time_origin, |scope, _args, rv| {
    let ms = TIME_ORIGIN.with(|(_, origin)| *origin);
    rv.set(v8::Number::new(scope, ms).into());
    Ok(())
});

// ---- files ----

fn path_arg(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Result<PathBuf, OpError> {
    if v.is_string() {
        let s = v.to_rust_string_lossy(scope);
        if s.starts_with("file:") {
            let u = url::Url::parse(&s).map_err(|e| e.to_string())?;
            return u
                .to_file_path()
                .map_err(|_| format!("{s} is not a file path").into());
        }
        return Ok(PathBuf::from(s));
    }
    if let Some(bytes) = bytes_arg(v) {
        return Ok(PathBuf::from(String::from_utf8_lossy(&bytes).into_owned()));
    }
    // A URL object: use its href.
    if let Some(obj) = v.to_object(scope) {
        let k = v8_str(scope, "href");
        if let Some(h) = obj.get(scope, k.into()).filter(|h| h.is_string()) {
            return path_arg(scope, h);
        }
    }
    Err(OpError::type_error(
        "The \"path\" argument must be of type string or an instance of Buffer or URL",
    )
    .code("ERR_INVALID_ARG_TYPE"))
}

fn fs_error(op: &str, path: &Path, e: std::io::Error) -> OpError {
    let code = match e.kind() {
        std::io::ErrorKind::NotFound => "ENOENT",
        std::io::ErrorKind::PermissionDenied => "EACCES",
        std::io::ErrorKind::AlreadyExists => "EEXIST",
        std::io::ErrorKind::IsADirectory => "EISDIR",
        std::io::ErrorKind::NotADirectory => "ENOTDIR",
        _ => "EIO",
    };
    let what = match code {
        "ENOENT" => "no such file or directory",
        "EACCES" => "permission denied",
        "EEXIST" => "file already exists",
        "EISDIR" => "illegal operation on a directory",
        "ENOTDIR" => "not a directory",
        _ => "i/o error",
    };
    OpError::error(format!("{code}: {what}, {op} '{}'", path.display())).code(code)
}

fn perms(scope: &mut v8::PinScope) -> std::rc::Rc<State> {
    State::get(scope)
}

op!(
    /// `httpFetch(...)`: `fetch.rs`.
    op_http_fetch, |scope, args, rv| {
    fetch::http_fetch(scope, &args, &mut rv)
});

op!(
    /// `httpFetchRead(id)`: `fetch.rs`.
    op_http_fetch_read, |scope, args, rv| {
    fetch::read(scope, &args, &mut rv);
    Ok(())
});

op!(
    /// `httpFetchWrite(id, chunk)`: `fetch.rs`.
    op_http_fetch_write, |scope, args, rv| {
    fetch::write(scope, &args, &mut rv)
});

op!(
    /// `httpFetchCancel(id)`: `fetch.rs`.
    op_http_fetch_cancel, |scope, args, _rv| {
    fetch::cancel(args.get(0).uint32_value(scope).unwrap_or(0));
    Ok(())
});

op!(op_read_file, |scope, args, rv| {
    let path = path_arg(scope, args.get(0))?;
    perms(scope).permissions.check_read(&path)?;
    let data = std::fs::read(&path).map_err(|e| fs_error("open", &path, e))?;
    rv.set(uint8_array(scope, data)?);
    Ok(())
});

op!(op_write_file, |scope, args, _rv| {
    let path = path_arg(scope, args.get(0))?;
    perms(scope).permissions.check_write(&path)?;
    let data = if args.get(1).is_string() {
        str_arg(scope, args.get(1)).into_bytes()
    } else {
        bytes_arg(args.get(1)).ok_or("writeFile needs a string or bytes")?
    };
    // Node's flag: `true` is "a"; anything else but a string is "w".
    let flag = if args.get(2).is_true() {
        "a".to_string()
    } else if args.get(2).is_string() {
        str_arg(scope, args.get(2))
    } else {
        "w".to_string()
    };
    let mut open = std::fs::OpenOptions::new();
    open.write(true);
    let letters: String = flag.chars().filter(|c| *c != '+' && *c != 's').collect();
    match letters.as_str() {
        "w" => open.create(true).truncate(true),
        "wx" | "xw" => open.create_new(true),
        "a" => open.append(true).create(true),
        "ax" | "xa" => open.append(true).create_new(true),
        "r" => &mut open,
        _ => {
            return Err(OpError::named(
                "TypeError",
                format!("the flag \"{flag}\" is not a flag writeFile takes"),
            ));
        }
    };
    let result = {
        use std::io::Write;
        open.open(&path).and_then(|mut f| f.write_all(&data))
    };
    result.map_err(|e| fs_error("open", &path, e))
});

op!(
/// `stat(path, follow)`: `[isFile, isDirectory, isSymlink, size, mtimeMs, atimeMs,
/// ctimeMs, birthtimeMs, mode, ino, dev, nlink, uid, gid]`, or throws ENOENT.
op_stat, |scope, args, rv| {
    use std::os::unix::fs::MetadataExt;
    let path = path_arg(scope, args.get(0))?;
    perms(scope).permissions.check_read(&path)?;
    let md = if args.get(1).is_false() {
        std::fs::symlink_metadata(&path)
    } else {
        std::fs::metadata(&path)
    }
    .map_err(|e| fs_error("stat", &path, e))?;
    let ms = |t: std::io::Result<std::time::SystemTime>| {
        t.ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let vals: [f64; 14] = [
        f64::from(u8::from(md.is_file())),
        f64::from(u8::from(md.is_dir())),
        f64::from(u8::from(md.file_type().is_symlink())),
        md.len() as f64,
        ms(md.modified()),
        ms(md.accessed()),
        md.ctime() as f64 * 1000.0,
        ms(md.created()),
        f64::from(md.mode()),
        md.ino() as f64,
        md.dev() as f64,
        md.nlink() as f64,
        f64::from(md.uid()),
        f64::from(md.gid()),
    ];
    let arr = v8::Array::new(scope, vals.len() as i32);
    for (i, v) in vals.iter().enumerate() {
        let n = v8::Number::new(scope, *v);
        arr.set_index(scope, i as u32, n.into());
    }
    rv.set(arr.into());
    Ok(())
});

op!(op_exists, |scope, args, rv| {
    let Ok(path) = path_arg(scope, args.get(0)) else {
        rv.set(v8::Boolean::new(scope, false).into());
        return Ok(());
    };
    // Without read permission, existence is not revealed (as Deno does).
    let ok = perms(scope).permissions.check_read(&path).is_ok() && path.exists();
    rv.set(v8::Boolean::new(scope, ok).into());
    Ok(())
});

op!(op_read_dir, |scope, args, rv| {
    let path = path_arg(scope, args.get(0))?;
    perms(scope).permissions.check_read(&path)?;
    let mut names: Vec<(String, bool)> = std::fs::read_dir(&path)
        .map_err(|e| fs_error("scandir", &path, e))?
        .filter_map(|e| e.ok())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.file_type().is_ok_and(|t| t.is_dir()),
            )
        })
        .collect();
    names.sort();
    let arr = v8::Array::new(scope, names.len() as i32);
    for (i, (n, dir)) in names.iter().enumerate() {
        let pair = v8::Array::new(scope, 2);
        let s = v8_str(scope, n);
        pair.set_index(scope, 0, s.into());
        let d = v8::Boolean::new(scope, *dir);
        pair.set_index(scope, 1, d.into());
        arr.set_index(scope, i as u32, pair.into());
    }
    rv.set(arr.into());
    Ok(())
});

op!(op_mkdir, |scope, args, _rv| {
    let path = path_arg(scope, args.get(0))?;
    perms(scope).permissions.check_write(&path)?;
    let r = if args.get(1).is_true() {
        std::fs::create_dir_all(&path)
    } else {
        std::fs::create_dir(&path)
    };
    r.map_err(|e| fs_error("mkdir", &path, e))
});

op!(op_remove, |scope, args, _rv| {
    let path = path_arg(scope, args.get(0))?;
    perms(scope).permissions.check_write(&path)?;
    let r = if path.is_dir() {
        if args.get(1).is_true() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_dir(&path)
        }
    } else {
        std::fs::remove_file(&path)
    };
    r.map_err(|e| fs_error("rm", &path, e))
});

op!(op_realpath, |scope, args, rv| {
    let path = path_arg(scope, args.get(0))?;
    perms(scope).permissions.check_read(&path)?;
    let p = std::fs::canonicalize(&path).map_err(|e| fs_error("realpath", &path, e))?;
    rv.set(v8_str(scope, &p.to_string_lossy()).into());
    Ok(())
});

op!(op_cwd, |scope, _args, rv| {
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    rv.set(v8_str(scope, &cwd.to_string_lossy()).into());
    Ok(())
});

// ---- environment and process ----

op!(op_env_get, |scope, args, rv| {
    let name = str_arg(scope, args.get(0));
    perms(scope).permissions.check_env(&name)?;
    if let Ok(v) = std::env::var(&name) {
        rv.set(v8_str(scope, &v).into());
    }
    Ok(())
});

op!(op_env_keys, |scope, _args, rv| {
    perms(scope).permissions.check_env("*")?;
    let keys: Vec<String> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .collect();
    let arr = v8::Array::new(scope, keys.len() as i32);
    for (i, k) in keys.iter().enumerate() {
        let s = v8_str(scope, k);
        arr.set_index(scope, i as u32, s.into());
    }
    rv.set(arr.into());
    Ok(())
});

op!(
/// `exit(code)`: stops the program; the runtime reports `Error::Exit(code)`.
op_exit, |scope, args, _rv| {
    let code = args.get(0).int32_value(scope).unwrap_or(0);
    State::get(scope).exit_code.set(Some(code));
    scope.terminate_execution();
    Ok(())
});

op!(
/// `process.exitCode = n`: the status to exit with once the program finishes normally.
op_set_exit_code, |scope, args, _rv| {
    let code = args.get(0).int32_value(scope).unwrap_or(0);
    State::get(scope).soft_exit_code.set(Some(code));
    Ok(())
});

op!(
/// `loadInternal(name)`: runs one of warren's embedded JS files (see `builtins.rs`) and
/// returns what it evaluates to.
op_load_internal, |scope, args, rv| {
    let name = str_arg(scope, args.get(0));
    let source = internal_source(&name).ok_or_else(|| format!("no internal module {name}"))?;
    v8::tc_scope!(let tc, scope);
    let file = format!("warren:{name}.js");
    let cache = snapshot::code_cache(&name);
    match compile_and_run_cached(tc, &file, source, cache, snapshot::record) {
        Some(v) => rv.set(v),
        None => {
            tc.rethrow();
        }
    }
    Ok(())
});

op!(op_args, |scope, _args, rv| {
    let state = State::get(scope);
    let list = state.argv.clone();
    let arr = v8::Array::new(scope, list.len() as i32);
    for (i, a) in list.iter().enumerate() {
        let s = v8_str(scope, a);
        arr.set_index(scope, i as u32, s.into());
    }
    rv.set(arr.into());
    Ok(())
});

op!(op_write_stdio, |scope, args, _rv| {
    let fd = args.get(0).int32_value(scope).unwrap_or(1);
    let stream = if fd == 2 {
        crate::Stream::Stderr
    } else {
        crate::Stream::Stdout
    };
    let data = if args.get(1).is_string() {
        str_arg(scope, args.get(1)).into_bytes()
    } else {
        bytes_arg(args.get(1)).unwrap_or_default()
    };
    State::get(scope).write(stream, &data);
    Ok(())
});

// ---- CommonJS ----

op!(
/// `resolveCjs(specifier, fromDir)`: a `require` specifier to a file path.
op_resolve_cjs, |scope, args, rv| {
    let spec = str_arg(scope, args.get(0));
    let dir = PathBuf::from(str_arg(scope, args.get(1)));
    // Resolution probes only what the runtime may import: nothing outside is read or
    // revealed. An explicit path that is not granted is returned as is, so the read then
    // reports the missing grant.
    let state = State::get(scope);
    let may = |p: &Path| state.permissions.check_import(p).is_ok();
    let found = if crate::modules::is_path_like(&spec) {
        let p = if spec.starts_with('/') {
            PathBuf::from(&spec)
        } else {
            dir.join(&spec)
        };
        if may(&p) {
            crate::modules::npm::with_extensions(&p, &may)
                .ok_or_else(|| format!("Cannot find module '{spec}'"))
        } else {
            Ok(p)
        }
    } else {
        crate::modules::npm::resolve_package(&spec, &dir, crate::modules::npm::CJS_CONDITIONS, &may)
            .map_err(|e| format!("Cannot find module '{spec}': {e}"))
    }
    .map_err(|e| OpError::error(e).code("MODULE_NOT_FOUND"))?;
    let found = normalize(&found);
    rv.set(v8_str(scope, &found.to_string_lossy()).into());
    Ok(())
});

op!(
/// `compileCjs(source, filename)`: the module wrapper function, compiled with `filename` as
/// its origin so stack traces point into the file (same line numbers).
op_compile_cjs, |scope, args, rv| {
    let source = str_arg(scope, args.get(0));
    let filename = str_arg(scope, args.get(1));
    let body = source.strip_prefix("#!").map_or(source.as_str(), |_| "");
    let body = if body.is_empty() && source.starts_with("#!") {
        // Keep line numbers: blank out the shebang line only.
        let nl = source.find('\n').unwrap_or(source.len());
        format!("//{}", &source[2.min(nl)..])
    } else {
        body.to_string()
    };
    let wrapped = format!(
        "(function (exports, require, module, __filename, __dirname) {{ {body}\n}})"
    );
    v8::tc_scope!(let tc, scope);
    match compile_and_run(tc, &filename, &wrapped) {
        Some(f) => {
            rv.set(f);
            Ok(())
        }
        None => {
            if tc.has_caught() {
                // Let the SyntaxError propagate as it is.
                tc.rethrow();
                return Ok(());
            }
            Err("cannot compile module".into())
        }
    }
});

// ---- fuel, the memory cap and the compiled-Wasm cache for Wasm that JS compiles ----

op!(
/// Whether the runtime meters fuel, caps memory or has a compiled-Wasm cache: Wasm that JS
/// compiles then goes through `compileWasm` (`js/wasm_compile.js` is loaded).
op_wasm_through_warren, |scope, _args, rv| {
    let state = State::get(scope);
    let through = state.fuel.borrow().is_some()
        || state.budget.borrow().is_some()
        || state.wasm_cache.is_some();
    rv.set(v8::Boolean::new(scope, through).into());
    Ok(())
});

op!(
/// The runtime's fuel `WebAssembly.Global`, or undefined.
op_fuel_global, |scope, _args, rv| {
    if let Some(g) = fuel_global::global(scope) {
        rv.set(g.into());
    }
    Ok(())
});

op!(op_fuel_import_name, |scope, _args, rv| {
    let arr = v8::Array::new(scope, 2);
    let m = v8_str(scope, crate::fuel::FUEL_MODULE);
    arr.set_index(scope, 0, m.into());
    let n = v8_str(scope, crate::fuel::FUEL_NAME);
    arr.set_index(scope, 1, n.into());
    rv.set(arr.into());
    Ok(())
});

op!(
/// Wasm pages left under the memory cap, or undefined without a cap.
op_memory_pages_left, |scope, _args, rv| {
    if let Some(budget) = memory_budget::sample(scope) {
        let pages = budget.left() as u64 / memory_budget::PAGE;
        rv.set(v8::Number::new(scope, pages as f64).into());
    }
    Ok(())
});

/// The bytes V8 should compile for Wasm that JS compiles (argument 0): instrumented for
/// fuel and with memories clamped, as for Wasm warren compiles itself.
fn js_wasm_bytes(
    scope: &mut v8::PinScope,
    arg: v8::Local<v8::Value>,
) -> std::result::Result<Vec<u8>, OpError> {
    let bytes = bytes_arg(arg)
        .ok_or_else(|| OpError::type_error("WebAssembly: Argument 0 must be a buffer source"))?;
    // V8 reports positions in JS-compiled modules itself: no offset map.
    let (fueled, _) = fuel_global::prepare(scope, &bytes, "<wasm compiled by JS>", false)
        .map_err(|e| OpError::named("CompileError", e.to_string()))?;
    let clamped = memory_budget::prepare(scope, &fueled, "<wasm compiled by JS>")
        .map_err(|e| OpError::range_error(e.to_string()))?;
    admit_types(&clamped)?;
    Ok(clamped.into_owned())
}

/// [`crate::wasm_types::admit`] for Wasm that JS compiles: a `RangeError` when refused.
fn admit_types(bytes: &[u8]) -> std::result::Result<(), OpError> {
    crate::wasm_types::admit(bytes).map_err(|e| OpError::range_error(format!("WebAssembly: {e}")))
}

op!(
/// `admitWasm(bytes)`: admits the types of Wasm that JS hands to V8 itself (the runtime
/// has no fuel, memory cap or cache), so that V8's process-wide table cannot overflow.
op_admit_wasm, |_scope, args, _rv| {
    let bytes = bytes_arg(args.get(0))
        .ok_or_else(|| OpError::type_error("WebAssembly: Argument 0 must be a buffer source"))?;
    admit_types(&bytes)
});

op!(
/// `prepareWasm(bytes)`: [`js_wasm_bytes`].
op_prepare_wasm, |scope, args, rv| {
    let clamped = js_wasm_bytes(scope, args.get(0))?;
    rv.set(uint8_array(scope, clamped)?);
    Ok(())
});

op!(
/// `compileWasm(bytes)`: a `WebAssembly.Module`, compiled as Wasm warren compiles itself is
/// (instrumented for fuel, memories clamped, through the compiled-Wasm cache). V8's
/// `CompileError` is thrown as it is.
op_compile_wasm, |scope, args, rv| {
    let clamped = js_wasm_bytes(scope, args.get(0))?;
    let cache = State::get(scope).wasm_cache.clone();
    v8::tc_scope!(let tc, scope);
    let module = match &cache {
        Some(cache) => cache.compile(tc, &clamped),
        None => v8::WasmModuleObject::compile(tc, &clamped),
    };
    match module {
        Some(m) => {
            rv.set(m.into());
            Ok(())
        }
        None if tc.has_caught() => {
            tc.rethrow();
            Ok(())
        }
        None => Err("cannot compile the module".into()),
    }
});

/// Registers every op on `core`.
pub(crate) fn install(scope: &mut v8::PinScope, core: v8::Local<v8::Object>) {
    macro_rules! add {
        ($($name:literal => $f:expr),* $(,)?) => {{
            $(
                if let Some(func) = v8::Function::builder($f).build(scope) {
                    let key = v8_str(scope, $name);
                    core.set(scope, key.into(), func.into());
                }
            )*
        }};
    }
    add!(
        "utf8Encode" => op_utf8_encode,
        "utf8EncodeInto" => op_utf8_encode_into,
        "decode" => op_decode,
        "encodingName" => op_encoding_name,
        "latin1Decode" => op_latin1_decode,
        "utf8Decode" => op_utf8_decode,
        "base64Encode" => op_base64_encode,
        "base64Decode" => op_base64_decode,
        "urlParse" => op_url_parse,
        "urlSet" => op_url_set,
        "fileUrlToPath" => op_file_url_to_path,
        "pathToFileUrl" => op_path_to_file_url,
        "randomFill" => op_random_fill,
        "hash" => op_hash,
        "now" => op_now,
        "timeOrigin" => op_time_origin,
        "memoryUsage" => op_memory_usage,
        "codecNew" => op_codec_new,
        "codecPush" => op_codec_push,
        "codecFinish" => op_codec_finish,
        "codecFree" => op_codec_free,
        "cpuUsage" => op_cpu_usage,
        "readFile" => op_read_file,
        "writeFile" => op_write_file,
        "stat" => op_stat,
        "exists" => op_exists,
        "readDir" => op_read_dir,
        "mkdir" => op_mkdir,
        "remove" => op_remove,
        "realpath" => op_realpath,
        "cwd" => op_cwd,
        "envGet" => op_env_get,
        "envKeys" => op_env_keys,
        "exit" => op_exit,
        "args" => op_args,
        "setExitCode" => op_set_exit_code,
        "loadInternal" => op_load_internal,
        "writeStdio" => op_write_stdio,
        "resolveCjs" => op_resolve_cjs,
        "compileCjs" => op_compile_cjs,
        "wasmThroughWarren" => op_wasm_through_warren,
        "admitWasm" => op_admit_wasm,
        "compileWasm" => op_compile_wasm,
        "fuelGlobal" => op_fuel_global,
        "fuelImportName" => op_fuel_import_name,
        "memoryPagesLeft" => op_memory_pages_left,
        "prepareWasm" => op_prepare_wasm,
        "httpFetch" => op_http_fetch,
        "httpFetchRead" => op_http_fetch_read,
        "httpFetchWrite" => op_http_fetch_write,
        "httpFetchCancel" => op_http_fetch_cancel,
    );
}
