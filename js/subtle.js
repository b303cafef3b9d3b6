// subtle.js — owns: crypto.subtle (SubtleCrypto) and CryptoKey: digest; HMAC; AES-GCM,
// AES-CBC, AES-CTR and AES-KW; ECDH (P-256, P-384) and X25519;
// ECDSA (P-256, P-384), Ed25519, RSASSA-PKCS1-v1_5 and RSA-PSS signatures; PBKDF2 and
// HKDF; wrapKey/unwrapKey over those; keys in raw, JWK, SPKI and PKCS#8. The keyed work is
// ring's, through the core.subtle* ops (src/runtime/subtle_ops.rs); loaded on first use of
// crypto.subtle or CryptoKey.
(function subtle(core, global, internals) {
  "use strict";

  function define(obj, name, value) {
    Object.defineProperty(obj, name, { value, writable: true, enumerable: false, configurable: true });
  }
  function domError(message, name) {
    return new global.DOMException(message, name);
  }
  const domNames = ["DataError", "OperationError", "NotSupportedError", "InvalidAccessError", "SyntaxError"];
  // An op's named Error as the DOMException WebCrypto specifies.
  function dom(e) {
    if (e instanceof Error && !(e instanceof global.DOMException) && domNames.includes(e.name)) {
      return domError(e.message, e.name);
    }
    return e;
  }
  function toUint8(v, what = "data") {
    if (v instanceof Uint8Array) return v;
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer)) {
      return new Uint8Array(v);
    }
    throw new TypeError(`${what} is not a BufferSource`);
  }
  const copy = (v, what) => toUint8(v, what).slice();
  const base64url = {
    encode: (bytes) => core.base64Encode(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
    decode(s, name) {
      if (typeof s !== "string") throw domError(`the JWK's "${name}" is not a string`, "DataError");
      try {
        return core.base64Decode(s.replace(/-/g, "+").replace(/_/g, "/"));
      } catch {
        throw domError(`the JWK's "${name}" is not base64url`, "DataError");
      }
    },
  };

  // ---- algorithms ----
  const hashes = { "SHA-1": 20, "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 };
  const algorithmNames = ["AES-GCM", "AES-CBC", "AES-CTR", "AES-KW", "HMAC", "ECDSA", "Ed25519",
    "RSASSA-PKCS1-v1_5", "RSA-PSS", "PBKDF2", "HKDF", "ECDH", "X25519",
    "SHA-1", "SHA-256", "SHA-384", "SHA-512"];
  // {name, ...} with its name in WebCrypto's spelling; a string is {name}.
  function normalize(algorithm) {
    const alg = typeof algorithm === "string" ? { name: algorithm } : algorithm;
    if (alg === null || typeof alg !== "object") throw new TypeError("an algorithm is a string or an object with a name");
    const given = `${alg.name}`;
    const name = algorithmNames.find((n) => n.toUpperCase() === given.toUpperCase());
    if (name === undefined) throw domError(`algorithm "${given}" is not supported`, "NotSupportedError");
    return { ...alg, name };
  }
  function hashOf(hash) {
    if (hash === undefined) throw new TypeError("the algorithm needs a hash");
    const name = normalize(hash).name;
    if (!(name in hashes)) throw domError(`"${name}" is not a hash`, "NotSupportedError");
    return name;
  }
  const hmacBlock = (hash) => (hash === "SHA-384" || hash === "SHA-512" ? 128 : 64);
  const signers = ["ECDSA", "Ed25519", "RSASSA-PKCS1-v1_5", "RSA-PSS"];
  // Key agreement: a private key and a peer's public key derive a shared secret.
  const agreers = ["ECDH", "X25519"];
  const isRsa = (name) => name === "RSASSA-PKCS1-v1_5" || name === "RSA-PSS";
  // AES-GCM is ring's, which has no 192-bit key; the other modes take any AES key.
  const aesNames = ["AES-GCM", "AES-CBC", "AES-CTR", "AES-KW"];
  const aesBits = (name) => (name === "AES-GCM" ? [128, 256] : [128, 192, 256]);
  const usagesOf = {
    "AES-GCM": { secret: ["encrypt", "decrypt", "wrapKey", "unwrapKey"] },
    "AES-CBC": { secret: ["encrypt", "decrypt", "wrapKey", "unwrapKey"] },
    "AES-CTR": { secret: ["encrypt", "decrypt", "wrapKey", "unwrapKey"] },
    "AES-KW": { secret: ["wrapKey", "unwrapKey"] },
    HMAC: { secret: ["sign", "verify"] },
    PBKDF2: { secret: ["deriveBits", "deriveKey"] },
    HKDF: { secret: ["deriveBits", "deriveKey"] },
    ECDSA: { public: ["verify"], private: ["sign"] },
    Ed25519: { public: ["verify"], private: ["sign"] },
    "RSASSA-PKCS1-v1_5": { public: ["verify"], private: ["sign"] },
    "RSA-PSS": { public: ["verify"], private: ["sign"] },
    ECDH: { public: [], private: ["deriveBits", "deriveKey"] },
    X25519: { public: [], private: ["deriveBits", "deriveKey"] },
  };
  // The ring key kind of an asymmetric algorithm.
  function kindOf(alg) {
    if (alg.name === "ECDSA" || alg.name === "ECDH") {
      if (alg.namedCurve !== "P-256" && alg.namedCurve !== "P-384") {
        throw domError(`curve "${alg.namedCurve}" is not supported (P-256, P-384)`, "NotSupportedError");
      }
      return alg.namedCurve;
    }
    return alg.name === "Ed25519" || alg.name === "X25519" ? alg.name : "RSA";
  }

  // ---- CryptoKey ----
  const kMakeKey = Symbol("CryptoKey");
  // key -> {material, public, kind}: a secret's bytes; an asymmetric key's (see
  // subtle_ops.rs) with its public key's.
  const keys = new WeakMap();
  class CryptoKey {
    #type; #algorithm; #extractable; #usages;
    constructor(token, type, algorithm, extractable, usages, inner) {
      if (token !== kMakeKey) throw new TypeError("Illegal constructor");
      keys.set(this, inner);
      this.#type = type;
      this.#algorithm = Object.freeze(algorithm);
      this.#extractable = Boolean(extractable);
      this.#usages = Object.freeze([...usages]);
    }
    get type() { return this.#type; }
    get extractable() { return this.#extractable; }
    get algorithm() { return this.#algorithm; }
    get usages() { return this.#usages; }
  }
  Object.defineProperty(CryptoKey.prototype, Symbol.toStringTag, { value: "CryptoKey", configurable: true });

  const recognizedUsages = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"];
  function makeKey(type, algorithm, extractable, usages, inner, { emptyOk = type === "public" } = {}) {
    const allowed = usagesOf[algorithm.name][type] ?? [];
    const list = [...(usages ?? [])];
    for (const u of list) {
      if (!allowed.includes(u)) throw domError(`a ${type} ${algorithm.name} key cannot be used to ${u}`, "SyntaxError");
    }
    if (list.length === 0 && !emptyOk) throw domError("usages cannot be empty for this key", "SyntaxError");
    // In WebCrypto's order of the recognized usages (its "usage intersection").
    const ordered = recognizedUsages.filter((u) => list.includes(u));
    return new CryptoKey(kMakeKey, type, algorithm, type === "public" ? true : extractable, ordered, inner);
  }
  // A key's inner parts, checked for `alg` and `usage` (null: any).
  function use(key, name, usage) {
    const inner = key instanceof CryptoKey ? keys.get(key) : undefined;
    if (inner === undefined) throw new TypeError("not a CryptoKey");
    if (name !== null && key.algorithm.name !== name) {
      throw domError(`the key is for ${key.algorithm.name}, not ${name}`, "InvalidAccessError");
    }
    if (usage !== null && !key.usages.includes(usage)) {
      throw domError(`the key may not be used to ${usage}`, "InvalidAccessError");
    }
    return inner;
  }

  // An asymmetric key's algorithm as the key shows it.
  function asymmetricAlgorithm(alg, kind, publicBytes) {
    if (alg.name === "ECDSA" || alg.name === "ECDH") return { name: alg.name, namedCurve: kind };
    if (alg.name === "Ed25519" || alg.name === "X25519") return { name: alg.name };
    const [n, e] = core.subtleExportKey("RSA", "jwk", false, publicBytes, publicBytes);
    let bits = n.length * 8;
    for (let b = n[0]; b < 0x80 && bits > 0; b <<= 1) bits--;
    return { name: alg.name, modulusLength: bits, publicExponent: e, hash: { name: hashOf(alg.hash) } };
  }
  function asymmetricKey(alg, kind, [isPrivate, material, publicBytes], extractable, usages) {
    const algorithm = asymmetricAlgorithm(alg, kind, publicBytes);
    return makeKey(isPrivate ? "private" : "public", algorithm, extractable, usages,
      { material, public: publicBytes, kind });
  }

  function secretAlgorithm(alg, bytes) {
    switch (alg.name) {
      case "HMAC": {
        const hash = hashOf(alg.hash);
        const length = alg.length === undefined ? bytes.length * 8 : Number(alg.length);
        if (bytes.length === 0) throw domError("an HMAC key must not be empty", "DataError");
        if (length > bytes.length * 8 || length <= (bytes.length - 1) * 8) {
          throw domError("the HMAC key's length does not match its bytes", "DataError");
        }
        return { name: "HMAC", hash: { name: hash }, length };
      }
      case "AES-GCM":
      case "AES-CBC":
      case "AES-CTR":
      case "AES-KW":
        if (!aesBits(alg.name).includes(bytes.length * 8)) {
          throw domError(`an ${alg.name} key of ${bytes.length * 8} bits is not supported (${aesBits(alg.name).join(", ")})`,
            bytes.length === 24 ? "NotSupportedError" : "DataError");
        }
        return { name: alg.name, length: bytes.length * 8 };
      default:
        return { name: alg.name };
    }
  }
  function secretKey(alg, bytes, extractable, usages) {
    if ((alg.name === "PBKDF2" || alg.name === "HKDF") && extractable) {
      throw domError(`a ${alg.name} key cannot be extractable`, "SyntaxError");
    }
    return makeKey("secret", secretAlgorithm(alg, bytes), extractable, usages, { material: bytes });
  }

  // ---- JWK ----
  const jwkKty = { "P-256": "EC", "P-384": "EC", Ed25519: "OKP", X25519: "OKP", RSA: "RSA" };
  const jwkParts = { "P-256": ["x", "y", "d"], "P-384": ["x", "y", "d"], Ed25519: ["x", "d"], X25519: ["x", "d"],
    RSA: ["n", "e", "d", "p", "q", "dp", "dq", "qi"] };
  const jwkAlg = {
    HMAC: (a) => `HS${a.hash.name.slice(4)}`,
    "AES-GCM": (a) => `A${a.length}GCM`,
    "AES-CBC": (a) => `A${a.length}CBC`,
    "AES-CTR": (a) => `A${a.length}CTR`,
    "AES-KW": (a) => `A${a.length}KW`,
    "RSASSA-PKCS1-v1_5": (a) => `RS${a.hash.name.slice(4)}`,
    "RSA-PSS": (a) => `PS${a.hash.name.slice(4)}`,
  };
  function importJwk(alg, jwk, extractable, usages) {
    if (jwk === null || typeof jwk !== "object") throw new TypeError("a JWK is an object");
    if (jwk.ext === false && extractable) throw domError("the JWK is not extractable", "DataError");
    if (Array.isArray(jwk.key_ops) && usages.some((u) => !jwk.key_ops.includes(u))) {
      throw domError("the usages are not among the JWK's key_ops", "DataError");
    }
    if (usagesOf[alg.name].secret) {
      if (jwk.kty !== "oct") throw domError(`a ${alg.name} JWK has kty "oct"`, "DataError");
      const bytes = base64url.decode(jwk.k, "k");
      const key = secretKey(alg, bytes, extractable, usages);
      if (jwk.alg !== undefined && jwkAlg[alg.name] && jwk.alg !== jwkAlg[alg.name](key.algorithm)) {
        throw domError(`the JWK's alg "${jwk.alg}" does not match the algorithm`, "DataError");
      }
      return key;
    }
    const kind = kindOf(alg);
    const kty = jwkKty[kind];
    if (jwk.kty !== kty) throw domError(`a ${alg.name} JWK has kty "${kty}"`, "DataError");
    if (kty !== "RSA" && jwk.crv !== kind) throw domError(`the JWK's crv is not ${kind}`, "DataError");
    const names = jwkParts[kind];
    const parts = names.map((n) => (jwk[n] === undefined ? undefined : base64url.decode(jwk[n], n)));
    const key = asymmetricKey(alg, kind, dom0(() => core.subtleImportJwk(kind, parts)), extractable, usages);
    if (alg.name === "Ed25519" && jwk.alg !== undefined && jwk.alg !== "Ed25519" && jwk.alg !== "EdDSA") {
      throw domError(`the JWK's alg "${jwk.alg}" is not Ed25519's`, "DataError");
    }
    if (jwk.alg !== undefined && isRsa(alg.name) && jwk.alg !== jwkAlg[alg.name](key.algorithm)) {
      throw domError(`the JWK's alg "${jwk.alg}" does not match the algorithm`, "DataError");
    }
    return key;
  }
  function exportJwk(key) {
    const inner = keys.get(key);
    const a = key.algorithm;
    const jwk = {};
    if (key.type === "secret") {
      if (a.name === "PBKDF2" || a.name === "HKDF") throw domError(`a ${a.name} key cannot be exported`, "NotSupportedError");
      jwk.kty = "oct";
      jwk.k = base64url.encode(inner.material);
    } else {
      const parts = core.subtleExportKey(inner.kind, "jwk", key.type === "private", inner.material, inner.public);
      jwk.kty = jwkKty[inner.kind];
      if (inner.kind !== "RSA") jwk.crv = inner.kind;
      jwkParts[inner.kind].forEach((n, i) => { if (parts[i] !== undefined) jwk[n] = base64url.encode(parts[i]); });
    }
    // ECDSA's JWK has no alg (WebCrypto sets none); Ed25519's is "Ed25519".
    if (jwkAlg[a.name]) jwk.alg = jwkAlg[a.name](a);
    if (a.name === "Ed25519") jwk.alg = "Ed25519";
    jwk.ext = key.extractable;
    jwk.key_ops = [...key.usages];
    return jwk;
  }
  // Runs an op, its named errors as DOMExceptions.
  function dom0(f) {
    try {
      return f();
    } catch (e) {
      throw dom(e);
    }
  }

  // ---- HMAC (over core.hash) ----
  function hmac(hash, key, data) {
    const block = hmacBlock(hash);
    const padded = new Uint8Array(block);
    padded.set(key.length > block ? core.hash(hash, key) : key);
    const inner = new Uint8Array(block + data.length);
    for (let i = 0; i < block; i++) inner[i] = padded[i] ^ 0x36;
    inner.set(data, block);
    const innerHash = core.hash(hash, inner);
    const outer = new Uint8Array(block + innerHash.length);
    for (let i = 0; i < block; i++) outer[i] = padded[i] ^ 0x5c;
    outer.set(innerHash, block);
    return core.hash(hash, outer);
  }
  // Every byte compared, whatever the first difference.
  function equal(a, b) {
    let diff = a.length ^ b.length;
    for (let i = 0; i < a.length; i++) diff |= a[i] ^ (b[i] ?? 0);
    return diff === 0;
  }
  // The hash a signature uses and whether it is RSA-PSS (whose salt ring fixes at the
  // hash's length).
  function signatureParams(alg, key) {
    if (alg.name === "ECDSA") return [hashOf(alg.hash), false];
    if (alg.name === "Ed25519") return ["", false];
    const hash = key.algorithm.hash.name;
    if (alg.name === "RSA-PSS") {
      if (Number(alg.saltLength) !== hashes[hash]) {
        throw domError(`RSA-PSS with ${hash} takes a saltLength of ${hashes[hash]} here`, "NotSupportedError");
      }
    }
    return [hash, alg.name === "RSA-PSS"];
  }

  // A generated ECDH or X25519 pair: the private key derives, the public one does nothing
  // (its usages are empty, as WebCrypto's are).
  function agreementPair(alg, extractable, usages) {
    for (const u of usages) {
      if (u !== "deriveBits" && u !== "deriveKey") throw domError(`a ${alg.name} key cannot be used to ${u}`, "SyntaxError");
    }
    const kind = kindOf(alg);
    const [, pkcs8, publicBytes] = dom0(() => core.subtleGenerateKey(kind));
    const algorithm = asymmetricAlgorithm(alg, kind, publicBytes);
    const privateKey = makeKey("private", algorithm, extractable, usages, { material: pkcs8, public: publicBytes, kind },
      { emptyOk: false });
    const publicKey = makeKey("public", algorithm, true, [], { material: publicBytes, public: publicBytes, kind });
    return { publicKey, privateKey };
  }

  // ECDH's and X25519's bits: the shared secret of the private `baseKey` and the peer's
  // public key, cut to `length` bits (all of it for null).
  function agreedBits(alg, baseKey, length) {
    const inner = use(baseKey, alg.name, null);
    const peer = alg.public;
    const peerInner = peer instanceof CryptoKey ? keys.get(peer) : undefined;
    if (peerInner === undefined) throw new TypeError(`${alg.name}'s public is not a CryptoKey`);
    if (baseKey.type !== "private") throw domError(`the ${alg.name} base key is not a private key`, "InvalidAccessError");
    if (peer.type !== "public") throw domError(`the ${alg.name} peer key is not a public key`, "InvalidAccessError");
    if (peer.algorithm.name !== alg.name || peerInner.kind !== inner.kind) {
      throw domError("the public key is not for the same algorithm and curve", "InvalidAccessError");
    }
    const secret = dom0(() => core.subtleAgree(inner.kind, inner.material, peerInner.public));
    if (length === null || length === undefined) return secret;
    const bits = Number(length);
    if (!Number.isInteger(bits) || bits < 0 || bits > secret.length * 8) {
      throw domError(`${alg.name} derives at most ${secret.length * 8} bits`, "OperationError");
    }
    const out = secret.slice(0, Math.ceil(bits / 8));
    if (bits % 8 !== 0) out[out.length - 1] &= 0xff << (8 - (bits % 8));
    return out;
  }

  function deriveBits(alg, baseKey, length) {
    if (agreers.includes(alg.name)) return agreedBits(alg, baseKey, length);
    const inner = use(baseKey, alg.name, null);
    if (alg.name !== "PBKDF2" && alg.name !== "HKDF") {
      throw domError(`${alg.name} does not derive bits`, "NotSupportedError");
    }
    if (length === null || length === undefined || Number(length) % 8 !== 0) {
      throw domError("the length to derive is a multiple of 8 bits", "OperationError");
    }
    const hash = hashOf(alg.hash);
    const salt = toUint8(alg.salt, "salt");
    const extra = alg.name === "PBKDF2" ? Number(alg.iterations) : toUint8(alg.info, "info");
    return dom0(() => core.subtleDerive(alg.name, hash, inner.material, salt, extra, Number(length) / 8));
  }
  // The bits a derived key of `alg` needs.
  function derivedLength(alg) {
    if (aesNames.includes(alg.name)) return Number(alg.length);
    if (alg.name === "HMAC") return alg.length === undefined ? hmacBlock(hashOf(alg.hash)) * 8 : Number(alg.length);
    throw domError(`a key for ${alg.name} cannot be derived`, "NotSupportedError");
  }

  class SubtleCrypto {
    constructor(token) {
      if (token !== kMakeKey) throw new TypeError("Illegal constructor");
    }

    async digest(algorithm, data) {
      const name = hashOf(algorithm);
      return core.hash(name, toUint8(data)).buffer;
    }

    async importKey(format, keyData, algorithm, extractable, usages) {
      const alg = normalize(algorithm);
      if (!(alg.name in usagesOf)) throw domError(`${alg.name} has no keys`, "NotSupportedError");
      usages = [...(usages ?? [])];
      if (format === "jwk") return importJwk(alg, keyData, extractable, usages);
      if (usagesOf[alg.name].secret) {
        if (format !== "raw") throw domError(`a ${alg.name} key is imported as raw or jwk`, "NotSupportedError");
        return secretKey(alg, copy(keyData, "keyData"), extractable, usages);
      }
      if (format !== "spki" && format !== "pkcs8" && format !== "raw") {
        throw domError(`key format "${format}" is not supported`, "NotSupportedError");
      }
      const kind = kindOf(alg);
      const imported = dom0(() => core.subtleImportKey(kind, format, toUint8(keyData, "keyData")));
      return asymmetricKey(alg, kind, imported, extractable, usages);
    }

    async exportKey(format, key) {
      const inner = use(key, null, null);
      if (!key.extractable) throw domError("the key is not extractable", "InvalidAccessError");
      if (format === "jwk") return exportJwk(key);
      if (key.type === "secret") {
        if (format !== "raw") throw domError(`a secret key is exported as raw or jwk`, "NotSupportedError");
        return inner.material.slice().buffer;
      }
      const [bytes] = dom0(() => core.subtleExportKey(inner.kind, format, key.type === "private", inner.material, inner.public));
      return bytes.buffer;
    }

    async generateKey(algorithm, extractable, usages) {
      const alg = normalize(algorithm);
      usages = [...(usages ?? [])];
      if (alg.name === "HMAC" || aesNames.includes(alg.name)) {
        const bits = alg.name === "HMAC" ? derivedLength(alg) : Number(alg.length);
        if (alg.name !== "HMAC" && !aesBits(alg.name).includes(bits)) {
          throw domError(`an ${alg.name} key of ${bits} bits is not supported (${aesBits(alg.name).join(", ")})`,
            bits === 192 ? "NotSupportedError" : "OperationError");
        }
        const bytes = new Uint8Array(Math.ceil(bits / 8));
        core.randomFill(bytes, false);
        return secretKey({ ...alg, length: bits }, bytes, extractable, usages);
      }
      if (agreers.includes(alg.name)) return agreementPair(alg, extractable, usages);
      if (!signers.includes(alg.name)) throw domError(`${alg.name} keys cannot be generated`, "NotSupportedError");
      const kind = kindOf(alg);
      const [, pkcs8, publicBytes] = dom0(() => core.subtleGenerateKey(kind));
      const algorithm_ = asymmetricAlgorithm(alg, kind, publicBytes);
      const inner = { material: pkcs8, public: publicBytes, kind };
      const privateKey = makeKey("private", algorithm_, extractable, usages.filter((u) => u === "sign"),
        inner, { emptyOk: false });
      for (const u of usages) {
        if (u !== "sign" && u !== "verify") throw domError(`a ${alg.name} key cannot be used to ${u}`, "SyntaxError");
      }
      const publicKey = makeKey("public", algorithm_, true, usages.filter((u) => u === "verify"),
        { material: publicBytes, public: publicBytes, kind });
      return { publicKey, privateKey };
    }

    async sign(algorithm, key, data) {
      const alg = normalize(algorithm);
      const inner = use(key, alg.name, "sign");
      const bytes = toUint8(data);
      if (alg.name === "HMAC") return hmac(key.algorithm.hash.name, inner.material, bytes).buffer;
      if (!signers.includes(alg.name)) throw domError(`${alg.name} does not sign`, "NotSupportedError");
      const [hash, pss] = signatureParams(alg, key);
      return dom0(() => core.subtleSign(inner.kind, hash, pss, inner.material, bytes)).buffer;
    }

    async verify(algorithm, key, signature, data) {
      const alg = normalize(algorithm);
      const inner = use(key, alg.name, "verify");
      const sig = toUint8(signature, "signature");
      const bytes = toUint8(data);
      if (alg.name === "HMAC") return equal(hmac(key.algorithm.hash.name, inner.material, bytes), sig);
      if (!signers.includes(alg.name)) throw domError(`${alg.name} does not verify`, "NotSupportedError");
      const [hash, pss] = signatureParams(alg, key);
      return dom0(() => core.subtleVerify(inner.kind, hash, pss, inner.public, sig, bytes));
    }

    async encrypt(algorithm, key, data) {
      return this.#aes(true, algorithm, key, data, "encrypt");
    }

    async decrypt(algorithm, key, data) {
      return this.#aes(false, algorithm, key, data, "decrypt");
    }

    #aes(encrypt, algorithm, key, data, usage) {
      const alg = normalize(algorithm);
      // AES-KW only wraps keys; the others also encrypt data.
      const wraps = usage === "wrapKey" || usage === "unwrapKey";
      if (!aesNames.includes(alg.name) || (alg.name === "AES-KW" && !wraps)) {
        throw domError(`${alg.name} does not ${usage}`, "NotSupportedError");
      }
      const inner = use(key, alg.name, usage);
      const bytes = toUint8(data);
      switch (alg.name) {
        case "AES-GCM": {
          if (alg.tagLength !== undefined && Number(alg.tagLength) !== 128) {
            throw domError("an AES-GCM tag of 128 bits is supported, no other length", "NotSupportedError");
          }
          const iv = toUint8(alg.iv, "iv");
          const aad = alg.additionalData === undefined ? undefined : toUint8(alg.additionalData, "additionalData");
          return dom0(() => core.subtleAesGcm(encrypt, inner.material, iv, aad, bytes)).buffer;
        }
        case "AES-CBC":
          return dom0(() => core.subtleAes("AES-CBC", encrypt, inner.material, toUint8(alg.iv, "iv"), 0, bytes)).buffer;
        case "AES-CTR": {
          const counter = toUint8(alg.counter, "counter");
          const length = Number(alg.length);
          if (!Number.isInteger(length) || length < 1 || length > 128) {
            throw domError("an AES-CTR length is from 1 to 128 bits", "OperationError");
          }
          return dom0(() => core.subtleAes("AES-CTR", encrypt, inner.material, counter, length, bytes)).buffer;
        }
        default:
          return dom0(() => core.subtleAes("AES-KW", encrypt, inner.material, undefined, 0, bytes)).buffer;
      }
    }

    async deriveBits(algorithm, baseKey, length) {
      const alg = normalize(algorithm);
      use(baseKey, alg.name, "deriveBits");
      return deriveBits(alg, baseKey, length).buffer;
    }

    async deriveKey(algorithm, baseKey, derivedKeyAlgorithm, extractable, usages) {
      const alg = normalize(algorithm);
      use(baseKey, alg.name, "deriveKey");
      const target = normalize(derivedKeyAlgorithm);
      const bits = deriveBits(alg, baseKey, derivedLength(target));
      return secretKey(target, bits, extractable, [...(usages ?? [])]);
    }

    async wrapKey(format, key, wrappingKey, wrapAlgorithm) {
      use(wrappingKey, null, "wrapKey");
      const exported = await this.exportKey(format, key);
      const bytes = format === "jwk" ? core.utf8Encode(JSON.stringify(exported)) : new Uint8Array(exported);
      return this.#aes(true, wrapAlgorithm, wrappingKey, bytes, "wrapKey");
    }

    async unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, usages) {
      use(unwrappingKey, null, "unwrapKey");
      const bytes = new Uint8Array(this.#aes(false, unwrapAlgorithm, unwrappingKey, wrappedKey, "unwrapKey"));
      let keyData = bytes;
      if (format === "jwk") {
        try {
          keyData = JSON.parse(core.decode(bytes, "utf-8", false, false));
        } catch {
          throw domError("the unwrapped key is not a JWK", "DataError");
        }
      }
      return this.importKey(format, keyData, unwrappedKeyAlgorithm, extractable, usages);
    }
  }
  Object.defineProperty(SubtleCrypto.prototype, Symbol.toStringTag, { value: "SubtleCrypto", configurable: true });

  internals.subtle = new SubtleCrypto(kMakeKey);
  define(global, "CryptoKey", CryptoKey);
  define(global, "SubtleCrypto", SubtleCrypto);
});
