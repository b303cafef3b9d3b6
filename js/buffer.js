// buffer.js — owns: the Buffer global and internals.nodeModules.buffer (Node's `buffer` module).
// Evaluates to a function the host calls as fn(core, global, internals). The JS is Node 20's
// lib/buffer.js and lib/internal/buffer.js (MIT, Joyent and Node contributors), kept as close
// to the original as the setting allows; what Node does in C++ (src/node_buffer.cc,
// string_bytes.cc: the encoders, indexOf, compare, fill) is re-done in JS in the "bindings"
// section below, on top of core.base64Encode/base64Decode, core.utf8Encode/utf8Decode and
// core.latin1Decode. Left out: the DEP0005 warning for Buffer(), untransferable pools.
// Shares on internals: Buffer, FastBuffer, nodeModules.buffer, nodeErrors.
(function (core, global, internals) {
  "use strict";

  // Node-style errors (`code` property, "Name [CODE]: message"): js/node_errors.js.
  internals.load?.("node_errors");
  const errors = internals.nodeErrors;

  const customInspectSymbol = Symbol.for("nodejs.util.inspect.custom");
  const kIsEncodingSymbol = Symbol("kIsEncodingSymbol");
  const { trunc: MathTrunc, floor: MathFloor, min: MathMin } = Math;
  const NumberIsInteger = Number.isInteger;
  const NumberIsNaN = Number.isNaN;
  const NumberMAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER;
  const NumberMIN_SAFE_INTEGER = Number.MIN_SAFE_INTEGER;
  const ArrayIsArray = Array.isArray;
  const uncurryThis = Function.prototype.bind.bind(Function.prototype.call);
  const getter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
  const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
  const TypedArrayPrototypeGetSymbolToStringTag = uncurryThis(getter(TypedArrayPrototype, Symbol.toStringTag));
  const TypedArrayPrototypeGetBuffer = uncurryThis(getter(TypedArrayPrototype, "buffer"));
  const TypedArrayPrototypeGetByteLength = uncurryThis(getter(TypedArrayPrototype, "byteLength"));
  const TypedArrayPrototypeGetByteOffset = uncurryThis(getter(TypedArrayPrototype, "byteOffset"));
  const TypedArrayPrototypeGetLength = uncurryThis(getter(TypedArrayPrototype, "length"));
  const TypedArrayPrototypeFill = uncurryThis(TypedArrayPrototype.fill);
  const TypedArrayPrototypeSet = uncurryThis(TypedArrayPrototype.set);
  const TypedArrayPrototypeSlice = uncurryThis(TypedArrayPrototype.slice);
  const TypedArrayPrototypeIndexOf = uncurryThis(TypedArrayPrototype.indexOf);
  const TypedArrayPrototypeLastIndexOf = uncurryThis(TypedArrayPrototype.lastIndexOf);
  const TypedArrayPrototypeCopyWithin = uncurryThis(TypedArrayPrototype.copyWithin);
  const ArrayBufferPrototypeGetByteLength = uncurryThis(getter(ArrayBuffer.prototype, "byteLength"));
  const SharedArrayBufferPrototypeGetByteLength = typeof SharedArrayBuffer === "function"
    ? uncurryThis(getter(SharedArrayBuffer.prototype, "byteLength")) : undefined;
  const StringPrototypeCharCodeAt = uncurryThis(String.prototype.charCodeAt);
  const StringPrototypeSlice = uncurryThis(String.prototype.slice);
  const StringPrototypeToLowerCase = uncurryThis(String.prototype.toLowerCase);
  const StringPrototypeTrim = uncurryThis(String.prototype.trim);
  const RegExpPrototypeSymbolReplace = uncurryThis(RegExp.prototype[Symbol.replace]);
  const ArrayPrototypeForEach = uncurryThis(Array.prototype.forEach);
  const ObjectDefineProperties = Object.defineProperties;
  const ObjectDefineProperty = Object.defineProperty;
  const ObjectSetPrototypeOf = Object.setPrototypeOf;
  const SymbolSpecies = Symbol.species;
  const SymbolToPrimitive = Symbol.toPrimitive;
  const Uint8ArrayPrototype = Uint8Array.prototype;
  const StringFromCharCode = String.fromCharCode;

  // ---- util.types and validators -------------------------------------------------------
  function isUint8Array(value) {
    return ArrayBuffer.isView(value) && TypedArrayPrototypeGetSymbolToStringTag(value) === "Uint8Array";
  }
  function isTypedArray(value) {
    return ArrayBuffer.isView(value) && TypedArrayPrototypeGetSymbolToStringTag(value) !== undefined;
  }
  const isArrayBufferView = ArrayBuffer.isView;
  function brand(get, value) {
    if (get === undefined) return false;
    try {
      get(value);
      return true;
    } catch {
      return false;
    }
  }
  function isAnyArrayBuffer(value) {
    return value !== null && typeof value === "object" &&
      (brand(ArrayBufferPrototypeGetByteLength, value) ||
       brand(SharedArrayBufferPrototypeGetByteLength, value));
  }

  function ERR_INVALID_ARG_TYPE(name, expected, actual) {
    return errors.invalidArgType(name, expected, actual);
  }
  function ERR_OUT_OF_RANGE(str, range, input, replaceDefaultBoolean) {
    return errors.outOfRange(str, range, input, replaceDefaultBoolean);
  }
  function ERR_INVALID_ARG_VALUE(name, value, reason) {
    return errors.invalidArgValue(name, value, reason);
  }
  function ERR_MISSING_ARGS(...args) {
    return errors.missingArgs(...args);
  }
  function ERR_BUFFER_OUT_OF_BOUNDS(name = undefined) {
    return errors.makeError(RangeError, "ERR_BUFFER_OUT_OF_BOUNDS",
      name ? `"${name}" is outside of buffer bounds` : "Attempt to access memory outside buffer bounds");
  }
  function ERR_INVALID_BUFFER_SIZE(size) {
    return errors.makeError(RangeError, "ERR_INVALID_BUFFER_SIZE", `Buffer size must be a multiple of ${size}`);
  }
  function ERR_UNKNOWN_ENCODING(encoding) {
    return errors.makeError(TypeError, "ERR_UNKNOWN_ENCODING", `Unknown encoding: ${encoding}`);
  }
  // Node's C++ argument checks.
  function ERR_INDEX_OUT_OF_RANGE() {
    return errors.makeError(RangeError, "ERR_OUT_OF_RANGE", "Index out of range");
  }
  function lazyDOMException(message, name) {
    const DOMException = internals.DOMException || global.DOMException;
    if (typeof DOMException === "function") return new DOMException(message, name);
    const err = new Error(message);
    err.name = name;
    return err;
  }

  function validateNumber(value, name, min = undefined, max) {
    if (typeof value !== "number") throw ERR_INVALID_ARG_TYPE(name, "number", value);
    if ((min != null && value < min) || (max != null && value > max) ||
        ((min != null || max != null) && NumberIsNaN(value))) {
      throw ERR_OUT_OF_RANGE(name,
        `${min != null ? `>= ${min}` : ""}${min != null && max != null ? " && " : ""}${max != null ? `<= ${max}` : ""}`,
        value);
    }
  }
  function validateInteger(value, name, min = NumberMIN_SAFE_INTEGER, max = NumberMAX_SAFE_INTEGER) {
    if (typeof value !== "number") throw ERR_INVALID_ARG_TYPE(name, "number", value);
    if (!NumberIsInteger(value)) throw ERR_OUT_OF_RANGE(name, "an integer", value);
    if (value < min || value > max) throw ERR_OUT_OF_RANGE(name, `>= ${min} && <= ${max}`, value);
  }
  function validateString(value, name) {
    if (typeof value !== "string") throw ERR_INVALID_ARG_TYPE(name, "string", value);
  }
  // validateInteger() with kMaxLength as the default maximum.
  function validateOffset(value, name, min = 0, max = kMaxLength) {
    validateInteger(value, name, min, max);
  }
  function validateArray(value, name, minLength = 0) {
    if (!ArrayIsArray(value)) throw ERR_INVALID_ARG_TYPE(name, "Array", value);
    if (value.length < minLength) {
      throw ERR_INVALID_ARG_VALUE(name, value, `must be longer than ${minLength}`);
    }
  }
  function validateBuffer(buffer, name = "buffer") {
    if (!isArrayBufferView(buffer)) {
      throw ERR_INVALID_ARG_TYPE(name, ["Buffer", "TypedArray", "DataView"], buffer);
    }
  }

  function normalizeEncoding(enc) {
    if (enc == null || enc === "utf8" || enc === "utf-8") return "utf8";
    return slowCases(enc);
  }
  function slowCases(enc) {
    switch (enc.length) {
      case 4:
        if (enc === "UTF8") return "utf8";
        if (enc === "ucs2" || enc === "UCS2") return "utf16le";
        enc = StringPrototypeToLowerCase(enc);
        if (enc === "utf8") return "utf8";
        if (enc === "ucs2") return "utf16le";
        break;
      case 3:
        if (enc === "hex" || enc === "HEX" || StringPrototypeToLowerCase(enc) === "hex") return "hex";
        break;
      case 5:
        if (enc === "ascii") return "ascii";
        if (enc === "ucs-2") return "utf16le";
        if (enc === "UTF-8") return "utf8";
        if (enc === "ASCII") return "ascii";
        if (enc === "UCS-2") return "utf16le";
        enc = StringPrototypeToLowerCase(enc);
        if (enc === "utf-8") return "utf8";
        if (enc === "ascii") return "ascii";
        if (enc === "ucs-2") return "utf16le";
        break;
      case 6:
        if (enc === "base64") return "base64";
        if (enc === "latin1" || enc === "binary") return "latin1";
        if (enc === "BASE64") return "base64";
        if (enc === "LATIN1" || enc === "BINARY") return "latin1";
        enc = StringPrototypeToLowerCase(enc);
        if (enc === "base64") return "base64";
        if (enc === "latin1" || enc === "binary") return "latin1";
        break;
      case 7:
        if (enc === "utf16le" || enc === "UTF16LE" || StringPrototypeToLowerCase(enc) === "utf16le") {
          return "utf16le";
        }
        break;
      case 8:
        if (enc === "utf-16le" || enc === "UTF-16LE" || StringPrototypeToLowerCase(enc) === "utf-16le") {
          return "utf16le";
        }
        break;
      case 9:
        if (enc === "base64url" || enc === "BASE64URL" || StringPrototypeToLowerCase(enc) === "base64url") {
          return "base64url";
        }
        break;
      default:
        if (enc === "") return "utf8";
    }
  }

  // ---- bindings: what src/node_buffer.cc does, in JS -----------------------------------
  const kMaxLength = 2 ** 32; // Node 20 on 64-bit hosts.
  const kStringMaxLength = 536870888; // V8's String::kMaxLength on 64-bit hosts.
  // Node's `enum encoding` values, as encodingsMap holds them.
  const encodingsMap = {
    __proto__: null, ascii: 0, utf8: 1, base64: 2, utf16le: 3, latin1: 4, hex: 5, buffer: 6, base64url: 7,
  };
  const ENC_UTF8 = encodingsMap.utf8;
  const ENC_UCS2 = encodingsMap.utf16le;

  const utf8Decode = typeof core.utf8Decode === "function"
    ? (u8) => core.utf8Decode(u8, false)
    : (u8) => new global.TextDecoder("utf-8", { ignoreBOM: true }).decode(u8);
  const utf8DecodeFatal = typeof core.utf8Decode === "function"
    ? (u8) => core.utf8Decode(u8, true)
    : (u8) => new global.TextDecoder("utf-8", { ignoreBOM: true, fatal: true }).decode(u8);

  // The bytes of any ArrayBufferView.
  function viewBytes(view) {
    if (isUint8Array(view)) return view;
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  }
  function thisBytes(self) {
    if (!isArrayBufferView(self)) {
      throw errors.makeError(TypeError, "ERR_INVALID_ARG_TYPE", "argument must be a buffer");
    }
    return viewBytes(self);
  }

  // ParseArrayIndex(): undefined gives the default; negative (or NaN-free huge) is out of range.
  function parseArrayIndex(arg, def) {
    if (arg === undefined) return def;
    let n = MathTrunc(+arg);
    if (n !== n) n = 0;
    if (n < 0) throw ERR_INDEX_OUT_OF_RANGE();
    return n;
  }

  function byteLengthUtf8(str) {
    const len = str.length;
    let n = len;
    for (let i = 0; i < len; i++) {
      const c = str.charCodeAt(i);
      if (c < 0x80) continue;
      if (c < 0x800) {
        n += 1;
      } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < len &&
                 (str.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        n += 2; // A surrogate pair: 4 bytes for 2 code units.
        i++;
      } else {
        n += 2; // 3 bytes, lone surrogates included (written as U+FFFD).
      }
    }
    return n;
  }

  // -- slices (toString) --
  // The bounds checks of the C++ slice functions: start/end default to the whole view.
  function sliceBounds(bytes, start, end) {
    const len = bytes.length;
    start = parseArrayIndex(start, 0);
    end = parseArrayIndex(end, len);
    if (end < start) end = start;
    if (end > len) throw ERR_INDEX_OUT_OF_RANGE();
    return start === 0 && end === len ? bytes : bytes.subarray(start, end);
  }
  function utf8Slice(start, end) {
    const bytes = thisBytes(this);
    if (bytes.length === 0) return "";
    return utf8Decode(sliceBounds(bytes, start, end));
  }
  function latin1Slice(start, end) {
    const bytes = thisBytes(this);
    if (bytes.length === 0) return "";
    return core.latin1Decode(sliceBounds(bytes, start, end));
  }
  function asciiSlice(start, end) {
    const bytes = thisBytes(this);
    if (bytes.length === 0) return "";
    let b = sliceBounds(bytes, start, end);
    for (let i = 0; i < b.length; i++) {
      if (b[i] > 0x7f) {
        // Node clears the high bit of every byte.
        const copy = new Uint8Array(b.length);
        for (let j = 0; j < b.length; j++) copy[j] = b[j] & 0x7f;
        b = copy;
        break;
      }
    }
    return core.latin1Decode(b);
  }
  // The hex digits of each byte as two ASCII codes, in one Uint16 (little-endian order).
  const hexDigitCodes = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    const d = (i < 16 ? "0" : "") + i.toString(16);
    hexDigitCodes[i] = d.charCodeAt(0) | (d.charCodeAt(1) << 8);
  }
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  function hexSlice(start, end) {
    const bytes = thisBytes(this);
    if (bytes.length === 0) return "";
    const b = sliceBounds(bytes, start, end);
    const chars = new Uint8Array(b.length * 2);
    if (littleEndian) {
      const pairs = new Uint16Array(chars.buffer);
      for (let i = 0; i < b.length; i++) pairs[i] = hexDigitCodes[b[i]];
    } else {
      for (let i = 0; i < b.length; i++) {
        const d = hexDigitCodes[b[i]];
        chars[2 * i] = d & 0xff;
        chars[2 * i + 1] = d >>> 8;
      }
    }
    return core.latin1Decode(chars);
  }
  function ucs2Slice(start, end) {
    const bytes = thisBytes(this);
    if (bytes.length === 0) return "";
    const b = sliceBounds(bytes, start, end);
    const units = b.length >>> 1;
    let out = "";
    for (let i = 0; i < units;) {
      const n = MathMin(units - i, 8192);
      const chunk = new Uint16Array(n);
      for (let j = 0; j < n; j++, i++) chunk[j] = b[2 * i] | (b[2 * i + 1] << 8);
      out += StringFromCharCode.apply(null, chunk);
    }
    return out;
  }
  function base64Slice(start, end) {
    const bytes = thisBytes(this);
    if (bytes.length === 0) return "";
    return core.base64Encode(sliceBounds(bytes, start, end));
  }
  function base64urlSlice(start, end) {
    const bytes = thisBytes(this);
    if (bytes.length === 0) return "";
    const s = core.base64Encode(sliceBounds(bytes, start, end));
    let n = s.length;
    while (n > 0 && StringPrototypeCharCodeAt(s, n - 1) === 0x3d) n--;
    return RegExpPrototypeSymbolReplace(/[+/]/g, StringPrototypeSlice(s, 0, n),
      (c) => (c === "+" ? "-" : "_"));
  }

  // -- writes (StringBytes::Write): each writes what fits and returns the byte count --
  function utf8Encoded(string, maxBytes) {
    // At most maxBytes code units can fit; keep a surrogate pair whole at the cut.
    if (string.length > maxBytes) {
      let cut = maxBytes;
      const c = StringPrototypeCharCodeAt(string, cut - 1);
      if (c >= 0xd800 && c <= 0xdbff) cut++;
      string = StringPrototypeSlice(string, 0, cut);
    }
    return core.utf8Encode(string);
  }
  // Short strings are encoded here, straight into the buffer; long ones by core.utf8Encode.
  // Either way only whole characters are written, lone surrogates as U+FFFD.
  function writeUtf8Into(bytes, string, offset, max) {
    if (string.length <= 512) return writeUtf8Short(bytes, string, offset, max);
    let encoded = utf8Encoded(string, max);
    let n = encoded.length;
    if (n > max) {
      // Only whole characters are written.
      n = max;
      while (n > 0 && (encoded[n] & 0xc0) === 0x80) n--;
      encoded = encoded.subarray(0, n);
    }
    TypedArrayPrototypeSet(bytes, encoded, offset);
    return n;
  }
  function writeUtf8Short(bytes, string, offset, max) {
    const len = string.length;
    const end = offset + max;
    let o = offset;
    for (let i = 0; i < len; i++) {
      let c = string.charCodeAt(i);
      if (c < 0x80) {
        if (o >= end) break;
        bytes[o++] = c;
        continue;
      }
      if (c < 0x800) {
        if (o + 2 > end) break;
        bytes[o++] = 0xc0 | (c >> 6);
        bytes[o++] = 0x80 | (c & 0x3f);
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = c <= 0xdbff && i + 1 < len ? string.charCodeAt(i + 1) : 0;
        if ((d & 0xfc00) === 0xdc00) {
          if (o + 4 > end) break;
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          bytes[o++] = 0xf0 | (cp >> 18);
          bytes[o++] = 0x80 | ((cp >> 12) & 0x3f);
          bytes[o++] = 0x80 | ((cp >> 6) & 0x3f);
          bytes[o++] = 0x80 | (cp & 0x3f);
          i++;
          continue;
        }
        c = 0xfffd;
      }
      if (o + 3 > end) break;
      bytes[o++] = 0xe0 | (c >> 12);
      bytes[o++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[o++] = 0x80 | (c & 0x3f);
    }
    return o - offset;
  }
  function writeLatin1Into(bytes, string, offset, max) {
    const n = MathMin(string.length, max);
    for (let i = 0; i < n; i++) bytes[offset + i] = string.charCodeAt(i);
    return n;
  }
  function writeUcs2Into(bytes, string, offset, max) {
    const n = MathMin(string.length, max >>> 1);
    for (let i = 0; i < n; i++) {
      const c = string.charCodeAt(i);
      bytes[offset + 2 * i] = c;
      bytes[offset + 2 * i + 1] = c >>> 8;
    }
    return n * 2;
  }
  const unhexTable = new Int8Array(256).fill(-1);
  for (let i = 0; i < 16; i++) {
    unhexTable["0123456789abcdef".charCodeAt(i)] = i;
    unhexTable["0123456789ABCDEF".charCodeAt(i)] = i;
  }
  function writeHexInto(bytes, string, offset, max) {
    // Stops at the first invalid pair; a trailing odd digit is ignored.
    const len = string.length;
    let i = 0;
    for (; i < max && i * 2 + 1 < len; ++i) {
      // Node reads each UTF-16 code unit as its low byte.
      const a = unhexTable[string.charCodeAt(i * 2) & 0xff];
      const b = unhexTable[string.charCodeAt(i * 2 + 1) & 0xff];
      if (a < 0 || b < 0) return i;
      bytes[offset + i] = (a << 4) | b;
    }
    return i;
  }
  const nonLatin1 = /[^\x00-\xff]/;
  function writeBase64Into(bytes, string, offset, max) {
    // Node's rules: both alphabets, stop at '=', other characters skipped; each UTF-16 code
    // unit counts as its low byte (so U+D83D reads as '=').
    if (nonLatin1.test(string)) {
      string = RegExpPrototypeSymbolReplace(/[^\x00-\xff]/g, string,
        (c) => StringFromCharCode(StringPrototypeCharCodeAt(c, 0) & 0xff));
    }
    let decoded;
    try {
      decoded = core.base64Decode(string, false);
    } catch {
      return 0;
    }
    const n = MathMin(decoded.length, max);
    TypedArrayPrototypeSet(bytes, n === decoded.length ? decoded : decoded.subarray(0, n), offset);
    return n;
  }

  function makeWrite(writeInto) {
    return function (string, offset, length) {
      const bytes = thisBytes(this);
      if (typeof string !== "string") {
        throw errors.makeError(TypeError, "ERR_INVALID_ARG_TYPE", "argument must be a string");
      }
      const len = bytes.length;
      offset = parseArrayIndex(offset, 0);
      if (offset > len) throw ERR_BUFFER_OUT_OF_BOUNDS("offset");
      let max = parseArrayIndex(length, len - offset);
      max = MathMin(len - offset, max);
      if (max === 0) return 0;
      return writeInto(bytes, string, offset, max);
    };
  }
  const utf8Write = makeWrite(writeUtf8Into);
  const latin1Write = makeWrite(writeLatin1Into);
  const asciiWrite = makeWrite(writeLatin1Into); // Node writes ASCII as latin1.
  const ucs2Write = makeWrite(writeUcs2Into);
  const hexWrite = makeWrite(writeHexInto);
  const base64Write = makeWrite(writeBase64Into);
  const base64urlWrite = makeWrite(writeBase64Into);

  // -- compare --
  function normalizeCompareVal(val, aLength, bLength) {
    if (val === 0) {
      if (aLength > bLength) return 1;
      if (aLength < bLength) return -1;
      return 0;
    }
    return val > 0 ? 1 : -1;
  }
  function memcmp(a, aStart, b, bStart, n) {
    for (let i = 0; i < n; i++) {
      const d = a[aStart + i] - b[bStart + i];
      if (d !== 0) return d;
    }
    return 0;
  }
  function _compare(a, b) {
    a = viewBytes(a);
    b = viewBytes(b);
    const n = MathMin(a.length, b.length);
    return normalizeCompareVal(n > 0 ? memcmp(a, 0, b, 0, n) : 0, a.length, b.length);
  }
  function compareOffset(source, target, targetStart, sourceStart, targetEnd, sourceEnd) {
    source = viewBytes(source);
    target = viewBytes(target);
    if (sourceStart > source.length) {
      throw ERR_OUT_OF_RANGE("sourceStart", `>= 0 && <= ${source.length}`, sourceStart);
    }
    if (targetStart > target.length) {
      throw ERR_OUT_OF_RANGE("targetStart", `>= 0 && <= ${target.length}`, targetStart);
    }
    const toCmp = MathMin(sourceEnd - sourceStart, targetEnd - targetStart, source.length - sourceStart);
    const val = toCmp > 0 ? memcmp(source, sourceStart, target, targetStart, toCmp) : 0;
    return normalizeCompareVal(val, sourceEnd - sourceStart, targetEnd - targetStart);
  }

  // -- fill: -1 when the value writes no bytes, -2 out of bounds --
  function bindingFill(buf, value, start, end, encoding) {
    const bytes = viewBytes(buf);
    if (start > end || end > bytes.length) return -2;
    const fillLength = end - start;
    if (fillLength === 0) return undefined;
    let strLength;
    if (isArrayBufferView(value)) {
      const src = viewBytes(value);
      strLength = src.length;
      TypedArrayPrototypeSet(bytes, strLength > fillLength ? src.subarray(0, fillLength) : src, start);
    } else if (typeof value !== "string") {
      TypedArrayPrototypeFill(bytes, (value >>> 0) & 255, start, end);
      return undefined;
    } else {
      const enc = normalizeEncoding(encoding);
      if (enc === "utf8") {
        const encoded = core.utf8Encode(value);
        strLength = encoded.length;
        TypedArrayPrototypeSet(bytes, strLength > fillLength ? encoded.subarray(0, fillLength) : encoded, start);
      } else if (enc === "utf16le") {
        strLength = value.length * 2;
        const encoded = new Uint8Array(strLength);
        writeUcs2Into(encoded, value, 0, strLength);
        TypedArrayPrototypeSet(bytes, strLength > fillLength ? encoded.subarray(0, fillLength) : encoded, start);
      } else {
        const writeInto = enc === "hex" ? writeHexInto
          : enc === "base64" || enc === "base64url" ? writeBase64Into : writeLatin1Into;
        strLength = writeInto(bytes, value, start, fillLength);
      }
    }
    if (strLength >= fillLength) return undefined;
    if (strLength === 0) return -1;
    let inThere = strLength;
    while (inThere < fillLength - inThere) {
      TypedArrayPrototypeCopyWithin(bytes, start + inThere, start, start + inThere);
      inThere *= 2;
    }
    if (inThere < fillLength) {
      TypedArrayPrototypeCopyWithin(bytes, start + inThere, start, start + fillLength - inThere);
    }
    return undefined;
  }

  // -- indexOf --
  // Where a search starts: an index in the haystack, or -1 for "no match possible".
  function indexOfOffset(length, offset, needleLength, isForward) {
    if (offset < 0) {
      if (offset + length >= 0) return length + offset;
      if (isForward || needleLength === 0) return 0;
      return -1;
    }
    if (offset + needleLength <= length) return offset;
    if (needleLength === 0) return length;
    if (isForward) return -1;
    return length - 1;
  }
  // The first match at or after `start` (forward), or the last at or before it; haystackLength
  // when there is none.
  function searchString(haystack, haystackLength, needle, needleLength, start, isForward) {
    if (haystackLength < needleLength) return haystackLength;
    const diff = haystackLength - needleLength;
    const first = needle[0];
    if (isForward) {
      for (let i = start; i <= diff;) {
        i = TypedArrayPrototypeIndexOf(haystack, first, i);
        if (i === -1 || i > diff) break;
        let j = 1;
        while (j < needleLength && haystack[i + j] === needle[j]) j++;
        if (j === needleLength) return i;
        i++;
      }
      return haystackLength;
    }
    for (let i = start > diff ? diff : start; i >= 0;) {
      i = TypedArrayPrototypeLastIndexOf(haystack, first, i);
      if (i === -1) break;
      let j = 1;
      while (j < needleLength && haystack[i + j] === needle[j]) j++;
      if (j === needleLength) return i;
      i--;
    }
    return haystackLength;
  }
  function toUint16(bytes, units) {
    const out = new Uint16Array(units);
    for (let i = 0; i < units; i++) out[i] = bytes[2 * i] | (bytes[2 * i + 1] << 8);
    return out;
  }
  function toOffset(byteOffset) {
    // v8::Integer::Value() of a number: truncated.
    return MathTrunc(byteOffset) || 0;
  }
  function searchCommon(haystack, haystackLength, needleLength, byteOffset, isForward) {
    const optOffset = indexOfOffset(haystackLength, toOffset(byteOffset), needleLength, isForward);
    if (needleLength === 0) return { result: optOffset };
    if (haystackLength === 0 || optOffset <= -1) return { result: -1 };
    if ((isForward && needleLength + optOffset > haystackLength) || needleLength > haystackLength) {
      return { result: -1 };
    }
    return { offset: optOffset };
  }
  function indexOfString(buffer, needle, byteOffset, encoding, isForward) {
    const haystack = viewBytes(buffer);
    const haystackLength = encoding === ENC_UCS2 ? haystack.length & ~1 : haystack.length;
    let needleBytes;
    let needleLength;
    if (encoding === ENC_UCS2) {
      needleLength = needle.length * 2;
    } else if (encoding === ENC_UTF8) {
      needleBytes = core.utf8Encode(needle);
      needleLength = needleBytes.length;
    } else {
      needleLength = needle.length;
    }
    const s = searchCommon(haystack, haystackLength, needleLength, byteOffset, isForward);
    if (s.result !== undefined) return s.result;
    let result;
    if (encoding === ENC_UCS2) {
      if (haystackLength < 2 || needle.length < 1) return -1;
      const units = new Uint16Array(needle.length);
      for (let i = 0; i < needle.length; i++) units[i] = StringPrototypeCharCodeAt(needle, i);
      result = searchString(toUint16(haystack, haystackLength >>> 1), haystackLength >>> 1,
        units, units.length, s.offset >>> 1, isForward) * 2;
    } else {
      if (needleBytes === undefined) {
        needleBytes = new Uint8Array(needleLength);
        for (let i = 0; i < needleLength; i++) needleBytes[i] = StringPrototypeCharCodeAt(needle, i);
      }
      result = searchString(haystack, haystackLength, needleBytes, needleLength, s.offset, isForward);
    }
    return result === haystackLength ? -1 : result;
  }
  function indexOfBuffer(buffer, needle, byteOffset, encoding, isForward) {
    const haystack = viewBytes(buffer);
    const needleBytes = viewBytes(needle);
    const haystackLength = haystack.length;
    const needleLength = needleBytes.length;
    const s = searchCommon(haystack, haystackLength, needleLength, byteOffset, isForward);
    if (s.result !== undefined) return s.result;
    let result;
    if (encoding === ENC_UCS2) {
      if (haystackLength < 2 || needleLength < 2) return -1;
      result = searchString(toUint16(haystack, haystackLength >>> 1), haystackLength >>> 1,
        toUint16(needleBytes, needleLength >>> 1), needleLength >>> 1, s.offset >>> 1, isForward) * 2;
    } else {
      result = searchString(haystack, haystackLength, needleBytes, needleLength, s.offset, isForward);
    }
    return result === haystackLength ? -1 : result;
  }
  function indexOfNumber(buffer, needle, byteOffset, isForward) {
    const bytes = viewBytes(buffer);
    const optOffset = indexOfOffset(bytes.length, toOffset(byteOffset), 1, isForward);
    if (optOffset <= -1 || bytes.length === 0) return -1;
    return isForward
      ? TypedArrayPrototypeIndexOf(bytes, needle & 255, optOffset)
      : TypedArrayPrototypeLastIndexOf(bytes, needle & 255, optOffset);
  }

  function _swap16(buf) {
    for (let i = 0; i < buf.length; i += 2) swap(buf, i, i + 1);
    return buf;
  }
  function _swap32(buf) {
    for (let i = 0; i < buf.length; i += 4) {
      swap(buf, i, i + 3);
      swap(buf, i + 1, i + 2);
    }
    return buf;
  }
  function _swap64(buf) {
    for (let i = 0; i < buf.length; i += 8) {
      swap(buf, i, i + 7);
      swap(buf, i + 1, i + 6);
      swap(buf, i + 2, i + 5);
      swap(buf, i + 3, i + 4);
    }
    return buf;
  }

  function bindingIsUtf8(input) {
    const bytes = isAnyArrayBuffer(input) ? new Uint8Array(input) : viewBytes(input);
    try {
      utf8DecodeFatal(bytes);
      return true;
    } catch {
      return false;
    }
  }
  function bindingIsAscii(input) {
    const bytes = isAnyArrayBuffer(input) ? new Uint8Array(input) : viewBytes(input);
    for (let i = 0; i < bytes.length; i++) if (bytes[i] > 0x7f) return false;
    return true;
  }

  function createUnsafeArrayBuffer(size) {
    return new ArrayBuffer(size);
  }

  // For Buffer's inspector: own non-index keys, as util's binding lists them.
  const ALL_PROPERTIES = 0;
  const ONLY_ENUMERABLE = 2;
  function getOwnNonIndexProperties(obj, filter) {
    const keys = [];
    for (const key of Reflect.ownKeys(obj)) {
      if (typeof key === "string" && /^(?:0|[1-9]\d*)$/.test(key) && +key < 2 ** 32 - 1) continue;
      if (filter === ONLY_ENUMERABLE && !Object.getOwnPropertyDescriptor(obj, key).enumerable) continue;
      keys.push(key);
    }
    return keys;
  }

  // ---- Node's lib/internal/buffer.js ------------------------------------------------------
  // Temporary buffers to convert numbers.
  const float32Array = new Float32Array(1);
  const uInt8Float32Array = new Uint8Array(float32Array.buffer);
  const float64Array = new Float64Array(1);
  const uInt8Float64Array = new Uint8Array(float64Array.buffer);

  // Check endianness.
  float32Array[0] = -1; // 0xBF800000
  // Either it is [0, 0, 128, 191] or [191, 128, 0, 0]. It is not possible to
  // check this with `os.endianness()` because that is determined at compile time.
  const bigEndian = uInt8Float32Array[3] === 0;

  function checkBounds(buf, offset, byteLength) {
    validateNumber(offset, 'offset');
    if (buf[offset] === undefined || buf[offset + byteLength] === undefined)
      boundsError(offset, buf.length - (byteLength + 1));
  }

  function checkInt(value, min, max, buf, offset, byteLength) {
    if (value > max || value < min) {
      const n = typeof min === 'bigint' ? 'n' : '';
      let range;
      if (byteLength > 3) {
        if (min === 0 || min === 0n) {
          range = `>= 0${n} and < 2${n} ** ${(byteLength + 1) * 8}${n}`;
        } else {
          range = `>= -(2${n} ** ${(byteLength + 1) * 8 - 1}${n}) and ` +
                  `< 2${n} ** ${(byteLength + 1) * 8 - 1}${n}`;
        }
      } else {
        range = `>= ${min}${n} and <= ${max}${n}`;
      }
      throw ERR_OUT_OF_RANGE('value', range, value);
    }
    checkBounds(buf, offset, byteLength);
  }

  function boundsError(value, length, type) {
    if (MathFloor(value) !== value) {
      validateNumber(value, type);
      throw ERR_OUT_OF_RANGE(type || 'offset', 'an integer', value);
    }

    if (length < 0)
      throw ERR_BUFFER_OUT_OF_BOUNDS();

    throw ERR_OUT_OF_RANGE(type || 'offset',
                               `>= ${type ? 1 : 0} and <= ${length}`,
                               value);
  }

  // Read integers.
  function readBigUInt64LE(offset = 0) {
    validateNumber(offset, 'offset');
    const first = this[offset];
    const last = this[offset + 7];
    if (first === undefined || last === undefined)
      boundsError(offset, this.length - 8);

    const lo = first +
      this[++offset] * 2 ** 8 +
      this[++offset] * 2 ** 16 +
      this[++offset] * 2 ** 24;

    const hi = this[++offset] +
      this[++offset] * 2 ** 8 +
      this[++offset] * 2 ** 16 +
      last * 2 ** 24;

    return BigInt(lo) + (BigInt(hi) << 32n);
  }

  function readBigUInt64BE(offset = 0) {
    validateNumber(offset, 'offset');
    const first = this[offset];
    const last = this[offset + 7];
    if (first === undefined || last === undefined)
      boundsError(offset, this.length - 8);

    const hi = first * 2 ** 24 +
      this[++offset] * 2 ** 16 +
      this[++offset] * 2 ** 8 +
      this[++offset];

    const lo = this[++offset] * 2 ** 24 +
      this[++offset] * 2 ** 16 +
      this[++offset] * 2 ** 8 +
      last;

    return (BigInt(hi) << 32n) + BigInt(lo);
  }

  function readBigInt64LE(offset = 0) {
    validateNumber(offset, 'offset');
    const first = this[offset];
    const last = this[offset + 7];
    if (first === undefined || last === undefined)
      boundsError(offset, this.length - 8);

    const val = this[offset + 4] +
      this[offset + 5] * 2 ** 8 +
      this[offset + 6] * 2 ** 16 +
      (last << 24); // Overflow
    return (BigInt(val) << 32n) +
      BigInt(first +
      this[++offset] * 2 ** 8 +
      this[++offset] * 2 ** 16 +
      this[++offset] * 2 ** 24);
  }

  function readBigInt64BE(offset = 0) {
    validateNumber(offset, 'offset');
    const first = this[offset];
    const last = this[offset + 7];
    if (first === undefined || last === undefined)
      boundsError(offset, this.length - 8);

    const val = (first << 24) + // Overflow
      this[++offset] * 2 ** 16 +
      this[++offset] * 2 ** 8 +
      this[++offset];
    return (BigInt(val) << 32n) +
      BigInt(this[++offset] * 2 ** 24 +
      this[++offset] * 2 ** 16 +
      this[++offset] * 2 ** 8 +
      last);
  }

  function readUIntLE(offset, byteLength) {
    if (offset === undefined)
      throw ERR_INVALID_ARG_TYPE('offset', 'number', offset);
    if (byteLength === 6)
      return readUInt48LE(this, offset);
    if (byteLength === 5)
      return readUInt40LE(this, offset);
    if (byteLength === 3)
      return readUInt24LE(this, offset);
    if (byteLength === 4)
      return this.readUInt32LE(offset);
    if (byteLength === 2)
      return this.readUInt16LE(offset);
    if (byteLength === 1)
      return this.readUInt8(offset);

    boundsError(byteLength, 6, 'byteLength');
  }

  function readUInt48LE(buf, offset = 0) {
    validateNumber(offset, 'offset');
    const first = buf[offset];
    const last = buf[offset + 5];
    if (first === undefined || last === undefined)
      boundsError(offset, buf.length - 6);

    return first +
      buf[++offset] * 2 ** 8 +
      buf[++offset] * 2 ** 16 +
      buf[++offset] * 2 ** 24 +
      (buf[++offset] + last * 2 ** 8) * 2 ** 32;
  }

  function readUInt40LE(buf, offset = 0) {
    validateNumber(offset, 'offset');
    const first = buf[offset];
    const last = buf[offset + 4];
    if (first === undefined || last === undefined)
      boundsError(offset, buf.length - 5);

    return first +
      buf[++offset] * 2 ** 8 +
      buf[++offset] * 2 ** 16 +
      buf[++offset] * 2 ** 24 +
      last * 2 ** 32;
  }

  function readUInt32LE(offset = 0) {
    validateNumber(offset, 'offset');
    const first = this[offset];
    const last = this[offset + 3];
    if (first === undefined || last === undefined)
      boundsError(offset, this.length - 4);

    return first +
      this[++offset] * 2 ** 8 +
      this[++offset] * 2 ** 16 +
      last * 2 ** 24;
  }

  function readUInt24LE(buf, offset = 0) {
    validateNumber(offset, 'offset');
    const first = buf[offset];
    const last = buf[offset + 2];
    if (first === undefined || last === undefined)
      boundsError(offset, buf.length - 3);

    return first + buf[++offset] * 2 ** 8 + last * 2 ** 16;
  }

  function readUInt16LE(offset = 0) {
    validateNumber(offset, 'offset');
    const first = this[offset];
    const last = this[offset + 1];
    if (first === undefined || last === undefined)
      boundsError(offset, this.length - 2);

    return first + last * 2 ** 8;
  }

  function readUInt8(offset = 0) {
    validateNumber(offset, 'offset');
    const val = this[offset];
    if (val === undefined)
      boundsError(offset, this.length - 1);

    return val;
  }

  function readUIntBE(offset, byteLength) {
    if (offset === undefined)
      throw ERR_INVALID_ARG_TYPE('offset', 'number', offset);
    if (byteLength === 6)
      return readUInt48BE(this, offset);
    if (byteLength === 5)
      return readUInt40BE(this, offset);
    if (byteLength === 3)
      return readUInt24BE(this, offset);
    if (byteLength === 4)
      return this.readUInt32BE(offset);
    if (byteLength === 2)
      return this.readUInt16BE(offset);
    if (byteLength === 1)
      return this.readUInt8(offset);

    boundsError(byteLength, 6, 'byteLength');
  }

  function readUInt48BE(buf, offset = 0) {
    validateNumber(offset, 'offset');
    const first = buf[offset];
    const last = buf[offset + 5];
    if (first === undefined || last === undefined)
      boundsError(offset, buf.length - 6);

    return (first * 2 ** 8 + buf[++offset]) * 2 ** 32 +
      buf[++offset] * 2 ** 24 +
      buf[++offset] * 2 ** 16 +
      buf[++offset] * 2 ** 8 +
      last;
  }

  function readUInt40BE(buf, offset = 0) {
    validateNumber(offset, 'offset');
    const first = buf[offset];
    const last = buf[offset + 4];
    if (first === undefined || last === undefined)
      boundsError(offset, buf.length - 5);

    return first * 2 ** 32 +
      buf[++offset] * 2 ** 24 +
      buf[++offset] * 2 ** 16 +
      buf[++offset] * 2 ** 8 +
      last;
  }

  function readUInt32BE(offset = 0) {
    validateNumber(offset, 'offset');
    const first = this[offset];
    const last = this[offset + 3];
    if (first === undefined || last === undefined)
      boundsError(offset, this.length - 4);

    return first * 2 ** 24 +
      this[++offset] * 2 ** 16 +
      this[++offset] * 2 ** 8 +
      last;
  }

  function readUInt24BE(buf, offset = 0) {
    validateNumber(offset, 'offset');
    const first = buf[offset];
    const last = buf[offset + 2];
    if (first === undefined || last === undefined)
      boundsError(offset, buf.length - 3);

    return first * 2 ** 16 + buf[++offset] * 2 ** 8 + last;
  }

  function readUInt16BE(offset = 0) {
    validateNumber(offset, 'offset');
    const first = this[offset];
    const last = this[offset + 1];
    if (first === undefined || last === undefined)
      boundsError(offset, this.length - 2);

    return first * 2 ** 8 + last;
  }

  function readIntLE(offset, byteLength) {
    if (offset === undefined)
      throw ERR_INVALID_ARG_TYPE('offset', 'number', offset);
    if (byteLength === 6)
      return readInt48LE(this, offset);
    if (byteLength === 5)
      return readInt40LE(this, offset);
    if (byteLength === 3)
      return readInt24LE(this, offset);
    if (byteLength === 4)
      return this.readInt32LE(offset);
    if (byteLength === 2)
      return this.readInt16LE(offset);
    if (byteLength === 1)
      return this.readInt8(offset);

    boundsError(byteLength, 6, 'byteLength');
  }

  function readInt48LE(buf, offset = 0) {
    validateNumber(offset, 'offset');
    const first = buf[offset];
    const last = buf[offset + 5];
    if (first === undefined || last === undefined)
      boundsError(offset, buf.length - 6);

    const val = buf[offset + 4] + last * 2 ** 8;
    return (val | (val & 2 ** 15) * 0x1fffe) * 2 ** 32 +
      first +
      buf[++offset] * 2 ** 8 +
      buf[++offset] * 2 ** 16 +
      buf[++offset] * 2 ** 24;
  }

  function readInt40LE(buf, offset = 0) {
    validateNumber(offset, 'offset');
    const first = buf[offset];
    const last = buf[offset + 4];
    if (first === undefined || last === undefined)
      boundsError(offset, buf.length - 5);

    return (last | (last & 2 ** 7) * 0x1fffffe) * 2 ** 32 +
      first +
      buf[++offset] * 2 ** 8 +
      buf[++offset] * 2 ** 16 +
      buf[++offset] * 2 ** 24;
  }

  function readInt32LE(offset = 0) {
    validateNumber(offset, 'offset');
    const first = this[offset];
    const last = this[offset + 3];
    if (first === undefined || last === undefined)
      boundsError(offset, this.length - 4);

    return first +
      this[++offset] * 2 ** 8 +
      this[++offset] * 2 ** 16 +
      (last << 24); // Overflow
  }

  function readInt24LE(buf, offset = 0) {
    validateNumber(offset, 'offset');
    const first = buf[offset];
    const last = buf[offset + 2];
    if (first === undefined || last === undefined)
      boundsError(offset, buf.length - 3);

    const val = first + buf[++offset] * 2 ** 8 + last * 2 ** 16;
    return val | (val & 2 ** 23) * 0x1fe;
  }

  function readInt16LE(offset = 0) {
    validateNumber(offset, 'offset');
    const first = this[offset];
    const last = this[offset + 1];
    if (first === undefined || last === undefined)
      boundsError(offset, this.length - 2);

    const val = first + last * 2 ** 8;
    return val | (val & 2 ** 15) * 0x1fffe;
  }

  function readInt8(offset = 0) {
    validateNumber(offset, 'offset');
    const val = this[offset];
    if (val === undefined)
      boundsError(offset, this.length - 1);

    return val | (val & 2 ** 7) * 0x1fffffe;
  }

  function readIntBE(offset, byteLength) {
    if (offset === undefined)
      throw ERR_INVALID_ARG_TYPE('offset', 'number', offset);
    if (byteLength === 6)
      return readInt48BE(this, offset);
    if (byteLength === 5)
      return readInt40BE(this, offset);
    if (byteLength === 3)
      return readInt24BE(this, offset);
    if (byteLength === 4)
      return this.readInt32BE(offset);
    if (byteLength === 2)
      return this.readInt16BE(offset);
    if (byteLength === 1)
      return this.readInt8(offset);

    boundsError(byteLength, 6, 'byteLength');
  }

  function readInt48BE(buf, offset = 0) {
    validateNumber(offset, 'offset');
    const first = buf[offset];
    const last = buf[offset + 5];
    if (first === undefined || last === undefined)
      boundsError(offset, buf.length - 6);

    const val = buf[++offset] + first * 2 ** 8;
    return (val | (val & 2 ** 15) * 0x1fffe) * 2 ** 32 +
      buf[++offset] * 2 ** 24 +
      buf[++offset] * 2 ** 16 +
      buf[++offset] * 2 ** 8 +
      last;
  }

  function readInt40BE(buf, offset = 0) {
    validateNumber(offset, 'offset');
    const first = buf[offset];
    const last = buf[offset + 4];
    if (first === undefined || last === undefined)
      boundsError(offset, buf.length - 5);

    return (first | (first & 2 ** 7) * 0x1fffffe) * 2 ** 32 +
      buf[++offset] * 2 ** 24 +
      buf[++offset] * 2 ** 16 +
      buf[++offset] * 2 ** 8 +
      last;
  }

  function readInt32BE(offset = 0) {
    validateNumber(offset, 'offset');
    const first = this[offset];
    const last = this[offset + 3];
    if (first === undefined || last === undefined)
      boundsError(offset, this.length - 4);

    return (first << 24) + // Overflow
      this[++offset] * 2 ** 16 +
      this[++offset] * 2 ** 8 +
      last;
  }

  function readInt24BE(buf, offset = 0) {
    validateNumber(offset, 'offset');
    const first = buf[offset];
    const last = buf[offset + 2];
    if (first === undefined || last === undefined)
      boundsError(offset, buf.length - 3);

    const val = first * 2 ** 16 + buf[++offset] * 2 ** 8 + last;
    return val | (val & 2 ** 23) * 0x1fe;
  }

  function readInt16BE(offset = 0) {
    validateNumber(offset, 'offset');
    const first = this[offset];
    const last = this[offset + 1];
    if (first === undefined || last === undefined)
      boundsError(offset, this.length - 2);

    const val = first * 2 ** 8 + last;
    return val | (val & 2 ** 15) * 0x1fffe;
  }

  // Read floats
  function readFloatBackwards(offset = 0) {
    validateNumber(offset, 'offset');
    const first = this[offset];
    const last = this[offset + 3];
    if (first === undefined || last === undefined)
      boundsError(offset, this.length - 4);

    uInt8Float32Array[3] = first;
    uInt8Float32Array[2] = this[++offset];
    uInt8Float32Array[1] = this[++offset];
    uInt8Float32Array[0] = last;
    return float32Array[0];
  }

  function readFloatForwards(offset = 0) {
    validateNumber(offset, 'offset');
    const first = this[offset];
    const last = this[offset + 3];
    if (first === undefined || last === undefined)
      boundsError(offset, this.length - 4);

    uInt8Float32Array[0] = first;
    uInt8Float32Array[1] = this[++offset];
    uInt8Float32Array[2] = this[++offset];
    uInt8Float32Array[3] = last;
    return float32Array[0];
  }

  function readDoubleBackwards(offset = 0) {
    validateNumber(offset, 'offset');
    const first = this[offset];
    const last = this[offset + 7];
    if (first === undefined || last === undefined)
      boundsError(offset, this.length - 8);

    uInt8Float64Array[7] = first;
    uInt8Float64Array[6] = this[++offset];
    uInt8Float64Array[5] = this[++offset];
    uInt8Float64Array[4] = this[++offset];
    uInt8Float64Array[3] = this[++offset];
    uInt8Float64Array[2] = this[++offset];
    uInt8Float64Array[1] = this[++offset];
    uInt8Float64Array[0] = last;
    return float64Array[0];
  }

  function readDoubleForwards(offset = 0) {
    validateNumber(offset, 'offset');
    const first = this[offset];
    const last = this[offset + 7];
    if (first === undefined || last === undefined)
      boundsError(offset, this.length - 8);

    uInt8Float64Array[0] = first;
    uInt8Float64Array[1] = this[++offset];
    uInt8Float64Array[2] = this[++offset];
    uInt8Float64Array[3] = this[++offset];
    uInt8Float64Array[4] = this[++offset];
    uInt8Float64Array[5] = this[++offset];
    uInt8Float64Array[6] = this[++offset];
    uInt8Float64Array[7] = last;
    return float64Array[0];
  }

  // Write integers.
  function writeBigU_Int64LE(buf, value, offset, min, max) {
    checkInt(value, min, max, buf, offset, 7);

    let lo = Number(value & 0xffffffffn);
    buf[offset++] = lo;
    lo = lo >> 8;
    buf[offset++] = lo;
    lo = lo >> 8;
    buf[offset++] = lo;
    lo = lo >> 8;
    buf[offset++] = lo;
    let hi = Number(value >> 32n & 0xffffffffn);
    buf[offset++] = hi;
    hi = hi >> 8;
    buf[offset++] = hi;
    hi = hi >> 8;
    buf[offset++] = hi;
    hi = hi >> 8;
    buf[offset++] = hi;
    return offset;
  }

  function writeBigUInt64LE(value, offset = 0) {
    return writeBigU_Int64LE(this, value, offset, 0n, 0xffffffffffffffffn);
  }

  function writeBigU_Int64BE(buf, value, offset, min, max) {
    checkInt(value, min, max, buf, offset, 7);

    let lo = Number(value & 0xffffffffn);
    buf[offset + 7] = lo;
    lo = lo >> 8;
    buf[offset + 6] = lo;
    lo = lo >> 8;
    buf[offset + 5] = lo;
    lo = lo >> 8;
    buf[offset + 4] = lo;
    let hi = Number(value >> 32n & 0xffffffffn);
    buf[offset + 3] = hi;
    hi = hi >> 8;
    buf[offset + 2] = hi;
    hi = hi >> 8;
    buf[offset + 1] = hi;
    hi = hi >> 8;
    buf[offset] = hi;
    return offset + 8;
  }

  function writeBigUInt64BE(value, offset = 0) {
    return writeBigU_Int64BE(this, value, offset, 0n, 0xffffffffffffffffn);
  }

  function writeBigInt64LE(value, offset = 0) {
    return writeBigU_Int64LE(
      this, value, offset, -0x8000000000000000n, 0x7fffffffffffffffn);
  }

  function writeBigInt64BE(value, offset = 0) {
    return writeBigU_Int64BE(
      this, value, offset, -0x8000000000000000n, 0x7fffffffffffffffn);
  }

  function writeUIntLE(value, offset, byteLength) {
    if (byteLength === 6)
      return writeU_Int48LE(this, value, offset, 0, 0xffffffffffff);
    if (byteLength === 5)
      return writeU_Int40LE(this, value, offset, 0, 0xffffffffff);
    if (byteLength === 3)
      return writeU_Int24LE(this, value, offset, 0, 0xffffff);
    if (byteLength === 4)
      return writeU_Int32LE(this, value, offset, 0, 0xffffffff);
    if (byteLength === 2)
      return writeU_Int16LE(this, value, offset, 0, 0xffff);
    if (byteLength === 1)
      return writeU_Int8(this, value, offset, 0, 0xff);

    boundsError(byteLength, 6, 'byteLength');
  }

  function writeU_Int48LE(buf, value, offset, min, max) {
    value = +value;
    checkInt(value, min, max, buf, offset, 5);

    const newVal = MathFloor(value * 2 ** -32);
    buf[offset++] = value;
    value = value >>> 8;
    buf[offset++] = value;
    value = value >>> 8;
    buf[offset++] = value;
    value = value >>> 8;
    buf[offset++] = value;
    buf[offset++] = newVal;
    buf[offset++] = (newVal >>> 8);
    return offset;
  }

  function writeU_Int40LE(buf, value, offset, min, max) {
    value = +value;
    checkInt(value, min, max, buf, offset, 4);

    const newVal = value;
    buf[offset++] = value;
    value = value >>> 8;
    buf[offset++] = value;
    value = value >>> 8;
    buf[offset++] = value;
    value = value >>> 8;
    buf[offset++] = value;
    buf[offset++] = MathFloor(newVal * 2 ** -32);
    return offset;
  }

  function writeU_Int32LE(buf, value, offset, min, max) {
    value = +value;
    checkInt(value, min, max, buf, offset, 3);

    buf[offset++] = value;
    value = value >>> 8;
    buf[offset++] = value;
    value = value >>> 8;
    buf[offset++] = value;
    value = value >>> 8;
    buf[offset++] = value;
    return offset;
  }

  function writeUInt32LE(value, offset = 0) {
    return writeU_Int32LE(this, value, offset, 0, 0xffffffff);
  }

  function writeU_Int24LE(buf, value, offset, min, max) {
    value = +value;
    checkInt(value, min, max, buf, offset, 2);

    buf[offset++] = value;
    value = value >>> 8;
    buf[offset++] = value;
    value = value >>> 8;
    buf[offset++] = value;
    return offset;
  }

  function writeU_Int16LE(buf, value, offset, min, max) {
    value = +value;
    checkInt(value, min, max, buf, offset, 1);

    buf[offset++] = value;
    buf[offset++] = (value >>> 8);
    return offset;
  }

  function writeUInt16LE(value, offset = 0) {
    return writeU_Int16LE(this, value, offset, 0, 0xffff);
  }

  function writeU_Int8(buf, value, offset, min, max) {
    value = +value;
    // `checkInt()` can not be used here because it checks two entries.
    validateNumber(offset, 'offset');
    if (value > max || value < min) {
      throw ERR_OUT_OF_RANGE('value', `>= ${min} and <= ${max}`, value);
    }
    if (buf[offset] === undefined)
      boundsError(offset, buf.length - 1);

    buf[offset] = value;
    return offset + 1;
  }

  function writeUInt8(value, offset = 0) {
    return writeU_Int8(this, value, offset, 0, 0xff);
  }

  function writeUIntBE(value, offset, byteLength) {
    if (byteLength === 6)
      return writeU_Int48BE(this, value, offset, 0, 0xffffffffffff);
    if (byteLength === 5)
      return writeU_Int40BE(this, value, offset, 0, 0xffffffffff);
    if (byteLength === 3)
      return writeU_Int24BE(this, value, offset, 0, 0xffffff);
    if (byteLength === 4)
      return writeU_Int32BE(this, value, offset, 0, 0xffffffff);
    if (byteLength === 2)
      return writeU_Int16BE(this, value, offset, 0, 0xffff);
    if (byteLength === 1)
      return writeU_Int8(this, value, offset, 0, 0xff);

    boundsError(byteLength, 6, 'byteLength');
  }

  function writeU_Int48BE(buf, value, offset, min, max) {
    value = +value;
    checkInt(value, min, max, buf, offset, 5);

    const newVal = MathFloor(value * 2 ** -32);
    buf[offset++] = (newVal >>> 8);
    buf[offset++] = newVal;
    buf[offset + 3] = value;
    value = value >>> 8;
    buf[offset + 2] = value;
    value = value >>> 8;
    buf[offset + 1] = value;
    value = value >>> 8;
    buf[offset] = value;
    return offset + 4;
  }

  function writeU_Int40BE(buf, value, offset, min, max) {
    value = +value;
    checkInt(value, min, max, buf, offset, 4);

    buf[offset++] = MathFloor(value * 2 ** -32);
    buf[offset + 3] = value;
    value = value >>> 8;
    buf[offset + 2] = value;
    value = value >>> 8;
    buf[offset + 1] = value;
    value = value >>> 8;
    buf[offset] = value;
    return offset + 4;
  }

  function writeU_Int32BE(buf, value, offset, min, max) {
    value = +value;
    checkInt(value, min, max, buf, offset, 3);

    buf[offset + 3] = value;
    value = value >>> 8;
    buf[offset + 2] = value;
    value = value >>> 8;
    buf[offset + 1] = value;
    value = value >>> 8;
    buf[offset] = value;
    return offset + 4;
  }

  function writeUInt32BE(value, offset = 0) {
    return writeU_Int32BE(this, value, offset, 0, 0xffffffff);
  }

  function writeU_Int24BE(buf, value, offset, min, max) {
    value = +value;
    checkInt(value, min, max, buf, offset, 2);

    buf[offset + 2] = value;
    value = value >>> 8;
    buf[offset + 1] = value;
    value = value >>> 8;
    buf[offset] = value;
    return offset + 3;
  }

  function writeU_Int16BE(buf, value, offset, min, max) {
    value = +value;
    checkInt(value, min, max, buf, offset, 1);

    buf[offset++] = (value >>> 8);
    buf[offset++] = value;
    return offset;
  }

  function writeUInt16BE(value, offset = 0) {
    return writeU_Int16BE(this, value, offset, 0, 0xffff);
  }

  function writeIntLE(value, offset, byteLength) {
    if (byteLength === 6)
      return writeU_Int48LE(this, value, offset, -0x800000000000, 0x7fffffffffff);
    if (byteLength === 5)
      return writeU_Int40LE(this, value, offset, -0x8000000000, 0x7fffffffff);
    if (byteLength === 3)
      return writeU_Int24LE(this, value, offset, -0x800000, 0x7fffff);
    if (byteLength === 4)
      return writeU_Int32LE(this, value, offset, -0x80000000, 0x7fffffff);
    if (byteLength === 2)
      return writeU_Int16LE(this, value, offset, -0x8000, 0x7fff);
    if (byteLength === 1)
      return writeU_Int8(this, value, offset, -0x80, 0x7f);

    boundsError(byteLength, 6, 'byteLength');
  }

  function writeInt32LE(value, offset = 0) {
    return writeU_Int32LE(this, value, offset, -0x80000000, 0x7fffffff);
  }

  function writeInt16LE(value, offset = 0) {
    return writeU_Int16LE(this, value, offset, -0x8000, 0x7fff);
  }

  function writeInt8(value, offset = 0) {
    return writeU_Int8(this, value, offset, -0x80, 0x7f);
  }

  function writeIntBE(value, offset, byteLength) {
    if (byteLength === 6)
      return writeU_Int48BE(this, value, offset, -0x800000000000, 0x7fffffffffff);
    if (byteLength === 5)
      return writeU_Int40BE(this, value, offset, -0x8000000000, 0x7fffffffff);
    if (byteLength === 3)
      return writeU_Int24BE(this, value, offset, -0x800000, 0x7fffff);
    if (byteLength === 4)
      return writeU_Int32BE(this, value, offset, -0x80000000, 0x7fffffff);
    if (byteLength === 2)
      return writeU_Int16BE(this, value, offset, -0x8000, 0x7fff);
    if (byteLength === 1)
      return writeU_Int8(this, value, offset, -0x80, 0x7f);

    boundsError(byteLength, 6, 'byteLength');
  }

  function writeInt32BE(value, offset = 0) {
    return writeU_Int32BE(this, value, offset, -0x80000000, 0x7fffffff);
  }

  function writeInt16BE(value, offset = 0) {
    return writeU_Int16BE(this, value, offset, -0x8000, 0x7fff);
  }

  // Write floats.
  function writeDoubleForwards(val, offset = 0) {
    val = +val;
    checkBounds(this, offset, 7);

    float64Array[0] = val;
    this[offset++] = uInt8Float64Array[0];
    this[offset++] = uInt8Float64Array[1];
    this[offset++] = uInt8Float64Array[2];
    this[offset++] = uInt8Float64Array[3];
    this[offset++] = uInt8Float64Array[4];
    this[offset++] = uInt8Float64Array[5];
    this[offset++] = uInt8Float64Array[6];
    this[offset++] = uInt8Float64Array[7];
    return offset;
  }

  function writeDoubleBackwards(val, offset = 0) {
    val = +val;
    checkBounds(this, offset, 7);

    float64Array[0] = val;
    this[offset++] = uInt8Float64Array[7];
    this[offset++] = uInt8Float64Array[6];
    this[offset++] = uInt8Float64Array[5];
    this[offset++] = uInt8Float64Array[4];
    this[offset++] = uInt8Float64Array[3];
    this[offset++] = uInt8Float64Array[2];
    this[offset++] = uInt8Float64Array[1];
    this[offset++] = uInt8Float64Array[0];
    return offset;
  }

  function writeFloatForwards(val, offset = 0) {
    val = +val;
    checkBounds(this, offset, 3);

    float32Array[0] = val;
    this[offset++] = uInt8Float32Array[0];
    this[offset++] = uInt8Float32Array[1];
    this[offset++] = uInt8Float32Array[2];
    this[offset++] = uInt8Float32Array[3];
    return offset;
  }

  function writeFloatBackwards(val, offset = 0) {
    val = +val;
    checkBounds(this, offset, 3);

    float32Array[0] = val;
    this[offset++] = uInt8Float32Array[3];
    this[offset++] = uInt8Float32Array[2];
    this[offset++] = uInt8Float32Array[1];
    this[offset++] = uInt8Float32Array[0];
    return offset;
  }

  class FastBuffer extends Uint8Array {
    // Using an explicit constructor here is necessary to avoid relying on
    // `Array.prototype[Symbol.iterator]`, which can be mutated by users.
    // eslint-disable-next-line no-useless-constructor
    constructor(bufferOrLength, byteOffset, length) {
      super(bufferOrLength, byteOffset, length);
    }
  }

  function addBufferPrototypeMethods(proto) {
    proto.readBigUInt64LE = readBigUInt64LE;
    proto.readBigUInt64BE = readBigUInt64BE;
    proto.readBigUint64LE = readBigUInt64LE;
    proto.readBigUint64BE = readBigUInt64BE;
    proto.readBigInt64LE = readBigInt64LE;
    proto.readBigInt64BE = readBigInt64BE;
    proto.writeBigUInt64LE = writeBigUInt64LE;
    proto.writeBigUInt64BE = writeBigUInt64BE;
    proto.writeBigUint64LE = writeBigUInt64LE;
    proto.writeBigUint64BE = writeBigUInt64BE;
    proto.writeBigInt64LE = writeBigInt64LE;
    proto.writeBigInt64BE = writeBigInt64BE;

    proto.readUIntLE = readUIntLE;
    proto.readUInt32LE = readUInt32LE;
    proto.readUInt16LE = readUInt16LE;
    proto.readUInt8 = readUInt8;
    proto.readUIntBE = readUIntBE;
    proto.readUInt32BE = readUInt32BE;
    proto.readUInt16BE = readUInt16BE;
    proto.readUintLE = readUIntLE;
    proto.readUint32LE = readUInt32LE;
    proto.readUint16LE = readUInt16LE;
    proto.readUint8 = readUInt8;
    proto.readUintBE = readUIntBE;
    proto.readUint32BE = readUInt32BE;
    proto.readUint16BE = readUInt16BE;
    proto.readIntLE = readIntLE;
    proto.readInt32LE = readInt32LE;
    proto.readInt16LE = readInt16LE;
    proto.readInt8 = readInt8;
    proto.readIntBE = readIntBE;
    proto.readInt32BE = readInt32BE;
    proto.readInt16BE = readInt16BE;

    proto.writeUIntLE = writeUIntLE;
    proto.writeUInt32LE = writeUInt32LE;
    proto.writeUInt16LE = writeUInt16LE;
    proto.writeUInt8 = writeUInt8;
    proto.writeUIntBE = writeUIntBE;
    proto.writeUInt32BE = writeUInt32BE;
    proto.writeUInt16BE = writeUInt16BE;
    proto.writeUintLE = writeUIntLE;
    proto.writeUint32LE = writeUInt32LE;
    proto.writeUint16LE = writeUInt16LE;
    proto.writeUint8 = writeUInt8;
    proto.writeUintBE = writeUIntBE;
    proto.writeUint32BE = writeUInt32BE;
    proto.writeUint16BE = writeUInt16BE;
    proto.writeIntLE = writeIntLE;
    proto.writeInt32LE = writeInt32LE;
    proto.writeInt16LE = writeInt16LE;
    proto.writeInt8 = writeInt8;
    proto.writeIntBE = writeIntBE;
    proto.writeInt32BE = writeInt32BE;
    proto.writeInt16BE = writeInt16BE;

    proto.readFloatLE = bigEndian ? readFloatBackwards : readFloatForwards;
    proto.readFloatBE = bigEndian ? readFloatForwards : readFloatBackwards;
    proto.readDoubleLE = bigEndian ? readDoubleBackwards : readDoubleForwards;
    proto.readDoubleBE = bigEndian ? readDoubleForwards : readDoubleBackwards;
    proto.writeFloatLE = bigEndian ? writeFloatBackwards : writeFloatForwards;
    proto.writeFloatBE = bigEndian ? writeFloatForwards : writeFloatBackwards;
    proto.writeDoubleLE = bigEndian ? writeDoubleBackwards : writeDoubleForwards;
    proto.writeDoubleBE = bigEndian ? writeDoubleForwards : writeDoubleBackwards;

    proto.asciiSlice = asciiSlice;
    proto.base64Slice = base64Slice;
    proto.base64urlSlice = base64urlSlice;
    proto.latin1Slice = latin1Slice;
    proto.hexSlice = hexSlice;
    proto.ucs2Slice = ucs2Slice;
    proto.utf8Slice = utf8Slice;
    proto.asciiWrite = asciiWrite;
    proto.base64Write = base64Write;
    proto.base64urlWrite = base64urlWrite;
    proto.latin1Write = latin1Write;
    proto.hexWrite = hexWrite;
    proto.ucs2Write = ucs2Write;
    proto.utf8Write = utf8Write;
  }

  function createUnsafeBuffer(size) {
    if (size <= 64) {
      // Allocated in heap, doesn't call backing store anyway
      // This is the same that the old impl did implicitly, but explicit now
      return new FastBuffer(size);
    }

    return new FastBuffer(createUnsafeArrayBuffer(size));
  }

  // ---- Node's lib/buffer.js ---------------------------------------------------------------
  FastBuffer.prototype.constructor = Buffer;
  Buffer.prototype = FastBuffer.prototype;
  addBufferPrototypeMethods(Buffer.prototype);

  const constants = ObjectDefineProperties({}, {
    MAX_LENGTH: {
      __proto__: null,
      value: kMaxLength,
      writable: false,
      enumerable: true,
    },
    MAX_STRING_LENGTH: {
      __proto__: null,
      value: kStringMaxLength,
      writable: false,
      enumerable: true,
    },
  });

  Buffer.poolSize = 8 * 1024;
  let poolSize, poolOffset, allocPool, allocBuffer;

  function createPool() {
    poolSize = Buffer.poolSize;
    allocBuffer = createUnsafeBuffer(poolSize);
    allocPool = allocBuffer.buffer;
    poolOffset = 0;
  }
  createPool();

  function alignPool() {
    // Ensure aligned slices
    if (poolOffset & 0x7) {
      poolOffset |= 0x7;
      poolOffset++;
    }
  }

  // Node may warn about Buffer() (DEP0005) here; warren does not.
  function showFlaggedDeprecation() {}

  function toInteger(n, defaultVal) {
    n = +n;
    if (!NumberIsNaN(n) &&
        n >= NumberMIN_SAFE_INTEGER &&
        n <= NumberMAX_SAFE_INTEGER) {
      return ((n % 1) === 0 ? n : MathFloor(n));
    }
    return defaultVal;
  }

  function _copy(source, target, targetStart, sourceStart, sourceEnd) {
    if (!isUint8Array(source))
      throw ERR_INVALID_ARG_TYPE('source', ['Buffer', 'Uint8Array'], source);
    if (!isUint8Array(target))
      throw ERR_INVALID_ARG_TYPE('target', ['Buffer', 'Uint8Array'], target);

    if (targetStart === undefined) {
      targetStart = 0;
    } else {
      targetStart = NumberIsInteger(targetStart) ? targetStart : toInteger(targetStart, 0);
      if (targetStart < 0)
        throw ERR_OUT_OF_RANGE('targetStart', '>= 0', targetStart);
    }

    if (sourceStart === undefined) {
      sourceStart = 0;
    } else {
      sourceStart = NumberIsInteger(sourceStart) ? sourceStart : toInteger(sourceStart, 0);
      if (sourceStart < 0 || sourceStart > source.length)
        throw ERR_OUT_OF_RANGE('sourceStart', `>= 0 && <= ${source.length}`, sourceStart);
    }

    if (sourceEnd === undefined) {
      sourceEnd = source.length;
    } else {
      sourceEnd = NumberIsInteger(sourceEnd) ? sourceEnd : toInteger(sourceEnd, 0);
      if (sourceEnd < 0)
        throw ERR_OUT_OF_RANGE('sourceEnd', '>= 0', sourceEnd);
    }

    if (targetStart >= target.length || sourceStart >= sourceEnd)
      return 0;

    return _copyActual(source, target, targetStart, sourceStart, sourceEnd);
  }

  function _copyActual(source, target, targetStart, sourceStart, sourceEnd) {
    if (sourceEnd - sourceStart > target.length - targetStart)
      sourceEnd = sourceStart + target.length - targetStart;

    let nb = sourceEnd - sourceStart;
    const sourceLen = source.length - sourceStart;
    if (nb > sourceLen)
      nb = sourceLen;

    if (sourceStart !== 0 || sourceEnd < source.length)
      source = new Uint8Array(source.buffer, source.byteOffset + sourceStart, nb);

    TypedArrayPrototypeSet(target, source, targetStart);

    return nb;
  }

  /**
   * The Buffer() constructor is deprecated in documentation and should not be
   * used moving forward. Rather, developers should use one of the three new
   * factory APIs: Buffer.from(), Buffer.allocUnsafe() or Buffer.alloc() based on
   * their specific needs. There is no runtime deprecation because of the extent
   * to which the Buffer constructor is used in the ecosystem currently -- a
   * runtime deprecation would introduce too much breakage at this time. It's not
   * likely that the Buffer constructors would ever actually be removed.
   * Deprecation Code: DEP0005
   */
  function Buffer(arg, encodingOrOffset, length) {
    showFlaggedDeprecation();
    // Common case.
    if (typeof arg === 'number') {
      if (typeof encodingOrOffset === 'string') {
        throw ERR_INVALID_ARG_TYPE('string', 'string', arg);
      }
      return Buffer.alloc(arg);
    }
    return Buffer.from(arg, encodingOrOffset, length);
  }

  ObjectDefineProperty(Buffer, SymbolSpecies, {
    __proto__: null,
    enumerable: false,
    configurable: true,
    get() { return FastBuffer; },
  });

  /**
   * Functionally equivalent to Buffer(arg, encoding) but throws a TypeError
   * if value is a number.
   * Buffer.from(str[, encoding])
   * Buffer.from(array)
   * Buffer.from(buffer)
   * Buffer.from(arrayBuffer[, byteOffset[, length]])
   */
  Buffer.from = function from(value, encodingOrOffset, length) {
    if (typeof value === 'string')
      return fromString(value, encodingOrOffset);

    if (typeof value === 'object' && value !== null) {
      if (isAnyArrayBuffer(value))
        return fromArrayBuffer(value, encodingOrOffset, length);

      const valueOf = value.valueOf && value.valueOf();
      if (valueOf != null &&
          valueOf !== value &&
          (typeof valueOf === 'string' || typeof valueOf === 'object')) {
        return from(valueOf, encodingOrOffset, length);
      }

      const b = fromObject(value);
      if (b)
        return b;

      if (typeof value[SymbolToPrimitive] === 'function') {
        const primitive = value[SymbolToPrimitive]('string');
        if (typeof primitive === 'string') {
          return fromString(primitive, encodingOrOffset);
        }
      }
    }

    throw ERR_INVALID_ARG_TYPE(
      'first argument',
      ['string', 'Buffer', 'ArrayBuffer', 'Array', 'Array-like Object'],
      value,
    );
  };

  /**
   * Creates the Buffer as a copy of the underlying ArrayBuffer of the view
   * rather than the contents of the view.
   * @param {TypedArray} view
   * @param {number} [offset]
   * @param {number} [length]
   * @returns {Buffer}
   */
  Buffer.copyBytesFrom = function copyBytesFrom(view, offset, length) {
    if (!isTypedArray(view)) {
      throw ERR_INVALID_ARG_TYPE('view', [ 'TypedArray' ], view);
    }

    const viewLength = TypedArrayPrototypeGetLength(view);
    if (viewLength === 0) {
      return Buffer.alloc(0);
    }

    if (offset !== undefined || length !== undefined) {
      if (offset !== undefined) {
        validateInteger(offset, 'offset', 0);
        if (offset >= viewLength) return Buffer.alloc(0);
      } else {
        offset = 0;
      }
      let end;
      if (length !== undefined) {
        validateInteger(length, 'length', 0);
        end = offset + length;
      } else {
        end = viewLength;
      }

      view = TypedArrayPrototypeSlice(view, offset, end);
    }

    return fromArrayLike(new Uint8Array(
      TypedArrayPrototypeGetBuffer(view),
      TypedArrayPrototypeGetByteOffset(view),
      TypedArrayPrototypeGetByteLength(view)));
  };

  // Identical to the built-in %TypedArray%.of(), but avoids using the deprecated
  // Buffer() constructor. Must use arrow function syntax to avoid automatically
  // adding a `prototype` property and making the function a constructor.
  //
  // Refs: https://tc39.github.io/ecma262/#sec-%typedarray%.of
  // Refs: https://esdiscuss.org/topic/isconstructor#content-11
  const of = (...items) => {
    const newObj = createUnsafeBuffer(items.length);
    for (let k = 0; k < items.length; k++)
      newObj[k] = items[k];
    return newObj;
  };
  Buffer.of = of;

  ObjectSetPrototypeOf(Buffer, Uint8Array);

  /**
   * Creates a new filled Buffer instance.
   * alloc(size[, fill[, encoding]])
   */
  Buffer.alloc = function alloc(size, fill, encoding) {
    validateNumber(size, 'size', 0, kMaxLength);
    if (fill !== undefined && fill !== 0 && size > 0) {
      const buf = createUnsafeBuffer(size);
      return _fill(buf, fill, 0, buf.length, encoding);
    }
    return new FastBuffer(size);
  };

  /**
   * Equivalent to Buffer(num), by default creates a non-zero-filled Buffer
   * instance. If `--zero-fill-buffers` is set, will zero-fill the buffer.
   */
  Buffer.allocUnsafe = function allocUnsafe(size) {
    validateNumber(size, 'size', 0, kMaxLength);
    return allocate(size);
  };

  /**
   * Equivalent to SlowBuffer(num), by default creates a non-zero-filled
   * Buffer instance that is not allocated off the pre-initialized pool.
   * If `--zero-fill-buffers` is set, will zero-fill the buffer.
   */
  Buffer.allocUnsafeSlow = function allocUnsafeSlow(size) {
    validateNumber(size, 'size', 0, kMaxLength);
    return createUnsafeBuffer(size);
  };

  // If --zero-fill-buffers command line argument is set, a zero-filled
  // buffer is returned.
  function SlowBuffer(size) {
    validateNumber(size, 'size', 0, kMaxLength);
    return createUnsafeBuffer(size);
  }

  ObjectSetPrototypeOf(SlowBuffer.prototype, Uint8ArrayPrototype);
  ObjectSetPrototypeOf(SlowBuffer, Uint8Array);

  function allocate(size) {
    if (size <= 0) {
      return new FastBuffer();
    }
    if (size < (Buffer.poolSize >>> 1)) {
      if (size > (poolSize - poolOffset))
        createPool();
      const b = new FastBuffer(allocPool, poolOffset, size);
      poolOffset += size;
      alignPool();
      return b;
    }
    return createUnsafeBuffer(size);
  }

  function fromStringFast(string, ops) {
    const maxLength = Buffer.poolSize >>> 1;

    let length = string.length; // Min length

    if (length >= maxLength)
      return createFromString(string, ops);

    length *= 4; // Max length (4 bytes per character)

    if (length >= maxLength)
      length = ops.byteLength(string); // Actual length

    if (length >= maxLength)
      return createFromString(string, ops, length);

    if (length > (poolSize - poolOffset))
      createPool();

    const actual = ops.write(allocBuffer, string, poolOffset, length);
    const b = new FastBuffer(allocPool, poolOffset, actual);

    poolOffset += actual;
    alignPool();
    return b;
  }

  function createFromString(string, ops, length = ops.byteLength(string)) {
    const buf = Buffer.allocUnsafeSlow(length);
    const actual = ops.write(buf, string, 0, length);
    return actual < length ? new FastBuffer(buf.buffer, 0, actual) : buf;
  }

  function fromString(string, encoding) {
    let ops;
    if (!encoding || encoding === 'utf8' || typeof encoding !== 'string') {
      ops = encodingOps.utf8;
    } else {
      ops = getEncodingOps(encoding);
      if (ops === undefined)
        throw ERR_UNKNOWN_ENCODING(encoding);
    }

    return string.length === 0 ? new FastBuffer() : fromStringFast(string, ops);
  }

  function fromArrayBuffer(obj, byteOffset, length) {
    // Convert byteOffset to integer
    if (byteOffset === undefined) {
      byteOffset = 0;
    } else {
      byteOffset = +byteOffset;
      if (NumberIsNaN(byteOffset))
        byteOffset = 0;
    }

    const maxLength = obj.byteLength - byteOffset;

    if (maxLength < 0)
      throw ERR_BUFFER_OUT_OF_BOUNDS('offset');

    if (length === undefined) {
      length = maxLength;
    } else {
      // Convert length to non-negative integer.
      length = +length;
      if (length > 0) {
        if (length > maxLength)
          throw ERR_BUFFER_OUT_OF_BOUNDS('length');
      } else {
        length = 0;
      }
    }

    return new FastBuffer(obj, byteOffset, length);
  }

  function fromArrayLike(obj) {
    if (obj.length <= 0)
      return new FastBuffer();
    if (obj.length < (Buffer.poolSize >>> 1)) {
      if (obj.length > (poolSize - poolOffset))
        createPool();
      const b = new FastBuffer(allocPool, poolOffset, obj.length);
      TypedArrayPrototypeSet(b, obj, 0);
      poolOffset += obj.length;
      alignPool();
      return b;
    }
    return new FastBuffer(obj);
  }

  function fromObject(obj) {
    if (obj.length !== undefined || isAnyArrayBuffer(obj.buffer)) {
      if (typeof obj.length !== 'number') {
        return new FastBuffer();
      }
      return fromArrayLike(obj);
    }

    if (obj.type === 'Buffer' && ArrayIsArray(obj.data)) {
      return fromArrayLike(obj.data);
    }
  }

  // Static methods

  Buffer.isBuffer = function isBuffer(b) {
    return b instanceof Buffer;
  };

  Buffer.compare = function compare(buf1, buf2) {
    if (!isUint8Array(buf1)) {
      throw ERR_INVALID_ARG_TYPE('buf1', ['Buffer', 'Uint8Array'], buf1);
    }

    if (!isUint8Array(buf2)) {
      throw ERR_INVALID_ARG_TYPE('buf2', ['Buffer', 'Uint8Array'], buf2);
    }

    if (buf1 === buf2) {
      return 0;
    }

    return _compare(buf1, buf2);
  };

  Buffer.isEncoding = function isEncoding(encoding) {
    return typeof encoding === 'string' && encoding.length !== 0 &&
           normalizeEncoding(encoding) !== undefined;
  };
  Buffer[kIsEncodingSymbol] = Buffer.isEncoding;

  Buffer.concat = function concat(list, length) {
    validateArray(list, 'list');

    if (list.length === 0)
      return new FastBuffer();

    if (length === undefined) {
      length = 0;
      for (let i = 0; i < list.length; i++) {
        if (list[i].length) {
          length += list[i].length;
        }
      }
    } else {
      validateOffset(length, 'length');
    }

    const buffer = Buffer.allocUnsafe(length);
    let pos = 0;
    for (let i = 0; i < list.length; i++) {
      const buf = list[i];
      if (!isUint8Array(buf)) {
        // TODO(BridgeAR): This should not be of type ERR_INVALID_ARG_TYPE.
        // Instead, find the proper error code for this.
        throw ERR_INVALID_ARG_TYPE(
          `list[${i}]`, ['Buffer', 'Uint8Array'], list[i]);
      }
      pos += _copyActual(buf, buffer, pos, 0, buf.length);
    }

    // Note: `length` is always equal to `buffer.length` at this point
    if (pos < length) {
      // Zero-fill the remaining bytes if the specified `length` was more than
      // the actual total length, i.e. if we have some remaining allocated bytes
      // there were not initialized.
      TypedArrayPrototypeFill(buffer, 0, pos, length);
    }

    return buffer;
  };

  function base64ByteLength(str, bytes) {
    // Handle padding
    if (StringPrototypeCharCodeAt(str, bytes - 1) === 0x3D)
      bytes--;
    if (bytes > 1 && StringPrototypeCharCodeAt(str, bytes - 1) === 0x3D)
      bytes--;

    // Base64 ratio: 3/4
    return (bytes * 3) >>> 2;
  }

  const encodingOps = {
    utf8: {
      encoding: 'utf8',
      encodingVal: encodingsMap.utf8,
      byteLength: byteLengthUtf8,
      write: (buf, string, offset, len) => buf.utf8Write(string, offset, len),
      slice: (buf, start, end) => buf.utf8Slice(start, end),
      indexOf: (buf, val, byteOffset, dir) =>
        indexOfString(buf, val, byteOffset, encodingsMap.utf8, dir),
    },
    ucs2: {
      encoding: 'ucs2',
      encodingVal: encodingsMap.utf16le,
      byteLength: (string) => string.length * 2,
      write: (buf, string, offset, len) => buf.ucs2Write(string, offset, len),
      slice: (buf, start, end) => buf.ucs2Slice(start, end),
      indexOf: (buf, val, byteOffset, dir) =>
        indexOfString(buf, val, byteOffset, encodingsMap.utf16le, dir),
    },
    utf16le: {
      encoding: 'utf16le',
      encodingVal: encodingsMap.utf16le,
      byteLength: (string) => string.length * 2,
      write: (buf, string, offset, len) => buf.ucs2Write(string, offset, len),
      slice: (buf, start, end) => buf.ucs2Slice(start, end),
      indexOf: (buf, val, byteOffset, dir) =>
        indexOfString(buf, val, byteOffset, encodingsMap.utf16le, dir),
    },
    latin1: {
      encoding: 'latin1',
      encodingVal: encodingsMap.latin1,
      byteLength: (string) => string.length,
      write: (buf, string, offset, len) => buf.latin1Write(string, offset, len),
      slice: (buf, start, end) => buf.latin1Slice(start, end),
      indexOf: (buf, val, byteOffset, dir) =>
        indexOfString(buf, val, byteOffset, encodingsMap.latin1, dir),
    },
    ascii: {
      encoding: 'ascii',
      encodingVal: encodingsMap.ascii,
      byteLength: (string) => string.length,
      write: (buf, string, offset, len) => buf.asciiWrite(string, offset, len),
      slice: (buf, start, end) => buf.asciiSlice(start, end),
      indexOf: (buf, val, byteOffset, dir) =>
        indexOfBuffer(buf,
                      fromStringFast(val, encodingOps.ascii),
                      byteOffset,
                      encodingsMap.ascii,
                      dir),
    },
    base64: {
      encoding: 'base64',
      encodingVal: encodingsMap.base64,
      byteLength: (string) => base64ByteLength(string, string.length),
      write: (buf, string, offset, len) => buf.base64Write(string, offset, len),
      slice: (buf, start, end) => buf.base64Slice(start, end),
      indexOf: (buf, val, byteOffset, dir) =>
        indexOfBuffer(buf,
                      fromStringFast(val, encodingOps.base64),
                      byteOffset,
                      encodingsMap.base64,
                      dir),
    },
    base64url: {
      encoding: 'base64url',
      encodingVal: encodingsMap.base64url,
      byteLength: (string) => base64ByteLength(string, string.length),
      write: (buf, string, offset, len) =>
        buf.base64urlWrite(string, offset, len),
      slice: (buf, start, end) => buf.base64urlSlice(start, end),
      indexOf: (buf, val, byteOffset, dir) =>
        indexOfBuffer(buf,
                      fromStringFast(val, encodingOps.base64url),
                      byteOffset,
                      encodingsMap.base64url,
                      dir),
    },
    hex: {
      encoding: 'hex',
      encodingVal: encodingsMap.hex,
      byteLength: (string) => string.length >>> 1,
      write: (buf, string, offset, len) => buf.hexWrite(string, offset, len),
      slice: (buf, start, end) => buf.hexSlice(start, end),
      indexOf: (buf, val, byteOffset, dir) =>
        indexOfBuffer(buf,
                      fromStringFast(val, encodingOps.hex),
                      byteOffset,
                      encodingsMap.hex,
                      dir),
    },
  };
  function getEncodingOps(encoding) {
    encoding += '';
    switch (encoding.length) {
      case 4:
        if (encoding === 'utf8') return encodingOps.utf8;
        if (encoding === 'ucs2') return encodingOps.ucs2;
        encoding = StringPrototypeToLowerCase(encoding);
        if (encoding === 'utf8') return encodingOps.utf8;
        if (encoding === 'ucs2') return encodingOps.ucs2;
        break;
      case 5:
        if (encoding === 'utf-8') return encodingOps.utf8;
        if (encoding === 'ascii') return encodingOps.ascii;
        if (encoding === 'ucs-2') return encodingOps.ucs2;
        encoding = StringPrototypeToLowerCase(encoding);
        if (encoding === 'utf-8') return encodingOps.utf8;
        if (encoding === 'ascii') return encodingOps.ascii;
        if (encoding === 'ucs-2') return encodingOps.ucs2;
        break;
      case 7:
        if (encoding === 'utf16le' ||
            StringPrototypeToLowerCase(encoding) === 'utf16le')
          return encodingOps.utf16le;
        break;
      case 8:
        if (encoding === 'utf-16le' ||
            StringPrototypeToLowerCase(encoding) === 'utf-16le')
          return encodingOps.utf16le;
        break;
      case 6:
        if (encoding === 'latin1' || encoding === 'binary')
          return encodingOps.latin1;
        if (encoding === 'base64') return encodingOps.base64;
        encoding = StringPrototypeToLowerCase(encoding);
        if (encoding === 'latin1' || encoding === 'binary')
          return encodingOps.latin1;
        if (encoding === 'base64') return encodingOps.base64;
        break;
      case 3:
        if (encoding === 'hex' || StringPrototypeToLowerCase(encoding) === 'hex')
          return encodingOps.hex;
        break;
      case 9:
        if (encoding === 'base64url' ||
            StringPrototypeToLowerCase(encoding) === 'base64url')
          return encodingOps.base64url;
        break;
    }
  }

  function byteLength(string, encoding) {
    if (typeof string !== 'string') {
      if (isArrayBufferView(string) || isAnyArrayBuffer(string)) {
        return string.byteLength;
      }

      throw ERR_INVALID_ARG_TYPE(
        'string', ['string', 'Buffer', 'ArrayBuffer'], string,
      );
    }

    const len = string.length;
    if (len === 0)
      return 0;

    if (!encoding || encoding === 'utf8') {
      return byteLengthUtf8(string);
    }

    if (encoding === 'ascii') {
      return len;
    }

    const ops = getEncodingOps(encoding);
    if (ops === undefined) {
      // TODO (ronag): Makes more sense to throw here.
      // throw ERR_UNKNOWN_ENCODING(encoding);
      return byteLengthUtf8(string);
    }

    return ops.byteLength(string);
  }

  Buffer.byteLength = byteLength;

  // For backwards compatibility.
  ObjectDefineProperty(Buffer.prototype, 'parent', {
    __proto__: null,
    enumerable: true,
    get() {
      if (!(this instanceof Buffer))
        return undefined;
      return this.buffer;
    },
  });
  ObjectDefineProperty(Buffer.prototype, 'offset', {
    __proto__: null,
    enumerable: true,
    get() {
      if (!(this instanceof Buffer))
        return undefined;
      return this.byteOffset;
    },
  });

  Buffer.prototype.copy =
    function copy(target, targetStart, sourceStart, sourceEnd) {
      return _copy(this, target, targetStart, sourceStart, sourceEnd);
    };

  // No need to verify that "buf.length <= MAX_UINT32" since it's a read-only
  // property of a typed array.
  // This behaves neither like String nor Uint8Array in that we set start/end
  // to their upper/lower bounds if the value passed is out of range.
  Buffer.prototype.toString = function toString(encoding, start, end) {
    if (arguments.length === 0) {
      return this.utf8Slice(0, this.length);
    }

    const len = this.length;

    if (start <= 0)
      start = 0;
    else if (start >= len)
      return '';
    else
      start = MathTrunc(start) || 0;

    if (end === undefined || end > len)
      end = len;
    else
      end = MathTrunc(end) || 0;

    if (end <= start)
      return '';

    if (encoding === undefined)
      return this.utf8Slice(start, end);

    const ops = getEncodingOps(encoding);
    if (ops === undefined)
      throw ERR_UNKNOWN_ENCODING(encoding);

    return ops.slice(this, start, end);
  };

  Buffer.prototype.equals = function equals(otherBuffer) {
    if (!isUint8Array(otherBuffer)) {
      throw ERR_INVALID_ARG_TYPE(
        'otherBuffer', ['Buffer', 'Uint8Array'], otherBuffer);
    }

    if (this === otherBuffer)
      return true;
    const len = TypedArrayPrototypeGetByteLength(this);
    if (len !== TypedArrayPrototypeGetByteLength(otherBuffer))
      return false;

    return len === 0 || _compare(this, otherBuffer) === 0;
  };

  let INSPECT_MAX_BYTES = 50;
  // Override how buffers are presented by util.inspect().
  // The inspector gets (depth, options, inspect) from util.inspect (js/inspect.js passes its own).
  Buffer.prototype[customInspectSymbol] = function inspect(recurseTimes, ctx, inspectFn) {
    const utilInspect = typeof inspectFn === "function" ? inspectFn : internals.inspect;
    const max = INSPECT_MAX_BYTES;
    const actualMax = MathMin(max, this.length);
    const remaining = this.length - max;
    let str = StringPrototypeTrim(RegExpPrototypeSymbolReplace(
      /(.{2})/g, this.hexSlice(0, actualMax), '$1 '));
    if (remaining > 0)
      str += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
    // Inspect special properties as well, if possible.
    if (ctx && typeof utilInspect === "function") {
      let extras = false;
      const filter = ctx.showHidden ? ALL_PROPERTIES : ONLY_ENUMERABLE;
      const obj = { __proto__: null };
      ArrayPrototypeForEach(getOwnNonIndexProperties(this, filter),
                            (key) => {
                              extras = true;
                              obj[key] = this[key];
                            });
      if (extras) {
        if (this.length !== 0)
          str += ', ';
        // '[Object: null prototype] {'.length === 26
        // This is guarded with a test.
        str += StringPrototypeSlice(utilInspect(obj, {
          ...ctx,
          breakLength: Infinity,
          compact: true,
        }), 27, -2);
      }
    }
    return `<${this.constructor.name} ${str}>`;
  };
  Buffer.prototype.inspect = Buffer.prototype[customInspectSymbol];

  Buffer.prototype.compare = function compare(target,
                                              targetStart,
                                              targetEnd,
                                              sourceStart,
                                              sourceEnd) {
    if (!isUint8Array(target)) {
      throw ERR_INVALID_ARG_TYPE('target', ['Buffer', 'Uint8Array'], target);
    }
    if (arguments.length === 1)
      return _compare(this, target);

    if (targetStart === undefined)
      targetStart = 0;
    else
      validateOffset(targetStart, 'targetStart');

    if (targetEnd === undefined)
      targetEnd = target.length;
    else
      validateOffset(targetEnd, 'targetEnd', 0, target.length);

    if (sourceStart === undefined)
      sourceStart = 0;
    else
      validateOffset(sourceStart, 'sourceStart');

    if (sourceEnd === undefined)
      sourceEnd = this.length;
    else
      validateOffset(sourceEnd, 'sourceEnd', 0, this.length);

    if (sourceStart >= sourceEnd)
      return (targetStart >= targetEnd ? 0 : -1);
    if (targetStart >= targetEnd)
      return 1;

    return compareOffset(this, target, targetStart, sourceStart, targetEnd,
                         sourceEnd);
  };

  // Finds either the first index of `val` in `buffer` at offset >= `byteOffset`,
  // OR the last index of `val` in `buffer` at offset <= `byteOffset`.
  //
  // Arguments:
  // - buffer - a Buffer to search
  // - val - a string, Buffer, or number
  // - byteOffset - an index into `buffer`; will be clamped to an int32
  // - encoding - an optional encoding, relevant if val is a string
  // - dir - true for indexOf, false for lastIndexOf
  function bidirectionalIndexOf(buffer, val, byteOffset, encoding, dir) {
    validateBuffer(buffer);

    if (typeof byteOffset === 'string') {
      encoding = byteOffset;
      byteOffset = undefined;
    } else if (byteOffset > 0x7fffffff) {
      byteOffset = 0x7fffffff;
    } else if (byteOffset < -0x80000000) {
      byteOffset = -0x80000000;
    }
    // Coerce to Number. Values like null and [] become 0.
    byteOffset = +byteOffset;
    // If the offset is undefined, "foo", {}, coerces to NaN, search whole buffer.
    if (NumberIsNaN(byteOffset)) {
      byteOffset = dir ? 0 : (buffer.length || buffer.byteLength);
    }
    dir = !!dir;  // Cast to bool.

    if (typeof val === 'number')
      return indexOfNumber(buffer, val >>> 0, byteOffset, dir);

    let ops;
    if (encoding === undefined)
      ops = encodingOps.utf8;
    else
      ops = getEncodingOps(encoding);

    if (typeof val === 'string') {
      if (ops === undefined)
        throw ERR_UNKNOWN_ENCODING(encoding);
      return ops.indexOf(buffer, val, byteOffset, dir);
    }

    if (isUint8Array(val)) {
      const encodingVal =
        (ops === undefined ? encodingsMap.utf8 : ops.encodingVal);
      return indexOfBuffer(buffer, val, byteOffset, encodingVal, dir);
    }

    throw ERR_INVALID_ARG_TYPE(
      'value', ['number', 'string', 'Buffer', 'Uint8Array'], val,
    );
  }

  Buffer.prototype.indexOf = function indexOf(val, byteOffset, encoding) {
    return bidirectionalIndexOf(this, val, byteOffset, encoding, true);
  };

  Buffer.prototype.lastIndexOf = function lastIndexOf(val, byteOffset, encoding) {
    return bidirectionalIndexOf(this, val, byteOffset, encoding, false);
  };

  Buffer.prototype.includes = function includes(val, byteOffset, encoding) {
    return this.indexOf(val, byteOffset, encoding) !== -1;
  };

  // Usage:
  //    buffer.fill(number[, offset[, end]])
  //    buffer.fill(buffer[, offset[, end]])
  //    buffer.fill(string[, offset[, end]][, encoding])
  Buffer.prototype.fill = function fill(value, offset, end, encoding) {
    return _fill(this, value, offset, end, encoding);
  };

  function _fill(buf, value, offset, end, encoding) {
    if (typeof value === 'string') {
      if (offset === undefined || typeof offset === 'string') {
        encoding = offset;
        offset = 0;
        end = buf.length;
      } else if (typeof end === 'string') {
        encoding = end;
        end = buf.length;
      }

      const normalizedEncoding = normalizeEncoding(encoding);
      if (normalizedEncoding === undefined) {
        validateString(encoding, 'encoding');
        throw ERR_UNKNOWN_ENCODING(encoding);
      }

      if (value.length === 0) {
        // If value === '' default to zero.
        value = 0;
      } else if (value.length === 1) {
        // Fast path: If `value` fits into a single byte, use that numeric value.
        if (normalizedEncoding === 'utf8') {
          const code = StringPrototypeCharCodeAt(value, 0);
          if (code < 128) {
            value = code;
          }
        } else if (normalizedEncoding === 'latin1') {
          value = StringPrototypeCharCodeAt(value, 0);
        }
      }
    } else {
      encoding = undefined;
    }

    if (offset === undefined) {
      offset = 0;
      end = buf.length;
    } else {
      validateOffset(offset, 'offset');
      // Invalid ranges are not set to a default, so can range check early.
      if (end === undefined) {
        end = buf.length;
      } else {
        validateOffset(end, 'end', 0, buf.length);
      }
      if (offset >= end)
        return buf;
    }


    if (typeof value === 'number') {
      // OOB check
      const byteLen = TypedArrayPrototypeGetByteLength(buf);
      const fillLength = end - offset;
      if (offset > end || fillLength + offset > byteLen)
        throw ERR_BUFFER_OUT_OF_BOUNDS();

      TypedArrayPrototypeFill(buf, value, offset, end);
    } else {
      const res = bindingFill(buf, value, offset, end, encoding);
      if (res < 0) {
        if (res === -1)
          throw ERR_INVALID_ARG_VALUE('value', value);
        throw ERR_BUFFER_OUT_OF_BOUNDS();
      }
    }

    return buf;
  }

  Buffer.prototype.write = function write(string, offset, length, encoding) {
    // Buffer#write(string);
    if (offset === undefined) {
      return this.utf8Write(string, 0, this.length);
    }
    // Buffer#write(string, encoding)
    if (length === undefined && typeof offset === 'string') {
      encoding = offset;
      length = this.length;
      offset = 0;

    // Buffer#write(string, offset[, length][, encoding])
    } else {
      validateOffset(offset, 'offset', 0, this.length);

      const remaining = this.length - offset;

      if (length === undefined) {
        length = remaining;
      } else if (typeof length === 'string') {
        encoding = length;
        length = remaining;
      } else {
        validateOffset(length, 'length', 0, this.length);
        if (length > remaining)
          length = remaining;
      }
    }

    if (!encoding || encoding === 'utf8')
      return this.utf8Write(string, offset, length);
    if (encoding === 'ascii')
      return this.asciiWrite(string, offset, length);

    const ops = getEncodingOps(encoding);
    if (ops === undefined)
      throw ERR_UNKNOWN_ENCODING(encoding);
    return ops.write(this, string, offset, length);
  };

  Buffer.prototype.toJSON = function toJSON() {
    if (this.length > 0) {
      const data = new Array(this.length);
      for (let i = 0; i < this.length; ++i)
        data[i] = this[i];
      return { type: 'Buffer', data };
    }
    return { type: 'Buffer', data: [] };
  };

  function adjustOffset(offset, length) {
    // Use Math.trunc() to convert offset to an integer value that can be larger
    // than an Int32. Hence, don't use offset | 0 or similar techniques.
    offset = MathTrunc(offset);
    if (offset === 0) {
      return 0;
    }
    if (offset < 0) {
      offset += length;
      return offset > 0 ? offset : 0;
    }
    if (offset < length) {
      return offset;
    }
    return NumberIsNaN(offset) ? 0 : length;
  }

  Buffer.prototype.subarray = function subarray(start, end) {
    const srcLength = this.length;
    start = adjustOffset(start, srcLength);
    end = end !== undefined ? adjustOffset(end, srcLength) : srcLength;
    const newLength = end > start ? end - start : 0;
    return new FastBuffer(this.buffer, this.byteOffset + start, newLength);
  };

  Buffer.prototype.slice = function slice(start, end) {
    return this.subarray(start, end);
  };

  function swap(b, n, m) {
    const i = b[n];
    b[n] = b[m];
    b[m] = i;
  }

  Buffer.prototype.swap16 = function swap16() {
    // For Buffer.length < 128, it's generally faster to
    // do the swap in javascript. For larger buffers,
    // dropping down to the native code is faster.
    const len = this.length;
    if (len % 2 !== 0)
      throw ERR_INVALID_BUFFER_SIZE('16-bits');
    if (len < 128) {
      for (let i = 0; i < len; i += 2)
        swap(this, i, i + 1);
      return this;
    }
    return _swap16(this);
  };

  Buffer.prototype.swap32 = function swap32() {
    // For Buffer.length < 192, it's generally faster to
    // do the swap in javascript. For larger buffers,
    // dropping down to the native code is faster.
    const len = this.length;
    if (len % 4 !== 0)
      throw ERR_INVALID_BUFFER_SIZE('32-bits');
    if (len < 192) {
      for (let i = 0; i < len; i += 4) {
        swap(this, i, i + 3);
        swap(this, i + 1, i + 2);
      }
      return this;
    }
    return _swap32(this);
  };

  Buffer.prototype.swap64 = function swap64() {
    // For Buffer.length < 192, it's generally faster to
    // do the swap in javascript. For larger buffers,
    // dropping down to the native code is faster.
    const len = this.length;
    if (len % 8 !== 0)
      throw ERR_INVALID_BUFFER_SIZE('64-bits');
    if (len < 192) {
      for (let i = 0; i < len; i += 8) {
        swap(this, i, i + 7);
        swap(this, i + 1, i + 6);
        swap(this, i + 2, i + 5);
        swap(this, i + 3, i + 4);
      }
      return this;
    }
    return _swap64(this);
  };

  Buffer.prototype.toLocaleString = Buffer.prototype.toString;

  // transcode(), as Node's ICU-backed one does it for the encodings it knows: characters the
  // target cannot hold become '?'.
  const transcodeEncodings = { __proto__: null, ascii: 0x7f, latin1: 0xff, utf16le: -1, utf8: -1 };
  function transcode(source, fromEncoding, toEncoding) {
    if (!isUint8Array(source)) {
      throw ERR_INVALID_ARG_TYPE('source', ['Buffer', 'Uint8Array'], source);
    }
    if (source.length === 0) return Buffer.alloc(0);
    fromEncoding = normalizeEncoding(fromEncoding) || fromEncoding;
    toEncoding = normalizeEncoding(toEncoding) || toEncoding;
    if (!(fromEncoding in transcodeEncodings) || !(toEncoding in transcodeEncodings)) {
      const err = new Error('Unable to transcode Buffer [U_ILLEGAL_ARGUMENT_ERROR]');
      err.code = 'U_ILLEGAL_ARGUMENT_ERROR';
      err.errno = 1;
      throw err;
    }
    const from = fromEncoding === 'ascii' ? 'latin1' : fromEncoding;
    let string = FastBuffer.prototype.toString.call(source, from);
    const max = transcodeEncodings[toEncoding];
    if (max > 0) {
      string = RegExpPrototypeSymbolReplace(max === 0x7f ? /[^\x00-\x7f]/g : /[^\x00-\xff]/g,
        string, '?');
    }
    return Buffer.from(string, toEncoding);
  }

  function btoa(input) {
    if (arguments.length === 0) {
      throw ERR_MISSING_ARGS('input');
    }
    input = `${input}`;
    for (let i = 0; i < input.length; i++) {
      if (StringPrototypeCharCodeAt(input, i) > 0xff) {
        throw lazyDOMException('Invalid character', 'InvalidCharacterError');
      }
    }
    const bytes = new Uint8Array(input.length);
    writeLatin1Into(bytes, input, 0, input.length);
    return core.base64Encode(bytes);
  }

  function atob(input) {
    if (arguments.length === 0) {
      throw ERR_MISSING_ARGS('input');
    }
    input = `${input}`;
    let bytes;
    try {
      bytes = core.base64Decode(input, true);
    } catch {
      if (/[^A-Za-z0-9+/=\t\n\f\r ]/.test(input)) {
        throw lazyDOMException('Invalid character', 'InvalidCharacterError');
      }
      throw lazyDOMException('The string to be decoded is not correctly encoded.',
                             'InvalidCharacterError');
    }
    return core.latin1Decode(bytes);
  }

  function isUtf8(input) {
    if (isTypedArray(input) || isAnyArrayBuffer(input)) {
      return bindingIsUtf8(input);
    }

    throw ERR_INVALID_ARG_TYPE('input', ['ArrayBuffer', 'Buffer', 'TypedArray'], input);
  }

  function isAscii(input) {
    if (isTypedArray(input) || isAnyArrayBuffer(input)) {
      return bindingIsAscii(input);
    }

    throw ERR_INVALID_ARG_TYPE('input', ['ArrayBuffer', 'Buffer', 'TypedArray'], input);
  }

  // ---- exports -------------------------------------------------------------------------
  const bufferModule = {
    Buffer,
    SlowBuffer,
    transcode,
    isUtf8,
    isAscii,
    kMaxLength,
    kStringMaxLength,
    btoa,
    atob,
  };
  ObjectDefineProperties(bufferModule, {
    constants: {
      __proto__: null,
      configurable: false,
      enumerable: true,
      value: constants,
    },
    INSPECT_MAX_BYTES: {
      __proto__: null,
      configurable: true,
      enumerable: true,
      get() { return INSPECT_MAX_BYTES; },
      set(val) {
        validateNumber(val, "INSPECT_MAX_BYTES", 0);
        INSPECT_MAX_BYTES = val;
      },
    },
  });
  // Blob and File come from the web globals; resolveObjectURL has no object URLs to resolve.
  for (const name of ["Blob", "File"]) {
    ObjectDefineProperty(bufferModule, name, {
      __proto__: null,
      configurable: true,
      enumerable: true,
      get() { return global[name]; },
      set(value) {
        ObjectDefineProperty(bufferModule, name, {
          __proto__: null, value, writable: true, configurable: true, enumerable: true,
        });
      },
    });
  }
  bufferModule.resolveObjectURL = function resolveObjectURL(url) {
    url = `${url}`;
    return undefined;
  };

  ObjectDefineProperty(global, "Buffer", {
    value: Buffer, writable: true, enumerable: false, configurable: true,
  });
  internals.nodeModules = internals.nodeModules || Object.create(null);
  internals.nodeModules.buffer = bufferModule;
  internals.Buffer = Buffer;
  internals.FastBuffer = FastBuffer;
});
