// structured_clone.js — owns: the structuredClone global (the HTML structured clone algorithm, as V8's ValueSerializer does it for Node).
// Evaluates to a function the host calls as fn(core, global, internals). One pass: each value
// is cloned on first sight and memoised, so shared and circular references come out shared.
// What is cloned, and how, follows what Node 20's structuredClone (V8's serializer) does:
// primitives; Boolean/Number/String/BigInt wrappers; Date; RegExp (source and flags only);
// ArrayBuffer (resizable ones stay resizable) and views over the cloned buffer (length-tracking
// views stay length-tracking); Map; Set; arrays (holes and extra properties kept); other
// objects as plain objects (own enumerable string keys, prototype dropped); Blob and File;
// errors (prototype from the name among the seven native ones, message, stack, cause). Functions, symbols,
// WeakMap/WeakSet/WeakRef, promises, generators and the like throw a DataCloneError.
// Differences from Node: a SharedArrayBuffer and a WebAssembly.Module come back as the same
// object (JS cannot make a second handle to shared memory); a Proxy is read through as an
// ordinary object; a DOMException clones as a DOMException (the spec; Node 20 gives {});
// transferred buffers are copied and then detached (the clone needs the buffer before the
// views over it are read), which is observably the same.
// Shares on internals: structuredClone.
(function (core, global, internals) {
  "use strict";

  // Intrinsics, captured before user code can replace them.
  const ObjectProto = Object.prototype;
  const objectToString = ObjectProto.toString;
  const hasOwn = Object.prototype.hasOwnProperty;
  const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, keys: objectKeys } = Object;
  const isArray = Array.isArray;
  const isView = ArrayBuffer.isView;
  const apply = Reflect.apply;
  const getter = (proto, name) => getOwnPropertyDescriptor(proto, name)?.get;
  const TypedArrayProto = getPrototypeOf(Uint8Array.prototype);
  const typedArrayTag = getter(TypedArrayProto, Symbol.toStringTag);
  const typedArrayBuffer = getter(TypedArrayProto, "buffer");
  const typedArrayByteOffset = getter(TypedArrayProto, "byteOffset");
  const typedArrayLength = getter(TypedArrayProto, "length");
  const typedArrayAt = TypedArrayProto.at;
  const dataViewBuffer = getter(DataView.prototype, "buffer");
  const dataViewByteOffset = getter(DataView.prototype, "byteOffset");
  const dataViewByteLength = getter(DataView.prototype, "byteLength");
  const abByteLength = getter(ArrayBuffer.prototype, "byteLength");
  const abResizable = getter(ArrayBuffer.prototype, "resizable");
  const abMaxByteLength = getter(ArrayBuffer.prototype, "maxByteLength");
  const abDetached = getter(ArrayBuffer.prototype, "detached");
  const abSlice = ArrayBuffer.prototype.slice;
  const abResize = ArrayBuffer.prototype.resize;
  const abTransfer = ArrayBuffer.prototype.transfer;
  const sabByteLength = typeof SharedArrayBuffer === "function"
    ? getter(SharedArrayBuffer.prototype, "byteLength") : undefined;
  const mapSize = getter(Map.prototype, "size");
  const setSize = getter(Set.prototype, "size");
  const mapEntries = Map.prototype.entries;
  const mapSet = Map.prototype.set;
  const setValues = Set.prototype.values;
  const setAdd = Set.prototype.add;
  const u8Set = Uint8Array.prototype.set;
  const dateGetTime = Date.prototype.getTime;
  const regexpGlobal = getter(RegExp.prototype, "global");
  const regexpSource = getter(RegExp.prototype, "source");
  const regexpFlags = getter(RegExp.prototype, "flags");
  const weakMapHas = WeakMap.prototype.has;
  const weakSetHas = WeakSet.prototype.has;
  const weakRefDeref = typeof WeakRef === "function" ? WeakRef.prototype.deref : undefined;
  const finRegUnregister = typeof FinalizationRegistry === "function"
    ? FinalizationRegistry.prototype.unregister : undefined;
  const functionToString = Function.prototype.toString;
  const errorIsError = typeof Error.isError === "function" ? Error.isError : undefined;
  const wasm = typeof WebAssembly === "object" ? WebAssembly : undefined;
  const wasmModuleExports = wasm?.Module?.exports;
  const wrappers = [
    ["Boolean", Boolean.prototype.valueOf],
    ["Number", Number.prototype.valueOf],
    ["String", String.prototype.valueOf],
    ["BigInt", BigInt.prototype.valueOf],
    ["Symbol", Symbol.prototype.valueOf],
  ];
  const typedArrayCtors = { __proto__: null };
  for (const name of ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
    "Int32Array", "Uint32Array", "Float16Array", "Float32Array", "Float64Array", "BigInt64Array",
    "BigUint64Array"]) {
    if (typeof global[name] === "function") typedArrayCtors[name] = global[name];
  }
  const errorCtors = { __proto__: null, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
  // Built-in objects V8's serializer refuses, by their tag (brand checks cover the rest).
  const uncloneableTag = /^\[object (?:Arguments|Generator|AsyncGenerator|AsyncFunction|Module|[\w ]* Iterator|Iterator Helper|Intl\.\w+|Temporal\.\w+)\]$/;

  function brand(fn, value, ...args) {
    if (fn === undefined) return false;
    try {
      apply(fn, value, args);
      return true;
    } catch {
      return false;
    }
  }

  // ---- errors --------------------------------------------------------------------------
  function dataCloneError(message) {
    const DOMException = internals.DOMException || global.DOMException;
    if (typeof DOMException === "function") return new DOMException(message, "DataCloneError");
    const err = new Error(message);
    err.name = "DataCloneError";
    return err;
  }
  function nodeTypeError(code, message) {
    const err = new TypeError(message);
    defineProperty(err, "name", { value: `TypeError [${code}]`, configurable: true, writable: true });
    void err.stack;
    delete err.name;
    err.code = code;
    return err;
  }

  // A data property found along the prototype chain, as V8 looks it up (no getters run).
  function dataProperty(obj, key) {
    for (let o = obj; o !== null; o = getPrototypeOf(o)) {
      const d = getOwnPropertyDescriptor(o, key);
      if (d) return "value" in d ? d.value : undefined;
    }
    return undefined;
  }
  // How V8 names a value in "... could not be cloned." (Object::NoSideEffectsToString).
  function describeForError(value) {
    if (value === global) return "#<Object>";
    if (typeof value === "function") return apply(functionToString, value, []);
    if (typeof value === "symbol") return value.toString();
    if (value === null || typeof value !== "object") return String(value);
    try {
      const toString = dataProperty(value, "toString");
      if (toString === ObjectProto.toString) {
        const ctor = dataProperty(value, "constructor");
        if (typeof ctor === "function") {
          const name = dataProperty(ctor, "name");
          if (typeof name === "string" && name !== "") return `#<${name}>`;
        }
      }
      const tag = dataProperty(value, Symbol.toStringTag);
      if (typeof tag === "string") return `[object ${tag}]`;
    } catch {
      // A proxy trap threw: fall through.
    }
    return "[object Object]";
  }
  function uncloneable(value) {
    return dataCloneError(`${describeForError(value)} could not be cloned.`);
  }
  function detachedError() {
    return dataCloneError("An ArrayBuffer is detached and could not be cloned.");
  }

  // ---- buffers -------------------------------------------------------------------------
  function isDetached(ab) {
    if (abDetached !== undefined) return apply(abDetached, ab, []);
    try {
      apply(abSlice, ab, [0, 0]);
      return false;
    } catch {
      return true;
    }
  }
  function copyArrayBuffer(ab) {
    if (isDetached(ab)) throw detachedError();
    const length = apply(abByteLength, ab, []);
    const out = abResizable !== undefined && apply(abResizable, ab, [])
      ? new ArrayBuffer(length, { maxByteLength: apply(abMaxByteLength, ab, []) })
      : new ArrayBuffer(length);
    apply(u8Set, new Uint8Array(out), [new Uint8Array(ab)]);
    return out;
  }
  // Whether a view over a resizable buffer follows the buffer's length. Such a view always
  // reaches the end of the buffer; when this one does, resize the buffer by one element and
  // back (restoring the bytes a shrink drops) and see whether the view moved with it.
  function isLengthTracking(buffer, offset, length, elementSize, lengthOf) {
    if (abResizable === undefined || !apply(abResizable, buffer, [])) return false;
    const size = apply(abByteLength, buffer, []);
    if (Math.floor((size - offset) / elementSize) !== length) return false;
    const max = apply(abMaxByteLength, buffer, []);
    let newSize;
    let saved;
    if (size + elementSize <= max) {
      newSize = size + elementSize;
    } else if (size - elementSize >= offset) {
      newSize = size - elementSize;
      saved = new Uint8Array(buffer).slice(newSize);
    } else {
      return false; // An empty view at the very end: no way to tell, and no difference yet.
    }
    apply(abResize, buffer, [newSize]);
    const moved = lengthOf();
    apply(abResize, buffer, [size]);
    if (saved !== undefined) apply(u8Set, new Uint8Array(buffer), [saved, newSize]);
    return moved === Math.floor((newSize - offset) / elementSize);
  }

  // ---- the clone -----------------------------------------------------------------------
  function cloneValue(value, memory) {
    const type = typeof value;
    if (type !== "object" && type !== "function") {
      if (type === "symbol") throw uncloneable(value);
      return value;
    }
    if (value === null) return value;
    if (type === "function") throw uncloneable(value);
    const seen = memory.get(value);
    if (seen !== undefined) return seen;

    // Arrays first: the common case.
    if (isArray(value)) {
      const out = new Array(value.length);
      memory.set(value, out);
      copyProperties(value, out, memory);
      return out;
    }

    const tag = apply(objectToString, value, []);
    if (tag === "[object Object]" && isPlainCandidate(value)) {
      const out = {};
      memory.set(value, out);
      copyProperties(value, out, memory);
      return out;
    }
    return cloneSpecial(value, tag, memory);
  }

  // Ordinary objects whose prototype is Object.prototype or null skip the brand checks.
  function isPlainCandidate(value) {
    const proto = getPrototypeOf(value);
    return proto === ObjectProto || proto === null;
  }

  function copyProperties(from, to, memory) {
    const names = objectKeys(from);
    for (let i = 0; i < names.length; i++) {
      const key = names[i];
      // A getter may have deleted a later property: skip it, as V8 and the spec do.
      if (!apply(hasOwn, from, [key])) continue;
      const v = cloneValue(from[key], memory);
      if (key === "__proto__") {
        defineProperty(to, key, { value: v, writable: true, enumerable: true, configurable: true });
      } else {
        to[key] = v;
      }
    }
  }

  function cloneSpecial(value, tag, memory) {
    let out;
    if (isView(value)) {
      out = cloneView(value, memory);
    } else if (brand(abByteLength, value)) {
      out = memory.transferred?.get(value) ?? copyArrayBuffer(value);
    } else if (brand(sabByteLength, value)) {
      out = value; // Shared memory: the same block (see the file comment).
    } else if (brand(dateGetTime, value)) {
      out = new Date(apply(dateGetTime, value, []));
    } else if (isRegExp(value)) {
      out = new RegExp(apply(regexpSource, value, []), apply(regexpFlags, value, []));
    } else if (brand(mapSize, value)) {
      out = new Map();
      memory.set(value, out);
      const entries = [...apply(mapEntries, value, [])];
      for (const [k, v] of entries) apply(mapSet, out, [cloneValue(k, memory), cloneValue(v, memory)]);
      return out;
    } else if (brand(setSize, value)) {
      out = new Set();
      memory.set(value, out);
      const values = [...apply(setValues, value, [])];
      for (const v of values) apply(setAdd, out, [cloneValue(v, memory)]);
      return out;
    } else if (isError(value, tag)) {
      out = cloneError(value, memory);
      return out;
    } else if (isDOMException(value)) {
      out = cloneDOMException(value);
    } else if ((out = internals.cloneBlob?.(value)) !== undefined) {
      // A Blob or File: its bytes, type (and name and time) in a new one.
    } else if (brand(wasmModuleExports, undefined, value)) {
      out = value; // Compiled code is immutable: the same module (see the file comment).
    } else {
      for (const [, valueOf] of wrappers) {
        if (brand(valueOf, value)) {
          if (valueOf === Symbol.prototype.valueOf) throw uncloneable(value);
          out = Object(apply(valueOf, value, []));
          break;
        }
      }
      if (out === undefined) {
        if (brand(weakMapHas, value, {}) || brand(weakSetHas, value, {}) ||
            brand(weakRefDeref, value) || brand(finRegUnregister, value, {}) ||
            tag === "[object Promise]" || uncloneableTag.test(tag) || value === global ||
            isWasmObject(value)) {
          throw uncloneable(value);
        }
        out = {};
        memory.set(value, out);
        copyProperties(value, out, memory);
        return out;
      }
    }
    memory.set(value, out);
    return out;
  }

  function isRegExp(value) {
    if (regexpGlobal === undefined) return false;
    try {
      // undefined only for RegExp.prototype itself, which is an ordinary object.
      return apply(regexpGlobal, value, []) !== undefined;
    } catch {
      return false;
    }
  }

  function isWasmObject(value) {
    if (wasm === undefined) return false;
    for (const name of ["Instance", "Memory", "Table", "Global", "Tag", "Exception"]) {
      const C = wasm[name];
      if (typeof C === "function" && value instanceof C) return true;
    }
    return false;
  }

  function cloneView(view, memory) {
    const name = apply(typedArrayTag, view, []);
    if (name === undefined) {
      // A DataView.
      const buffer = apply(dataViewBuffer, view, []);
      if (isDetachedAny(buffer)) throw detachedError();
      const offset = apply(dataViewByteOffset, view, []);
      const length = apply(dataViewByteLength, view, []);
      const tracking = isLengthTracking(buffer, offset, length, 1, () => {
        try {
          return apply(dataViewByteLength, view, []);
        } catch {
          return -1; // Out of bounds.
        }
      });
      const b = cloneValue(buffer, memory);
      return tracking ? new DataView(b, offset) : new DataView(b, offset, length);
    }
    const buffer = apply(typedArrayBuffer, view, []);
    if (isDetachedAny(buffer)) throw detachedError();
    const offset = apply(typedArrayByteOffset, view, []);
    const length = apply(typedArrayLength, view, []);
    const Ctor = typedArrayCtors[name];
    const tracking = isLengthTracking(buffer, offset, length, Ctor.BYTES_PER_ELEMENT, () => {
      try {
        apply(typedArrayAt, view, [0]); // Throws when the view is out of bounds.
        return apply(typedArrayLength, view, []);
      } catch {
        return -1;
      }
    });
    const b = cloneValue(buffer, memory);
    return tracking ? new Ctor(b, offset) : new Ctor(b, offset, length);
  }

  function isDetachedAny(buffer) {
    return brand(abByteLength, buffer) && isDetached(buffer);
  }

  function isError(value, tag) {
    if (errorIsError !== undefined) return errorIsError(value);
    return tag === "[object Error]";
  }

  function cloneError(value, memory) {
    // As V8: message and cause only if own data properties; the prototype from `name`
    // among the native error types; stack if a string.
    const messageDesc = getOwnPropertyDescriptor(value, "message");
    const causeDesc = getOwnPropertyDescriptor(value, "cause");
    const name = `${value.name}`;
    const Ctor = errorCtors[name] || Error;
    const out = new Ctor();
    memory.set(value, out);
    if (messageDesc && "value" in messageDesc) {
      defineProperty(out, "message", {
        value: `${messageDesc.value}`, writable: true, enumerable: false, configurable: true,
      });
    }
    const stack = value.stack;
    if (typeof stack === "string") {
      defineProperty(out, "stack", { value: stack, writable: true, enumerable: false, configurable: true });
    }
    if (causeDesc && "value" in causeDesc) {
      defineProperty(out, "cause", {
        value: cloneValue(causeDesc.value, memory), writable: true, enumerable: false, configurable: true,
      });
    }
    return out;
  }

  function isDOMException(value) {
    const D = internals.DOMException;
    if (typeof D !== "function") return false;
    return brand(getter(D.prototype, "name"), value);
  }
  function cloneDOMException(value) {
    const D = internals.DOMException;
    const out = new D(value.message, value.name);
    const stack = value.stack;
    if (typeof stack === "string") {
      defineProperty(out, "stack", { value: stack, writable: true, enumerable: false, configurable: true });
    }
    return out;
  }

  // ---- structuredClone(value, { transfer }) --------------------------------------------
  function structuredClone(value, options = undefined) {
    if (arguments.length === 0) {
      throw nodeTypeError("ERR_MISSING_ARGS", "The value argument must be specified");
    }
    if (options !== undefined && options !== null && typeof options !== "object" &&
        typeof options !== "function") {
      throw nodeTypeError("ERR_INVALID_ARG_TYPE",
        "The options argument must be either an object or undefined");
    }
    const memory = new Map();
    const transfer = options?.transfer;
    let transferList;
    if (transfer !== undefined && transfer !== null) {
      if (typeof transfer !== "object" || typeof transfer[Symbol.iterator] !== "function") {
        throw nodeTypeError("ERR_INVALID_ARG_TYPE", "Optional transferList argument must be an iterable");
      }
      transferList = [...transfer];
      memory.transferred = new Map();
      for (const item of transferList) {
        if (!brand(abByteLength, item)) {
          throw nodeTypeError("ERR_INVALID_TRANSFER_OBJECT", "Found invalid object in transferList");
        }
        if (memory.transferred.has(item)) {
          throw dataCloneError("Transfer list contains duplicate ArrayBuffer");
        }
        // The clone gets a copy now; the original is detached once the clone succeeded.
        memory.transferred.set(item, copyArrayBuffer(item));
      }
    }
    const result = cloneValue(value, memory);
    if (transferList !== undefined) {
      for (const item of transferList) {
        if (abTransfer !== undefined) apply(abTransfer, item, [0]);
      }
    }
    return result;
  }

  Object.defineProperty(global, "structuredClone", {
    value: structuredClone, writable: true, enumerable: false, configurable: true,
  });
  internals.structuredClone = structuredClone;
});
