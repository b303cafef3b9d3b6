// web.js — owns: the web platform globals built on Rust ops: TextEncoder/TextDecoder,
// URL, atob/btoa, performance, crypto, Blob, Headers/Request/Response, fetch (file: and
// data: URLs), navigator, and WebAssembly.compileStreaming/instantiateStreaming. Bodies are
// ReadableStreams (js/streams.js, loaded when a body is first read as a stream);
// for a server, `Symbol.for("warren.body")` hands over a response's body without making
// one, "warren.headerList" its headers as a flat list, and "warren.serve" / "warren.abort"
// make a Request lazily from what the server read and abort its signal.
(function web(core, global, internals) {
  "use strict";

  function define(obj, name, value) {
    Object.defineProperty(obj, name, { value, writable: true, enumerable: false, configurable: true });
  }
  const customInspect = Symbol.for("nodejs.util.inspect.custom");
  function typeError(msg, code) {
    const e = new TypeError(msg);
    if (code) e.code = code;
    return e;
  }
  function isBufferSource(v) {
    return ArrayBuffer.isView(v) || v instanceof ArrayBuffer ||
      (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer);
  }
  function toUint8(v) {
    if (v instanceof Uint8Array) return v;
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    return new Uint8Array(v);
  }

  // ---- TextEncoder / TextDecoder -------------------------------------------------------
  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(input = "") {
      return core.utf8Encode(`${input}`);
    }
    encodeInto(source, destination) {
      if (!(destination instanceof Uint8Array)) {
        throw typeError('The "dest" argument must be an instance of Uint8Array.', "ERR_INVALID_ARG_TYPE");
      }
      const [read, written] = core.utf8EncodeInto(`${source}`, destination);
      return { read, written };
    }
    [customInspect](depth, options, inspect) {
      return `TextEncoder { encoding: 'utf-8' }`;
    }
  }
  Object.defineProperty(TextEncoder.prototype, Symbol.toStringTag, { value: "TextEncoder", configurable: true });

  class TextDecoder {
    #encoding; #fatal; #ignoreBOM; #pending = null; #bomSeen = false;
    constructor(label = "utf-8", options = {}) {
      const name = core.encodingName(`${label}`);
      if (name === undefined || name === "replacement") {
        const e = new RangeError(`The "${label}" encoding is not supported`);
        e.code = "ERR_ENCODING_NOT_SUPPORTED";
        throw e;
      }
      this.#encoding = name;
      this.#fatal = Boolean(options?.fatal);
      this.#ignoreBOM = Boolean(options?.ignoreBOM);
    }
    get encoding() { return this.#encoding; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input = new Uint8Array(0), options = {}) {
      if (input !== undefined && !isBufferSource(input)) {
        throw typeError('The "input" argument must be an instance of ArrayBuffer or ArrayBufferView.', "ERR_INVALID_ARG_TYPE");
      }
      let bytes = toUint8(input);
      const stream = Boolean(options?.stream);
      if (this.#pending) {
        const joined = new Uint8Array(this.#pending.length + bytes.length);
        joined.set(this.#pending);
        joined.set(bytes, this.#pending.length);
        bytes = joined;
        this.#pending = null;
      }
      if (stream && this.#encoding === "utf-8") {
        // Keep an incomplete trailing sequence for the next call.
        let cut = bytes.length;
        for (let i = Math.max(0, bytes.length - 3); i < bytes.length; i++) {
          const b = bytes[i];
          const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
          if (need > 1 && i + need > bytes.length) { cut = i; break; }
        }
        if (cut < bytes.length) {
          this.#pending = bytes.slice(cut);
          bytes = bytes.subarray(0, cut);
        }
      } else if (stream && this.#encoding === "utf-16le" && bytes.length % 2 === 1) {
        this.#pending = bytes.slice(bytes.length - 1);
        bytes = bytes.subarray(0, bytes.length - 1);
      }
      // The BOM is only stripped at the start of a stream.
      const ignoreBOM = this.#ignoreBOM || this.#bomSeen;
      if (bytes.length > 0) this.#bomSeen = stream;
      if (!stream) this.#bomSeen = false;
      try {
        return core.decode(bytes, this.#encoding, this.#fatal, ignoreBOM);
      } catch (e) {
        const err = new TypeError(`The encoded data was not valid for encoding ${this.#encoding}`);
        err.code = "ERR_ENCODING_INVALID_ENCODED_DATA";
        throw err;
      }
    }
    [customInspect]() {
      return `TextDecoder { encoding: '${this.#encoding}', fatal: ${this.#fatal}, ignoreBOM: ${this.#ignoreBOM} }`;
    }
  }
  Object.defineProperty(TextDecoder.prototype, Symbol.toStringTag, { value: "TextDecoder", configurable: true });
  define(global, "TextEncoder", TextEncoder);
  define(global, "TextDecoder", TextDecoder);

  // ---- atob / btoa ---------------------------------------------------------------------
  function domError(message, name) {
    const D = global.DOMException;
    return D ? new D(message, name) : Object.assign(new Error(message), { name });
  }
  define(global, "btoa", function btoa(data) {
    if (arguments.length === 0) throw typeError('The "data" argument must be specified', "ERR_MISSING_ARGS");
    const s = `${data}`;
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 255) throw domError("Invalid character", "InvalidCharacterError");
      bytes[i] = c;
    }
    return core.base64Encode(bytes);
  });
  define(global, "atob", function atob(data) {
    if (arguments.length === 0) throw typeError('The "data" argument must be specified', "ERR_MISSING_ARGS");
    let bytes;
    try {
      bytes = core.base64Decode(`${data}`, true);
    } catch {
      throw domError("The string to be decoded is not correctly encoded.", "InvalidCharacterError");
    }
    return core.latin1Decode(bytes);
  });

  // ---- URL ------------------------------------------------------------------------------
  const HREF = 0, PROTOCOL = 1, USERNAME = 2, PASSWORD = 3, HOSTNAME = 4, PORT = 5,
    PATHNAME = 6, SEARCH = 7, HASH = 8, ORIGIN = 9;
  class URL {
    #parts;
    #params = null;
    constructor(url, base) {
      const parts = base === undefined ? core.urlParse(`${url}`) : core.urlParse(`${url}`, `${base}`);
      if (parts === undefined) {
        const e = new TypeError("Invalid URL");
        e.code = "ERR_INVALID_URL";
        e.input = `${url}`;
        if (base !== undefined) e.base = `${base}`;
        throw e;
      }
      this.#parts = parts;
    }
    static canParse(url, base) {
      return (base === undefined ? core.urlParse(`${url}`) : core.urlParse(`${url}`, `${base}`)) !== undefined;
    }
    static parse(url, base) {
      try { return new URL(url, base); } catch { return null; }
    }
    #set(part, value) {
      this.#parts = core.urlSet(this.#parts[HREF], part, `${value}`);
      if (part === "search" || part === "href") this.#syncParams();
    }
    #syncParams() {
      if (this.#params) internals.resetSearchParams?.(this.#params, this.#parts[SEARCH]);
    }
    get href() { return this.#parts[HREF]; }
    set href(v) { this.#set("href", v); }
    get origin() { return this.#parts[ORIGIN]; }
    get protocol() { return this.#parts[PROTOCOL]; }
    set protocol(v) { this.#set("protocol", v); }
    get username() { return this.#parts[USERNAME]; }
    set username(v) { this.#set("username", v); }
    get password() { return this.#parts[PASSWORD]; }
    set password(v) { this.#set("password", v); }
    get host() {
      const p = this.#parts[PORT];
      return p ? `${this.#parts[HOSTNAME]}:${p}` : this.#parts[HOSTNAME];
    }
    set host(v) { this.#set("host", v); }
    get hostname() { return this.#parts[HOSTNAME]; }
    set hostname(v) { this.#set("hostname", v); }
    get port() { return this.#parts[PORT]; }
    set port(v) { this.#set("port", v); }
    get pathname() { return this.#parts[PATHNAME]; }
    set pathname(v) { this.#set("pathname", v); }
    get search() { return this.#parts[SEARCH].length > 1 ? this.#parts[SEARCH] : ""; }
    set search(v) { this.#set("search", v); }
    get hash() { return this.#parts[HASH].length > 1 ? this.#parts[HASH] : ""; }
    set hash(v) { this.#set("hash", v); }
    get searchParams() {
      if (!this.#params) {
        internals.load("url_search_params");
        const make = internals.newLinkedSearchParams;
        this.#params = make
          ? make(this.search, (q) => {
            this.#parts = core.urlSet(this.#parts[HREF], "search", q);
          })
          : new global.URLSearchParams(this.search);
      }
      return this.#params;
    }
    toString() { return this.#parts[HREF]; }
    toJSON() { return this.#parts[HREF]; }
    [customInspect](depth, options, inspect) {
      const obj = {
        href: this.href, origin: this.origin, protocol: this.protocol, username: this.username,
        password: this.password, host: this.host, hostname: this.hostname, port: this.port,
        pathname: this.pathname, search: this.search, searchParams: this.searchParams, hash: this.hash,
      };
      if (depth < 0) return "[URL]";
      return `URL ${inspect(obj, { ...options, depth })}`;
    }
  }
  Object.defineProperty(URL.prototype, Symbol.toStringTag, { value: "URL", configurable: true });
  for (const k of ["href", "origin", "protocol", "username", "password", "host", "hostname", "port",
    "pathname", "search", "searchParams", "hash", "toString", "toJSON"]) {
    const d = Object.getOwnPropertyDescriptor(URL.prototype, k);
    d.enumerable = true;
    Object.defineProperty(URL.prototype, k, d);
  }
  define(global, "URL", URL);

  // ---- performance, crypto, navigator -------------------------------------------------
  const marks = new Map();
  const performance = {
    now: () => core.now(),
    get timeOrigin() { return core.timeOrigin(); },
    mark(name) { const t = core.now(); marks.set(name, t); return { name, startTime: t, entryType: "mark", duration: 0 }; },
    measure(name, start, end) {
      const s = typeof start === "string" ? marks.get(start) ?? 0 : 0;
      const e = typeof end === "string" ? marks.get(end) ?? core.now() : core.now();
      return { name, startTime: s, duration: e - s, entryType: "measure" };
    },
    toJSON() { return { timeOrigin: this.timeOrigin }; },
  };
  Object.defineProperty(performance, Symbol.toStringTag, { value: "Performance", configurable: true });
  define(global, "performance", performance);

  const integerArrays = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array,
    Int32Array, Uint32Array, BigInt64Array, BigUint64Array];
  const crypto = {
    getRandomValues(array) {
      if (!integerArrays.some((T) => array instanceof T)) {
        throw domError("The data argument must be an integer-type TypedArray", "TypeMismatchError");
      }
      core.randomFill(array, true);
      return array;
    },
    randomUUID() {
      const b = new Uint8Array(16);
      core.randomFill(b, true);
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
  };
  // crypto.subtle and CryptoKey are js/subtle.js's, loaded when first used.
  Object.defineProperty(crypto, "subtle", {
    get() {
      internals.load("subtle");
      return internals.subtle;
    },
    enumerable: true,
    configurable: true,
  });
  Object.defineProperty(crypto, Symbol.toStringTag, { value: "Crypto", configurable: true });
  define(global, "crypto", crypto);
  define(global, "navigator", Object.freeze({
    userAgent: "warren",
    hardwareConcurrency: 2,
    language: "en-US",
    languages: Object.freeze(["en-US"]),
    platform: "linux",
  }));

  // ---- Blob, Headers, Request, Response, fetch ------------------------------------------
  class Blob {
    #bytes; #type;
    constructor(parts = [], options = {}) {
      const chunks = [];
      let len = 0;
      for (const p of parts) {
        const b = p instanceof Blob ? p._bytes() : isBufferSource(p) ? toUint8(p).slice() : core.utf8Encode(`${p}`);
        chunks.push(b);
        len += b.length;
      }
      const out = new Uint8Array(len);
      let o = 0;
      for (const c of chunks) { out.set(c, o); o += c.length; }
      this.#bytes = out;
      this.#type = options?.type ? `${options.type}`.toLowerCase() : "";
    }
    _bytes() { return this.#bytes; }
    get size() { return this.#bytes.length; }
    get type() { return this.#type; }
    async arrayBuffer() { return this.#bytes.slice().buffer; }
    async bytes() { return this.#bytes.slice(); }
    async text() { return core.decode(this.#bytes, "utf-8", false, false); }
    slice(start = 0, end = this.size, type = "") {
      return new Blob([this.#bytes.slice(start, end)], { type });
    }
    // The bytes as one chunk of a ReadableStream.
    stream() {
      const bytes = this.#bytes;
      return new ReadableStream({
        pull(controller) {
          if (bytes.length > 0) controller.enqueue(bytes.slice());
          controller.close();
        },
      });
    }
    static {
      // structuredClone's copy (js/structured_clone.js): a Blob's bytes never change, so
      // the copy shares them; undefined for what is not a Blob.
      internals.cloneBlob = (v) => {
        if (v === null || typeof v !== "object" || !(#bytes in v)) return undefined;
        if (v instanceof File) return new File([v], v.name, { type: v.#type, lastModified: v.lastModified });
        return new Blob([v], { type: v.#type });
      };
    }
  }
  Object.defineProperty(Blob.prototype, Symbol.toStringTag, { value: "Blob", configurable: true });

  class File extends Blob {
    #name; #lastModified;
    constructor(parts, name, options = {}) {
      if (arguments.length < 2) throw new TypeError("File: 2 arguments required");
      super(parts, options);
      this.#name = `${name}`;
      this.#lastModified = options?.lastModified !== undefined ? Number(options.lastModified) : Date.now();
    }
    get name() { return this.#name; }
    get lastModified() { return this.#lastModified; }
  }
  Object.defineProperty(File.prototype, Symbol.toStringTag, { value: "File", configurable: true });

  // ---- FormData, and multipart/form-data (RFC 7578) -------------------------------------
  const kBoundary = Symbol("boundary");
  // An entry's value: a string, or a File (a Blob becomes a File named "blob").
  function formValue(value, filename) {
    if (!(value instanceof Blob)) return `${value}`;
    if (value instanceof File && filename === undefined) return value;
    const name = filename !== undefined ? `${filename}` : value instanceof File ? value.name : "blob";
    return new File([value], name, { type: value.type, lastModified: value.lastModified });
  }
  class FormData {
    #entries = [];
    #boundary = null;
    constructor(form) {
      if (form !== undefined) throw new TypeError("FormData: there is no HTML form element here");
    }
    append(name, value, filename) { this.#entries.push([`${name}`, formValue(value, filename)]); }
    set(name, value, filename) {
      name = `${name}`;
      const entry = [name, formValue(value, filename)];
      const i = this.#entries.findIndex(([n]) => n === name);
      if (i === -1) {
        this.#entries.push(entry);
        return;
      }
      this.#entries[i] = entry;
      this.#entries = this.#entries.filter(([n], j) => j <= i || n !== name);
    }
    get(name) {
      name = `${name}`;
      return this.#entries.find(([n]) => n === name)?.[1] ?? null;
    }
    getAll(name) {
      name = `${name}`;
      return this.#entries.filter(([n]) => n === name).map(([, v]) => v);
    }
    has(name) {
      name = `${name}`;
      return this.#entries.some(([n]) => n === name);
    }
    delete(name) {
      name = `${name}`;
      this.#entries = this.#entries.filter(([n]) => n !== name);
    }
    forEach(cb, thisArg) { for (const [k, v] of this) cb.call(thisArg, v, k, this); }
    *entries() { for (const [k, v] of this.#entries.slice()) yield [k, v]; }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    // The boundary its body is written with, made once.
    get [kBoundary]() {
      if (this.#boundary === null) {
        const r = new Uint8Array(12);
        crypto.getRandomValues(r);
        this.#boundary = "----warrenFormBoundary" + Array.from(r, (b) => b.toString(16).padStart(2, "0")).join("");
      }
      return this.#boundary;
    }
  }
  Object.defineProperty(FormData.prototype, Symbol.toStringTag, { value: "FormData", configurable: true });

  // A name or filename in a part's header, as browsers escape them.
  const escapeFormName = (s) => s.replace(/\r\n|\r|\n/g, "\r\n").replace(/[\r\n"]/g, (c) => ({ "\r": "%0D", "\n": "%0A", '"': "%22" })[c]);
  function multipartBytes(form) {
    const boundary = form[kBoundary];
    const parts = [];
    for (const [name, value] of form) {
      let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeFormName(name)}"`;
      if (typeof value === "string") {
        parts.push(`${head}\r\n\r\n${value.replace(/\r\n|\r|\n/g, "\r\n")}\r\n`);
      } else {
        head += `; filename="${escapeFormName(value.name)}"\r\nContent-Type: ${value.type || "application/octet-stream"}\r\n\r\n`;
        parts.push(head, value, "\r\n");
      }
    }
    parts.push(`--${boundary}--\r\n`);
    return new Blob(parts)._bytes();
  }

  function indexOfBytes(hay, needle, from) {
    const first = needle[0];
    const last = hay.length - needle.length;
    outer: for (let i = hay.indexOf(first, from); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
      for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  }
  // A parameter of a header value (`name="x"` or `name=x`), unescaped as browsers write it.
  function headerParam(value, key) {
    const re = new RegExp(`;\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i");
    const m = re.exec(value);
    if (m === null) return null;
    const raw = m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2];
    return raw.replace(/%0D/gi, "\r").replace(/%0A/gi, "\n").replace(/%22/g, '"');
  }
  function parseMultipart(bytes, contentType) {
    const boundary = headerParam(contentType, "boundary");
    if (!boundary) throw new TypeError("Body.formData: multipart/form-data without a boundary");
    const form = new FormData();
    const delimiter = core.utf8Encode(`--${boundary}`);
    const fail = () => new TypeError("Body.formData: the body is not valid multipart/form-data");
    let at = indexOfBytes(bytes, delimiter, 0);
    if (at === -1) throw fail();
    for (;;) {
      at += delimiter.length;
      // "--" after a delimiter ends the body.
      if (bytes[at] === 45 && bytes[at + 1] === 45) return form;
      if (bytes[at] !== 13 || bytes[at + 1] !== 10) throw fail();
      at += 2;
      const headEnd = indexOfBytes(bytes, [13, 10, 13, 10], at);
      if (headEnd === -1) throw fail();
      const head = core.decode(bytes.subarray(at, headEnd), "utf-8", false, false);
      let disposition = null;
      let type = "";
      for (const line of head.split("\r\n")) {
        const colon = line.indexOf(":");
        if (colon === -1) continue;
        const key = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (key === "content-disposition") disposition = value;
        else if (key === "content-type") type = value;
      }
      const next = indexOfBytes(bytes, delimiter, headEnd + 4);
      // A part's content ends with the CRLF before the next delimiter.
      if (next === -1 || next < headEnd + 6 || bytes[next - 2] !== 13 || bytes[next - 1] !== 10) throw fail();
      if (disposition === null || !/^form-data\b/i.test(disposition)) throw fail();
      const name = headerParam(disposition, "name");
      if (name === null) throw fail();
      const content = bytes.subarray(headEnd + 4, next - 2);
      const filename = headerParam(disposition, "filename");
      if (filename !== null) form.append(name, new File([content], filename, { type }));
      else form.append(name, core.decode(content, "utf-8", false, false));
      at = next;
    }
  }

  const kList = Symbol.for("warren.headerList");
  // Fetch's header names (HTTP tokens) and values (no NUL, CR or LF, each character a
  // byte), with the leading and trailing HTTP whitespace a value loses.
  const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const badValue = /[\0\r\n\u0100-\uffff]/;
  const edgeSpace = /^[\t\n\r ]+|[\t\n\r ]+$/g;
  function checkName(k) {
    k = `${k}`;
    if (!headerName.test(k)) throw new TypeError(`Headers: "${k}" is an invalid header name`);
    return k.toLowerCase();
  }
  function checkValue(k, v) {
    v = `${v}`.replace(edgeSpace, "");
    if (badValue.test(v)) throw new TypeError(`Headers: invalid header value for "${k}"`);
    return v;
  }
  class Headers {
    // Lowercase name -> its values, in the order the names were first added.
    #map = new Map();
    constructor(init) {
      if (init === undefined || init === null) return;
      if (typeof init !== "object" && typeof init !== "function") {
        throw new TypeError("Headers: init must be a record or a sequence of pairs");
      }
      if (init instanceof Headers) {
        for (const [k, values] of init.#map) this.#map.set(k, values.slice());
      } else if (typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const p = [...pair];
          if (p.length !== 2) throw new TypeError("Headers: each header must be a [name, value] pair");
          this.append(p[0], p[1]);
        }
      } else {
        for (const k of Object.keys(init)) this.append(k, init[k]);
      }
    }
    append(k, v) {
      const name = checkName(k);
      v = checkValue(name, v);
      const values = this.#map.get(name);
      if (values === undefined) this.#map.set(name, [v]);
      else values.push(v);
    }
    set(k, v) {
      const name = checkName(k);
      this.#map.set(name, [checkValue(name, v)]);
    }
    get(k) { return this.#map.get(checkName(k))?.join(", ") ?? null; }
    getSetCookie() { return this.#map.get("set-cookie")?.slice() ?? []; }
    has(k) { return this.#map.has(checkName(k)); }
    delete(k) { this.#map.delete(checkName(k)); }
    forEach(cb, thisArg) { for (const [k, v] of this) cb.call(thisArg, v, k, this); }
    // Sorted by name, values combined, except Set-Cookie: one entry per cookie.
    *entries() {
      const names = [...this.#map.keys()].sort();
      for (const k of names) {
        const values = this.#map.get(k);
        if (values === undefined) continue;
        if (k === "set-cookie") for (const v of values) yield [k, v];
        else yield [k, values.join(", ")];
      }
    }
    // For a server: [name, value, name, value, ...] in the order they were first set, a
    // Set-Cookie line for each cookie.
    [kList]() {
      const out = [];
      for (const [k, values] of this.#map) {
        if (k === "set-cookie") for (const v of values) out.push(k, v);
        else out.push(k, values.length === 1 ? values[0] : values.join(", "));
      }
      return out;
    }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
  }
  Object.defineProperty(Headers.prototype, Symbol.toStringTag, { value: "Headers", configurable: true });

  // The bytes of a body bodyInit has converted (so null, a string or one of the body types).
  function bodyBytes(body) {
    if (body === null || body === undefined) return null;
    if (typeof body === "string") return core.utf8Encode(body);
    if (body instanceof Blob) return body._bytes();
    if (isBufferSource(body)) return toUint8(body).slice();
    if (body instanceof global.URLSearchParams) return core.utf8Encode(body.toString());
    return multipartBytes(body);
  }

  // A BodyInit as WebIDL converts it: a value that is none of the body types (a number,
  // a plain object) becomes its string, and so a text/plain body.
  function bodyInit(body) {
    if (body === null || body === undefined || typeof body === "string") return body;
    if (typeof body !== "object" && typeof body !== "function") return `${body}`;
    if (body instanceof Blob || isBufferSource(body) || body instanceof FormData || isStream(body)) return body;
    if (global.URLSearchParams && body instanceof global.URLSearchParams) return body;
    return `${body}`;
  }

  // A string body's Content-Type.
  const textPlain = "text/plain;charset=UTF-8";
  // The Content-Type a body implies (the fetch spec's "extract a body").
  function bodyType(body) {
    if (typeof body === "string") return textPlain;
    if (body instanceof Blob) return body.type === "" ? null : body.type;
    if (body instanceof FormData) return `multipart/form-data; boundary=${body[kBoundary]}`;
    if (global.URLSearchParams && body instanceof global.URLSearchParams) {
      return "application/x-www-form-urlencoded;charset=UTF-8";
    }
    return null;
  }
  const kBody = Symbol.for("warren.body");
  const isStream = (v) => internals.isReadableStream !== undefined && internals.isReadableStream(v);

  // Fetch's body mixin, for Request and Response. Each keeps the body in four private
  // fields of its own and installs these methods with accessors for them (`s`): a base
  // class would cost every construction a second constructor call (`super()`), and a
  // server makes two of them per request. One of the fields, or none for no body: a
  // string body stays text until its bytes are needed, bytes until a stream is asked for.
  function installBody(proto, s) {
    const encoded = (o) => {
      const text = s.text(o);
      if (text !== null) {
        s.setBytes(o, core.utf8Encode(text));
        s.setText(o, null);
      }
      return s.bytes(o);
    };
    const used = (o) => s.used(o) || (s.stream(o) !== null && internals.isDisturbed(s.stream(o)));
    const take = (o) => {
      if (used(o)) return Promise.reject(typeError("Body is unusable: Body has already been read"));
      const stream = s.stream(o);
      if (stream !== null) {
        if (stream.locked) return Promise.reject(typeError("Body is unusable: Body has already been read"));
        s.setUsed(o, true);
        return internals.readAllBytes(stream);
      }
      // A null body is never used (bodyUsed stays false: Fetch's "body is non-null and
      // its stream disturbed").
      const bytes = encoded(o);
      if (bytes !== null) s.setUsed(o, true);
      return Promise.resolve(bytes ?? new Uint8Array(0));
    };
    const methods = {
      _initBody(body) {
        if (typeof body === "string") {
          s.setText(this, body);
        } else if (isStream(body)) {
          if (body.locked || internals.isDisturbed(body)) {
            throw typeError("Response body object should not be disturbed or locked");
          }
          s.setStream(this, body);
        } else {
          s.setBytes(this, bodyBytes(body));
        }
      },
      // For a server's request: bytes it owns, not copied.
      _initBytes(bytes) { s.setBytes(this, bytes); },
      _hasBody() { return s.text(this) !== null || s.bytes(this) !== null || s.stream(this) !== null; },
      get bodyUsed() { return used(this); },
      get body() {
        if (s.stream(this) === null && encoded(this) !== null) {
          internals.load("streams");
          s.setStream(this, internals.readableStreamFromBytes(s.used(this) ? new Uint8Array(0) : s.bytes(this)));
          s.setBytes(this, null);
        }
        return s.stream(this);
      },
      // For a server: the body as it is (null, a string, a Uint8Array or a ReadableStream),
      // taken; undefined when it was read already (a response that cannot be sent).
      [kBody]() {
        if (s.used(this)) return undefined;
        s.setUsed(this, true);
        return s.stream(this) ?? s.bytes(this) ?? s.text(this);
      },
      // For clone(): a second body for the copy (a stream is teed); `unusable` is the
      // error's message when the body has been read (as Node words it for each caller).
      _cloneBody(unusable) {
        if (used(this)) throw typeError(unusable);
        if (s.stream(this) === null) return encoded(this);
        const [a, b] = s.stream(this).tee();
        s.setStream(this, a);
        return b;
      },
      async arrayBuffer() { const b = await take(this); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); },
      async bytes() { return (await take(this)).slice(); },
      async text() {
        const text = s.text(this);
        if (text !== null && !used(this)) {
          s.setUsed(this, true);
          return text;
        }
        return core.decode(await take(this), "utf-8", false, false);
      },
      async json() { return JSON.parse(await this.text()); },
      async formData() {
        const type = this.headers?.get("content-type") ?? "";
        const essence = type.split(";")[0].trim().toLowerCase();
        if (essence === "multipart/form-data") return parseMultipart(await take(this), type);
        if (essence === "application/x-www-form-urlencoded") {
          const form = new FormData();
          for (const [k, v] of new global.URLSearchParams(await this.text())) form.append(k, v);
          return form;
        }
        throw new TypeError(`Body.formData: a body of type "${type}" is not form data`);
      },
      async blob() { return new Blob([await take(this)], { type: this.headers?.get("content-type") ?? "" }); },
    };
    // As a class's methods: not enumerable.
    for (const key of Reflect.ownKeys(methods)) {
      Object.defineProperty(proto, key, { ...Object.getOwnPropertyDescriptor(methods, key), enumerable: false });
    }
  }

  // The null body statuses, compared rather than looked up: every Response asks.
  const nullBodyStatus = (s) => s === 204 || s === 304 || s === 101 || s === 103 || s === 205;
  // The init of a Response made without one (read only, so shared).
  const noInit = Object.freeze({});
  const noHeaders = Object.freeze([]);
  const impliedLists = new Map();
  const textList = Object.freeze(["content-type", textPlain]);
  function impliedList(type) {
    // A string body's, without a lookup.
    if (type === textList[1]) return textList;
    let list = impliedLists.get(type);
    if (list === undefined) {
      list = Object.freeze(["content-type", type]);
      // A Blob's type can be anything: only the first few are kept.
      if (impliedLists.size < 16) impliedLists.set(type, list);
    }
    return list;
  }
  class Response {
    #text = null; #bytes = null; #stream = null; #used = false;
    static {
      installBody(Response.prototype, {
        text: (o) => o.#text, setText: (o, v) => { o.#text = v; },
        bytes: (o) => o.#bytes, setBytes: (o, v) => { o.#bytes = v; },
        stream: (o) => o.#stream, setStream: (o, v) => { o.#stream = v; },
        used: (o) => o.#used, setUsed: (o, v) => { o.#used = v; },
      });
    }
    // #headers stays null (with the body's implied Content-Type in #implied) until asked
    // for, when init gave none: a server's response then needs no Headers at all.
    #status; #statusText; #headers; #implied = null; #url; #type;
    // `new Response(text)` is set up here, anything else in #setUp: a constructor this
    // small is inlined into its caller by TurboFan (a server's handler makes one per
    // request), where the whole set-up would not fit V8's inlining budget.
    constructor(body = null, init = noInit) {
      if (typeof body === "string" && init === noInit) {
        this.#text = body;
        this.#status = 200;
        this.#statusText = "";
        this.#headers = null;
        this.#implied = textPlain;
        this.#url = "";
        this.#type = "default";
      } else {
        this.#setUp(body, init);
      }
    }
    #setUp(body, init) {
      body = bodyInit(body);
      this._initBody(body);
      this.#status = init.status ?? 200;
      if (this.#status < 200 || this.#status > 599) {
        throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
      }
      if (nullBodyStatus(this.#status) && this._hasBody()) {
        throw typeError("Response constructor: Invalid response status code " + this.#status);
      }
      this.#statusText = init.statusText ?? "";
      const type = bodyType(body);
      if (init.headers === undefined) {
        this.#headers = null;
        this.#implied = type;
      } else {
        this.#headers = new Headers(init.headers);
        if (type !== null && !this.#headers.has("content-type")) this.#headers.set("content-type", type);
      }
      this.#url = init._url ?? "";
      this.#type = init._url ? "basic" : "default";
    }
    // For a server: the headers as [name, value, ...] (not to be changed: an implied
    // Content-Type alone is one list shared by every such response).
    [kList]() {
      if (this.#headers !== null) return this.#headers[kList]();
      return this.#implied === null ? noHeaders : impliedList(this.#implied);
    }
    get status() { return this.#status; }
    get ok() { return this.#status >= 200 && this.#status < 300; }
    get statusText() { return this.#statusText; }
    get headers() {
      if (this.#headers === null) {
        this.#headers = new Headers();
        if (this.#implied !== null) this.#headers.set("content-type", this.#implied);
      }
      return this.#headers;
    }
    get url() { return this.#url; }
    get type() { return this.#type; }
    get redirected() { return redirectedResponses.has(this); }
    clone() {
      return new Response(this._cloneBody("Response.clone: Body has already been consumed."), { status: this.#status, statusText: this.#statusText, headers: this.headers, _url: this.#url });
    }
    static redirect(url, status = 302) {
      if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError(`Invalid status code ${status}`);
      const location = new URL(url, internals.baseUrl?.() ?? undefined).href;
      return new Response(null, { status, headers: { location } });
    }
    static json(data, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
      return new Response(JSON.stringify(data), { ...init, headers });
    }
    // A network error: status 0, type "error" (a server answers it with a 500).
    static error() {
      const r = new Response(null, { status: 200 });
      r.#status = 0;
      r.#type = "error";
      return r;
    }
  }
  Object.defineProperty(Response.prototype, Symbol.toStringTag, { value: "Response", configurable: true });

  // The init a server's requests are made with (Request[kServe]); nothing else can pass it.
  const SERVED = Object.freeze({});
  const kServe = Symbol.for("warren.serve");
  const kAbort = Symbol.for("warren.abort");
  class Request {
    #text = null; #bytes = null; #stream = null; #used = false;
    static {
      installBody(Request.prototype, {
        text: (o) => o.#text, setText: (o, v) => { o.#text = v; },
        bytes: (o) => o.#bytes, setBytes: (o, v) => { o.#bytes = v; },
        stream: (o) => o.#stream, setStream: (o, v) => { o.#stream = v; },
        used: (o) => o.#used, setUsed: (o, v) => { o.#used = v; },
      });
    }
    #url; #method; #headers; #signal; #head = null; #urlEnd = 0; #controller = null;
    // Small, to be inlined where a server makes its requests (Request[kServe]).
    constructor(input, init = {}) {
      if (init !== SERVED) this.#setUp(input, init);
    }
    #setUp(input, init) {
      const from = input instanceof Request ? input : null;
      const url = from ? from.url : `${input}`;
      this.#url = new URL(url, internals.baseUrl?.() ?? undefined).href;
      this.#method = `${init.method ?? (from ? from.method : "GET")}`.toUpperCase();
      this.#headers = new Headers(init.headers ?? (from ? from.headers : undefined));
      const body = init.body !== undefined ? bodyInit(init.body) : from ? from._cloneBody("Cannot construct a Request with a Request object that has already been used.") : null;
      if ((this.#method === "GET" || this.#method === "HEAD") && body !== null && body !== undefined) {
        throw typeError("Request with GET/HEAD method cannot have body.");
      }
      this._initBody(body);
      const type = bodyType(body);
      if (type !== null && !this.#headers.has("content-type")) this.#headers.set("content-type", type);
      this.#signal = init.signal ?? from?.signal ?? null;
    }
    // For a server: a request whose parts are made lazily. `head` is the URL (absolute and
    // as the URL parser writes it) up to `urlEnd`, then "\nname:value" for each header,
    // names lowercase; `body` a Uint8Array, a ReadableStream or null.
    static [kServe](method, head, urlEnd, body) {
      const r = new Request(null, SERVED);
      r.#url = null;
      r.#method = method;
      r.#headers = null;
      r.#head = head;
      r.#urlEnd = urlEnd;
      r.#signal = null;
      if (body instanceof Uint8Array) r._initBytes(body);
      else if (body !== null) r._initBody(body);
      return r;
    }
    // For a server: aborts the signal (its client went away), if one was asked for.
    [kAbort]() { this.#controller?.abort(); }
    get url() {
      if (this.#url === null) this.#url = this.#head.slice(0, this.#urlEnd);
      return this.#url;
    }
    get method() { return this.#method; }
    get headers() {
      if (this.#headers === null) {
        const h = new Headers();
        const head = this.#head;
        for (let at = this.#urlEnd; at < head.length;) {
          const colon = head.indexOf(":", at + 1);
          let end = head.indexOf("\n", colon + 1);
          if (end === -1) end = head.length;
          h.append(head.slice(at + 1, colon), head.slice(colon + 1, end));
          at = end;
        }
        this.#headers = h;
        if (this.#url !== null) this.#head = null;
      }
      return this.#headers;
    }
    // Aborted when the request is (by a server: when its client goes away).
    get signal() {
      if (this.#signal === null) {
        this.#controller = new global.AbortController();
        this.#signal = this.#controller.signal;
      }
      return this.#signal;
    }
    clone() {
      return new Request(this, { body: this._cloneBody("Request.clone: Body has already been consumed.") });
    }
  }
  Object.defineProperty(Request.prototype, Symbol.toStringTag, { value: "Request", configurable: true });

  const mimeTypes = {
    wasm: "application/wasm", json: "application/json", js: "text/javascript", mjs: "text/javascript",
    html: "text/html", txt: "text/plain", css: "text/css", svg: "image/svg+xml", png: "image/png",
  };
  async function fetch(input, init = {}) {
    const req = input instanceof Request ? input : null;
    const href = req ? req.url : input instanceof URL ? input.href : `${input}`;
    let url;
    try {
      url = new URL(href, internals.baseUrl?.() ?? undefined);
    } catch {
      throw typeError(`Invalid URL: ${href}`);
    }
    if (url.protocol === "http:" || url.protocol === "https:") return fetchHttp(req, url, init);
    if (url.protocol !== "file:" && url.protocol !== "data:") {
      throw typeError(`fetch failed: warren fetches http:, https:, file: and data: URLs, not ${url.protocol}`);
    }
    const method = (init.method ?? req?.method ?? "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD") {
      throw typeError(`fetch: ${method} is not supported for ${url.protocol} URLs`);
    }
    if (url.protocol === "file:") {
      // Permission-checked read (core.readFile throws PermissionDenied naming the flag).
      let bytes;
      try {
        bytes = core.readFile(url.href);
      } catch (e) {
        if (e?.name === "PermissionDenied") throw e;
        throw typeError(`fetch failed: ${e?.message ?? e}`);
      }
      const ext = url.pathname.split(".").pop().toLowerCase();
      const headers = { "content-length": `${bytes.length}` };
      if (mimeTypes[ext]) headers["content-type"] = mimeTypes[ext];
      return new Response(method === "HEAD" ? null : bytes, { status: 200, headers, _url: url.href });
    }
    if (url.protocol === "data:") {
      const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(url.href);
      if (!m) throw typeError("fetch failed: invalid data: URL");
      const bytes = m[2]
        ? core.base64Decode(decodeURIComponent(m[3]), true)
        : core.utf8Encode(decodeURIComponent(m[3]));
      return new Response(bytes, {
        status: 200,
        headers: { "content-type": m[1] || "text/plain;charset=US-ASCII" },
        _url: url.href,
      });
    }
  }
  // Over the network: the host must be granted (--allow-net, or allowed_hosts in a
  // manifest), and so must every host a redirect leads to (checked in Rust, src/runtime/fetch.rs).
  async function fetchHttp(req, url, init) {
    const request = new Request(req ?? url.href, init);
    const signal = init.signal ?? req?.signal ?? null;
    signal?.throwIfAborted();
    const redirect = init.redirect ?? "follow";
    if (redirect !== "follow" && redirect !== "manual" && redirect !== "error") {
      throw typeError(`fetch: '${redirect}' is not a valid redirect mode`);
    }
    // A body that is a stream is sent as it is read (chunked), not gathered first.
    let upload = null;
    let sent = null;
    if (request._hasBody()) {
      if (request.bodyUsed) throw typeError("fetch: Body is unusable: Body has already been read");
      const source = request[kBody]();
      if (isStream(source)) {
        if (source.locked) throw typeError("fetch: Body is unusable: its stream is locked");
        upload = source;
        sent = true;
      } else {
        sent = typeof source === "string" ? core.utf8Encode(source) : source;
      }
    }
    const list = [];
    for (const [name, value] of request.headers) list.push(name, value);
    const id = ++fetches;
    const call = core.httpFetch(request.method, url.href, list, sent, redirect === "follow", id);
    const sending = upload === null ? null : sendBody(id, upload);
    const result = signal === null ? await call : await abortable(call, signal, id);
    if (typeof result === "string") {
      // A stream that failed fails the fetch with its own error.
      if (sending?.failed !== undefined) throw sending.failed;
      sending?.stop();
      if (result.startsWith(DENIED)) {
        const e = new Error(result.slice(DENIED.length));
        e.name = "PermissionDenied";
        throw e;
      }
      throw typeError(`fetch failed: ${result}`);
    }
    const [status, statusText, headerList, finalUrl, redirected] = result;
    if (redirect === "error" && status >= 300 && status < 400) {
      core.httpFetchCancel(id);
      throw typeError(`fetch failed: ${url.href} redirected, and the redirect mode is "error"`);
    }
    const headers = [];
    for (let i = 0; i + 1 < headerList.length; i += 2) headers.push([headerList[i], headerList[i + 1]]);
    const noBody = request.method === "HEAD" || nullBodyStatus(status);
    if (noBody) core.httpFetchCancel(id);
    const body = noBody ? null : fetchedBody(id, signal);
    const response = new Response(body, { status, statusText, headers, _url: finalUrl });
    if (redirected) redirectedResponses.add(response);
    return response;
  }
  // Writes `stream` as the body of fetch `id`, chunk by chunk, as the request's thread
  // takes them; what it returns says why it failed (`failed`) and stops it (`stop`).
  function sendBody(id, stream) {
    const reader = stream.getReader();
    const sending = {
      failed: undefined,
      stop() { reader.cancel().catch(() => {}); },
    };
    (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          await core.httpFetchWrite(id, null);
          return;
        }
        if (!(value instanceof Uint8Array)) {
          throw typeError("fetch: a request body stream must yield Uint8Array chunks");
        }
        // false: the request takes no more (it failed, or was aborted).
        if (!(await core.httpFetchWrite(id, value))) return sending.stop();
      }
    })().catch((e) => {
      sending.failed = e;
      core.httpFetchCancel(id);
      sending.stop();
    });
    return sending;
  }
  // A fetched body as it arrives: each read asks for the next chunk (the request's thread
  // reads a few ahead); cancelling it, aborting the fetch's signal or dropping it unread
  // lets the connection go.
  const unread = new FinalizationRegistry((id) => core.httpFetchCancel(id));
  function fetchedBody(id, signal) {
    let control;
    const stream = new ReadableStream({
      start(controller) {
        control = controller;
      },
      async pull(controller) {
        const chunk = await core.httpFetchRead(id);
        if (chunk === null) return controller.close();
        if (typeof chunk !== "string") return controller.enqueue(chunk);
        controller.error(chunk.startsWith("RangeError: ")
          ? new RangeError(chunk.slice(12))
          : typeError(`fetch failed: ${chunk}`));
      },
      cancel() {
        core.httpFetchCancel(id);
      },
    }, { highWaterMark: 0 });
    signal?.addEventListener("abort", () => {
      core.httpFetchCancel(id);
      control.error(signal.reason);
    }, { once: true });
    unread.register(stream, id);
    return stream;
  }
  const DENIED = "PermissionDenied: ";
  // Responses fetch got after a redirect (Response.prototype.redirected).
  const redirectedResponses = new WeakSet();
  // Fetches in flight are numbered, for an abort to settle the op's promise too.
  let fetches = 0;
  function abortable(promise, signal, id) {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        core.httpFetchCancel(id);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      promise.then((v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      }, reject);
    });
  }
  define(global, "Blob", Blob);
  define(global, "File", File);
  define(global, "FormData", FormData);
  define(global, "Headers", Headers);
  define(global, "Request", Request);
  define(global, "Response", Response);
  define(global, "fetch", fetch);

  // ---- WebAssembly streaming ---------------------------------------------------------------
  async function responseBytes(source) {
    const response = await source;
    if (!(response instanceof Response)) {
      throw typeError("WebAssembly.compileStreaming(): Argument 0 must be a Response or a Promise of one");
    }
    if (!response.ok) throw typeError(`WebAssembly: HTTP status ${response.status} is not ok`);
    const type = response.headers.get("content-type");
    if (type !== null && type.split(";")[0].trim() !== "application/wasm" && response.url !== "") {
      throw typeError(`WebAssembly: incorrect response MIME type "${type}", expected "application/wasm"`);
    }
    return response.arrayBuffer();
  }
  define(WebAssembly, "compileStreaming", async function compileStreaming(source) {
    return WebAssembly.compile(await responseBytes(source));
  });
  define(WebAssembly, "instantiateStreaming", async function instantiateStreaming(source, imports) {
    return WebAssembly.instantiate(await responseBytes(source), imports);
  });
})
