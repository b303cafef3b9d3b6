// url_search_params.js — owns: the URLSearchParams global, and the hooks that link one to a URL (internals.newLinkedSearchParams, internals.resetSearchParams, internals.makeSearchParams).
// Evaluates to a function the host calls as fn(core, global, internals). A port of Node 20's
// URLSearchParams (lib/internal/url.js, lib/internal/querystring.js; MIT): the list is a flat
// [name, value, name, value, ...] array; parsing and serializing follow the WHATWG
// application/x-www-form-urlencoded rules.
// Linking: internals.newLinkedSearchParams(query, onUpdate) makes a URLSearchParams whose
// every mutation (append, delete, set, sort) calls onUpdate(serialized) — the URL then sets its
// query to that ("" meaning no query); internals.resetSearchParams(params, query) re-parses the
// list when the URL's search changes; internals.makeSearchParams(url) links one to any object
// with a `search` accessor.
(function (core, global, internals) {
  "use strict";

  // Node-style errors (`code` property, "Name [CODE]: message"): js/node_errors.js.
  internals.load?.("node_errors");
  const errors = internals.nodeErrors;

  function define(obj, name, value) {
    Object.defineProperty(obj, name, { value, writable: true, enumerable: false, configurable: true });
  }
  const customInspectSymbol = Symbol.for("nodejs.util.inspect.custom");
  const kEnumerableProperty = { __proto__: null, enumerable: true };
  const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
  const stringToWellFormed = String.prototype.toWellFormed;
  const toWellFormed = typeof stringToWellFormed === "function"
    ? (s) => Reflect.apply(stringToWellFormed, s, [])
    : (s) => `${s}`.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
  const utf8Decode = typeof core.utf8Decode === "function"
    ? (u8) => core.utf8Decode(u8, false)
    : (u8) => new global.TextDecoder("utf-8", { ignoreBOM: true }).decode(u8);

  function invalidThis() {
    return errors.invalidThis("URLSearchParams");
  }
  function invalidTuple() {
    return errors.makeError(TypeError, "ERR_INVALID_TUPLE",
      "Each query pair must be an iterable [name, value] tuple");
  }

  // ---- application/x-www-form-urlencoded -----------------------------------------------
  const hexTable = new Array(256);
  for (let i = 0; i < 256; ++i) hexTable[i] = "%" + ((i < 16 ? "0" : "") + i.toString(16)).toUpperCase();
  const isHexTable = new Int8Array(256);
  for (const c of "0123456789ABCDEFabcdef") isHexTable[c.charCodeAt(0)] = 1;
  // Not escaped: ASCII alphanumerics, '*', '-', '.', '_'.
  const noEscape = new Int8Array(128);
  for (const c of "*-._0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
    noEscape[c.charCodeAt(0)] = 1;
  }
  // Space becomes '+'.
  const paramHexTable = hexTable.slice();
  paramHexTable[0x20] = "+";

  // Percent-decoding of a string as UTF-8 bytes: decodeURIComponent when the string allows
  // it, else byte by byte ('%' without two hex digits stays; bad UTF-8 becomes U+FFFD).
  function unescape(s) {
    try {
      return decodeURIComponent(s);
    } catch {
      const bytes = core.utf8Encode(s);
      const out = new Uint8Array(bytes.length);
      let n = 0;
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i];
        if (b === 0x25 && i + 2 < bytes.length && isHexTable[bytes[i + 1]] === 1 &&
            isHexTable[bytes[i + 2]] === 1) {
          out[n++] = parseInt(String.fromCharCode(bytes[i + 1], bytes[i + 2]), 16);
          i += 2;
        } else {
          out[n++] = b;
        }
      }
      return utf8Decode(out.subarray(0, n));
    }
  }

  // Ref: https://url.spec.whatwg.org/#concept-urlencoded-parser
  function parseParams(qs) {
    const out = [];
    let seenSep = false;
    let buf = "";
    let encoded = false;
    let encodeCheck = 0;
    let i = qs[0] === "?" ? 1 : 0;
    let pairStart = i;
    let lastPos = i;
    for (; i < qs.length; ++i) {
      const code = qs.charCodeAt(i);
      // Key/value pair separator.
      if (code === 0x26 /* & */) {
        if (pairStart === i) {
          // An empty sequence between separators.
          lastPos = pairStart = i + 1;
          continue;
        }
        if (lastPos < i) buf += qs.slice(lastPos, i);
        if (encoded) buf = unescape(buf);
        out.push(buf);
        // `buf` was the name: the value is empty.
        if (!seenSep) out.push("");
        seenSep = false;
        buf = "";
        encoded = false;
        encodeCheck = 0;
        lastPos = pairStart = i + 1;
        continue;
      }
      // The first '=' separates name and value.
      if (!seenSep && code === 0x3d /* = */) {
        if (lastPos < i) buf += qs.slice(lastPos, i);
        if (encoded) buf = unescape(buf);
        out.push(buf);
        seenSep = true;
        buf = "";
        encoded = false;
        encodeCheck = 0;
        lastPos = i + 1;
        continue;
      }
      // '+' is a space; note whether a valid %XX occurs, to decode only then.
      if (code === 0x2b /* + */) {
        if (lastPos < i) buf += qs.slice(lastPos, i);
        buf += " ";
        lastPos = i + 1;
      } else if (!encoded) {
        if (code === 0x25 /* % */) {
          encodeCheck = 1;
        } else if (encodeCheck > 0) {
          if (isHexTable[code] === 1) {
            if (++encodeCheck === 3) encoded = true;
          } else {
            encodeCheck = 0;
          }
        }
      }
    }
    // A trailing '&': nothing left.
    if (pairStart === i) return out;
    if (lastPos < i) buf += qs.slice(lastPos, i);
    if (encoded) buf = unescape(buf);
    out.push(buf);
    if (!seenSep) out.push("");
    return out;
  }

  // The strings are well-formed (USVString), so surrogates come in pairs.
  function encodeStr(str) {
    const len = str.length;
    if (len === 0) return "";
    let out = "";
    let lastPos = 0;
    let i = 0;
    outer:
    for (; i < len; i++) {
      let c = str.charCodeAt(i);
      // ASCII
      while (c < 0x80) {
        if (noEscape[c] !== 1) {
          if (lastPos < i) out += str.slice(lastPos, i);
          lastPos = i + 1;
          out += paramHexTable[c];
        }
        if (++i === len) break outer;
        c = str.charCodeAt(i);
      }
      if (lastPos < i) out += str.slice(lastPos, i);
      // Multi-byte characters
      if (c < 0x800) {
        lastPos = i + 1;
        out += hexTable[0xc0 | (c >> 6)] + hexTable[0x80 | (c & 0x3f)];
        continue;
      }
      if (c < 0xd800 || c >= 0xe000) {
        lastPos = i + 1;
        out += hexTable[0xe0 | (c >> 12)] + hexTable[0x80 | ((c >> 6) & 0x3f)] +
          hexTable[0x80 | (c & 0x3f)];
        continue;
      }
      // Surrogate pair
      ++i;
      const c2 = i < len ? str.charCodeAt(i) & 0x3ff : 0x3fd;
      lastPos = i + 1;
      c = 0x10000 + (((c & 0x3ff) << 10) | c2);
      out += hexTable[0xf0 | (c >> 18)] + hexTable[0x80 | ((c >> 12) & 0x3f)] +
        hexTable[0x80 | ((c >> 6) & 0x3f)] + hexTable[0x80 | (c & 0x3f)];
    }
    if (lastPos === 0) return str;
    if (lastPos < len) return out + str.slice(lastPos);
    return out;
  }

  // Ref: https://url.spec.whatwg.org/#concept-urlencoded-serializer
  function serializeParams(array) {
    const len = array.length;
    if (len === 0) return "";
    let output = `${encodeStr(array[0])}=${encodeStr(array[1])}`;
    for (let i = 2; i < len; i += 2) output += `&${encodeStr(array[i])}=${encodeStr(array[i + 1])}`;
    return output;
  }

  // For sort(): a stable merge of two runs of [name, value] pairs.
  function merge(out, start, mid, end, lBuffer, rBuffer) {
    const sizeLeft = mid - start;
    const sizeRight = end - mid;
    let l, r, o;
    for (l = 0; l < sizeLeft; l++) lBuffer[l] = out[start + l];
    for (r = 0; r < sizeRight; r++) rBuffer[r] = out[mid + r];
    l = 0;
    r = 0;
    o = start;
    while (l < sizeLeft && r < sizeRight) {
      if (lBuffer[l] <= rBuffer[r]) {
        out[o++] = lBuffer[l++];
        out[o++] = lBuffer[l++];
      } else {
        out[o++] = rBuffer[r++];
        out[o++] = rBuffer[r++];
      }
    }
    while (l < sizeLeft) out[o++] = lBuffer[l++];
    while (r < sizeRight) out[o++] = rBuffer[r++];
  }

  function removeColors(str) {
    return str.replace(/\u001b\[\d\d?m/g, "");
  }
  function inspectWith(inspect, value, opts) {
    if (typeof inspect === "function") return inspect(value, opts);
    if (typeof internals.inspect === "function") return internals.inspect(value, opts);
    if (Array.isArray(value)) return `[ ${value.map((v) => inspectWith(undefined, v, opts)).join(", ")} ]`;
    return typeof value === "string" ? `'${value}'` : String(value);
  }

  // ---- URLSearchParams -----------------------------------------------------------------
  let getList;

  class URLSearchParamsIterator {
    #target;
    #kind;
    #index;

    constructor(target, kind) {
      this.#target = target;
      this.#kind = kind;
      this.#index = 0;
    }

    next() {
      if (typeof this !== "object" || this === null || !(#target in this)) {
        throw errors.invalidThis("URLSearchParamsIterator");
      }
      const index = this.#index;
      const values = getList(this.#target);
      if (index >= values.length) return { value: undefined, done: true };
      const name = values[index];
      const value = values[index + 1];
      this.#index = index + 2;
      let result;
      if (this.#kind === "key") result = name;
      else if (this.#kind === "value") result = value;
      else result = [name, value];
      return { value: result, done: false };
    }

    [customInspectSymbol](recurseTimes, ctx, inspect) {
      if (!this || typeof this !== "object" || !(#target in this)) {
        throw errors.invalidThis("URLSearchParamsIterator");
      }
      if (typeof recurseTimes === "number" && recurseTimes < 0) {
        return ctx?.stylize ? ctx.stylize("[Object]", "special") : "[Object]";
      }
      const innerOpts = { ...ctx };
      if (recurseTimes !== null) innerOpts.depth = recurseTimes - 1;
      const index = this.#index;
      const values = getList(this.#target);
      const output = [];
      values.slice(index).forEach((cur, i) => {
        const key = i % 2 === 0;
        if (this.#kind === "key" && key) output.push(cur);
        else if (this.#kind === "value" && !key) output.push(cur);
        else if (this.#kind === "key+value" && !key) output.push([values[index + i - 1], cur]);
      });
      const breakLn = inspectWith(inspect, output, innerOpts).includes("\n");
      const outputStrs = output.map((p) => inspectWith(inspect, p, innerOpts));
      const outputStr = breakLn ? `\n  ${outputStrs.join(",\n  ")}` : ` ${outputStrs.join(", ")}`;
      return `${this[Symbol.toStringTag]} {${outputStr} }`;
    }
  }
  delete URLSearchParamsIterator.prototype.constructor;
  Object.setPrototypeOf(URLSearchParamsIterator.prototype, IteratorPrototype);
  Object.defineProperties(URLSearchParamsIterator.prototype, {
    [Symbol.toStringTag]: { __proto__: null, configurable: true, value: "URLSearchParams Iterator" },
    next: kEnumerableProperty,
  });

  let setOnUpdate;
  let setList;

  class URLSearchParams {
    #searchParams = [];
    // The associated URL's update steps, when linked to one.
    #onUpdate;

    static {
      getList = (obj) => obj.#searchParams;
      setList = (obj, query) => {
        obj.#searchParams = query ? parseParams(query) : [];
      };
      setOnUpdate = (obj, onUpdate) => {
        obj.#onUpdate = onUpdate;
      };
    }

    #update() {
      if (this.#onUpdate !== undefined) this.#onUpdate(serializeParams(this.#searchParams));
    }

    // `init` defaults to undefined, not "", so that URLSearchParams.length is 0.
    constructor(init = undefined) {
      if (init == null) {
        // Nothing to add.
      } else if (typeof init === "object" || typeof init === "function") {
        const method = init[Symbol.iterator];
        if (method === this[Symbol.iterator] && #searchParams in init) {
          // Another URLSearchParams: copy its list.
          this.#searchParams = init.#searchParams.slice();
        } else if (method != null) {
          // sequence<sequence<USVString>>
          if (typeof method !== "function") {
            throw errors.makeError(TypeError, "ERR_ARG_NOT_ITERABLE", "Query pairs must be iterable");
          }
          for (const pair of init) {
            if (pair == null) {
              throw invalidTuple();
            } else if (Array.isArray(pair)) {
              if (pair.length !== 2) throw invalidTuple();
              this.#searchParams.push(toWellFormed(`${pair[0]}`), toWellFormed(`${pair[1]}`));
            } else {
              if ((typeof pair !== "object" && typeof pair !== "function") ||
                  typeof pair[Symbol.iterator] !== "function") {
                throw invalidTuple();
              }
              let length = 0;
              for (const element of pair) {
                length++;
                this.#searchParams.push(toWellFormed(`${element}`));
              }
              if (length !== 2) throw invalidTuple();
            }
          }
        } else {
          // record<USVString, USVString>
          const visited = new Map();
          const keys = Reflect.ownKeys(init);
          for (let i = 0; i < keys.length; i++) {
            const key = keys[i];
            const desc = Reflect.getOwnPropertyDescriptor(init, key);
            if (desc !== undefined && desc.enumerable) {
              const typedKey = toWellFormed(key);
              const typedValue = toWellFormed(`${init[key]}`);
              // Two keys may be the same USVString: the later one wins.
              const keyIdx = visited.get(typedKey);
              if (keyIdx !== undefined) {
                this.#searchParams[keyIdx] = typedValue;
              } else {
                visited.set(typedKey, this.#searchParams.push(typedKey, typedValue) - 1);
              }
            }
          }
        }
      } else {
        init = toWellFormed(`${init}`);
        this.#searchParams = init ? parseParams(init) : [];
      }
    }

    [customInspectSymbol](recurseTimes, ctx, inspect) {
      if (typeof this !== "object" || this === null || !(#searchParams in this)) throw invalidThis();
      if (typeof recurseTimes === "number" && recurseTimes < 0) {
        return ctx?.stylize ? ctx.stylize("[Object]", "special") : "[Object]";
      }
      const separator = ", ";
      const innerOpts = { ...ctx };
      if (recurseTimes !== null) innerOpts.depth = recurseTimes - 1;
      const innerInspect = (v) => inspectWith(inspect, v, innerOpts);
      const list = this.#searchParams;
      const output = [];
      for (let i = 0; i < list.length; i += 2) {
        output.push(`${innerInspect(list[i])} => ${innerInspect(list[i + 1])}`);
      }
      const length = output.reduce((prev, cur) => prev + removeColors(cur).length + separator.length,
        -separator.length);
      if (length > (ctx?.breakLength ?? 80)) {
        return `${this.constructor.name} {\n  ${output.join(",\n  ")} }`;
      } else if (output.length) {
        return `${this.constructor.name} { ${output.join(separator)} }`;
      }
      return `${this.constructor.name} {}`;
    }

    get size() {
      if (typeof this !== "object" || this === null || !(#searchParams in this)) throw invalidThis();
      return this.#searchParams.length / 2;
    }

    append(name, value) {
      if (typeof this !== "object" || this === null || !(#searchParams in this)) throw invalidThis();
      if (arguments.length < 2) throw errors.missingArgs("name", "value");
      name = toWellFormed(`${name}`);
      value = toWellFormed(`${value}`);
      this.#searchParams.push(name, value);
      this.#update();
    }

    delete(name, value = undefined) {
      if (typeof this !== "object" || this === null || !(#searchParams in this)) throw invalidThis();
      if (arguments.length < 1) throw errors.missingArgs("name");
      const list = this.#searchParams;
      name = toWellFormed(`${name}`);
      if (value !== undefined) {
        value = toWellFormed(`${value}`);
        for (let i = 0; i < list.length;) {
          if (list[i] === name && list[i + 1] === value) list.splice(i, 2);
          else i += 2;
        }
      } else {
        for (let i = 0; i < list.length;) {
          if (list[i] === name) list.splice(i, 2);
          else i += 2;
        }
      }
      this.#update();
    }

    get(name) {
      if (typeof this !== "object" || this === null || !(#searchParams in this)) throw invalidThis();
      if (arguments.length < 1) throw errors.missingArgs("name");
      const list = this.#searchParams;
      name = toWellFormed(`${name}`);
      for (let i = 0; i < list.length; i += 2) {
        if (list[i] === name) return list[i + 1];
      }
      return null;
    }

    getAll(name) {
      if (typeof this !== "object" || this === null || !(#searchParams in this)) throw invalidThis();
      if (arguments.length < 1) throw errors.missingArgs("name");
      const list = this.#searchParams;
      const values = [];
      name = toWellFormed(`${name}`);
      for (let i = 0; i < list.length; i += 2) {
        if (list[i] === name) values.push(list[i + 1]);
      }
      return values;
    }

    has(name, value = undefined) {
      if (typeof this !== "object" || this === null || !(#searchParams in this)) throw invalidThis();
      if (arguments.length < 1) throw errors.missingArgs("name");
      const list = this.#searchParams;
      name = toWellFormed(`${name}`);
      if (value !== undefined) value = toWellFormed(`${value}`);
      for (let i = 0; i < list.length; i += 2) {
        if (list[i] === name && (value === undefined || list[i + 1] === value)) return true;
      }
      return false;
    }

    set(name, value) {
      if (typeof this !== "object" || this === null || !(#searchParams in this)) throw invalidThis();
      if (arguments.length < 2) throw errors.missingArgs("name", "value");
      const list = this.#searchParams;
      name = toWellFormed(`${name}`);
      value = toWellFormed(`${value}`);
      // The first pair named `name` takes the value; the others go.
      let found = false;
      for (let i = 0; i < list.length;) {
        if (list[i] === name) {
          if (!found) {
            list[i + 1] = value;
            found = true;
            i += 2;
          } else {
            list.splice(i, 2);
          }
        } else {
          i += 2;
        }
      }
      if (!found) list.push(name, value);
      this.#update();
    }

    // Stable, by UTF-16 code units of the names.
    sort() {
      if (typeof this !== "object" || this === null || !(#searchParams in this)) throw invalidThis();
      const a = this.#searchParams;
      const len = a.length;
      if (len <= 2) {
        // Nothing to do.
      } else if (len < 100) {
        // Insertion sort.
        for (let i = 2; i < len; i += 2) {
          const curKey = a[i];
          const curVal = a[i + 1];
          let j;
          for (j = i - 2; j >= 0; j -= 2) {
            if (a[j] > curKey) {
              a[j + 2] = a[j];
              a[j + 3] = a[j + 1];
            } else {
              break;
            }
          }
          a[j + 2] = curKey;
          a[j + 3] = curVal;
        }
      } else {
        // Bottom-up merge sort.
        const lBuffer = new Array(len);
        const rBuffer = new Array(len);
        for (let step = 2; step < len; step *= 2) {
          for (let start = 0; start < len - 2; start += 2 * step) {
            const mid = start + step;
            let end = mid + step;
            end = end < len ? end : len;
            if (mid > end) continue;
            merge(a, start, mid, end, lBuffer, rBuffer);
          }
        }
      }
      this.#update();
    }

    // Defined as entries (not [Symbol.iterator]) for its name; the iterator is the same function.
    entries() {
      if (typeof this !== "object" || this === null || !(#searchParams in this)) throw invalidThis();
      return new URLSearchParamsIterator(this, "key+value");
    }

    forEach(callback, thisArg = undefined) {
      if (typeof this !== "object" || this === null || !(#searchParams in this)) throw invalidThis();
      if (typeof callback !== "function") throw errors.invalidArgType("callback", "Function", callback);
      let list = this.#searchParams;
      let i = 0;
      while (i < list.length) {
        const key = list[i];
        const value = list[i + 1];
        callback.call(thisArg, value, key, this);
        // The URL's search may have been replaced meanwhile.
        list = this.#searchParams;
        i += 2;
      }
    }

    keys() {
      if (typeof this !== "object" || this === null || !(#searchParams in this)) throw invalidThis();
      return new URLSearchParamsIterator(this, "key");
    }

    values() {
      if (typeof this !== "object" || this === null || !(#searchParams in this)) throw invalidThis();
      return new URLSearchParamsIterator(this, "value");
    }

    toString() {
      if (typeof this !== "object" || this === null || !(#searchParams in this)) throw invalidThis();
      return serializeParams(this.#searchParams);
    }
  }

  Object.defineProperties(URLSearchParams.prototype, {
    append: kEnumerableProperty,
    delete: kEnumerableProperty,
    get: kEnumerableProperty,
    getAll: kEnumerableProperty,
    has: kEnumerableProperty,
    set: kEnumerableProperty,
    size: kEnumerableProperty,
    sort: kEnumerableProperty,
    entries: kEnumerableProperty,
    forEach: kEnumerableProperty,
    keys: kEnumerableProperty,
    values: kEnumerableProperty,
    toString: kEnumerableProperty,
    [Symbol.toStringTag]: { __proto__: null, configurable: true, value: "URLSearchParams" },
    [Symbol.iterator]: {
      __proto__: null, configurable: true, writable: true, value: URLSearchParams.prototype.entries,
    },
  });

  // ---- linking to a URL ----------------------------------------------------------------
  function stripQuestionMark(query) {
    query = query == null ? "" : `${query}`;
    return query[0] === "?" ? query.slice(1) : query;
  }
  function newLinkedSearchParams(queryString, onUpdate) {
    const params = new URLSearchParams();
    setList(params, stripQuestionMark(queryString));
    if (typeof onUpdate === "function") setOnUpdate(params, onUpdate);
    return params;
  }
  function resetSearchParams(params, queryString) {
    setList(params, stripQuestionMark(queryString));
  }
  function makeSearchParams(url) {
    return newLinkedSearchParams(url.search, (serialized) => {
      url.search = serialized;
    });
  }

  define(global, "URLSearchParams", URLSearchParams);
  Object.assign(internals, {
    URLSearchParams,
    newLinkedSearchParams,
    resetSearchParams,
    makeSearchParams,
    parseSearchParams: parseParams,
    serializeSearchParams: serializeParams,
  });
});
