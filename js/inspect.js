// inspect.js — owns: a plain-JavaScript port of Node 20's util.inspect / util.format (console.log output fidelity).
//
// Loaded by the host as a classic script. The whole file is ONE expression: a
// function taking `internals` and returning `{ inspect, format,
// formatWithOptions }`. Nothing here touches `require`, `process`, `Buffer` or
// `console`; only ECMAScript built-ins plus the optional host hooks below.
//
// The algorithm (layout, line breaking, grouping, prefixes) follows Node 20's
// lib/internal/util/inspect.js closely, because console.log output is
// compared byte for byte with Node's. Function names mirror Node's so the two
// can be read side by side.
//
// Host hooks (every one optional; missing ones degrade gracefully):
//   internals.getPromiseState(p)
//       -> undefined when `p` is not a promise, otherwise
//          { state: 'pending' | 'fulfilled' | 'rejected', result }.
//       Missing: every promise prints as `Promise { <pending> }`.
//   internals.getProxyDetails(v)
//       -> undefined when `v` is not a proxy, otherwise { target, handler }
//          (target === null for a revoked proxy).
//       Missing: proxies are inspected through their traps like any object.
//   internals.previewEntries(v, isIterator)
//       -> for a WeakMap: flat [k0, v0, k1, v1, ...]; for a WeakSet: [v0, ...];
//          with isIterator === true on a Map/Set iterator: [entries, isKeyValue]
//          (V8's Object::PreviewEntries). May return undefined.
//       Missing: `<items unknown>`.
//   internals.getOwnNonIndexProperties(v, filter)
//       -> own non-index keys (strings, then symbols) of an array / typed
//          array; filter 2 = enumerable only, 0 = all (V8 PropertyFilter).
//       Missing: computed in plain JS, which costs O(length).
//   internals.getConstructorName(v)
//       -> V8's class name of the object (used for null-prototype objects).
//       Missing: derived from the object's built-in kind ('Object', 'Array'…).
(function (internals) {
  'use strict';

  internals = internals || {};

  // ---------------------------------------------------------------------------
  // Captured intrinsics. Taken at load time so user code that later patches
  // built-in prototypes cannot change (or break) inspection.
  // ---------------------------------------------------------------------------

  const uncurryThis = (fn) => Function.prototype.call.bind(fn);
  const getterOf = (proto, name) =>
    uncurryThis(Object.getOwnPropertyDescriptor(proto, name).get);

  const ObjectPrototype = Object.prototype;
  const FunctionPrototype = Function.prototype;
  const hasOwn = uncurryThis(ObjectPrototype.hasOwnProperty);
  const propertyIsEnumerable = uncurryThis(ObjectPrototype.propertyIsEnumerable);
  const objectToString = uncurryThis(ObjectPrototype.toString);
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const getOwnPropertyNames = Object.getOwnPropertyNames;
  const getOwnPropertySymbols = Object.getOwnPropertySymbols;
  const getPrototypeOf = Object.getPrototypeOf;
  const objectKeys = Object.keys;
  const objectIs = Object.is;
  const reflectOwnKeys = Reflect.ownKeys;
  const isArray = Array.isArray;
  const functionToString = uncurryThis(FunctionPrototype.toString);
  const functionHasInstance = uncurryThis(FunctionPrototype[Symbol.hasInstance]);
  const symbolToString = uncurryThis(Symbol.prototype.toString);
  const symbolValueOf = uncurryThis(Symbol.prototype.valueOf);
  const numberValueOf = uncurryThis(Number.prototype.valueOf);
  const stringValueOf = uncurryThis(String.prototype.valueOf);
  const booleanValueOf = uncurryThis(Boolean.prototype.valueOf);
  const bigintValueOf = typeof BigInt === 'function' ?
    uncurryThis(BigInt.prototype.valueOf) : undefined;
  const dateGetTime = uncurryThis(Date.prototype.getTime);
  const dateToISOString = uncurryThis(Date.prototype.toISOString);
  const dateToString = uncurryThis(Date.prototype.toString);
  const RegExpCtor = RegExp;
  const RegExpPrototype = RegExp.prototype;
  const ErrorCtor = Error;
  const SymbolToStringTag = Symbol.toStringTag;
  const regExpToString = uncurryThis(RegExp.prototype.toString);
  const regExpGlobalGetter = getterOf(RegExp.prototype, 'global');
  const errorToString = uncurryThis(Error.prototype.toString);
  const mapSizeGetter = getterOf(Map.prototype, 'size');
  const mapEntries = uncurryThis(Map.prototype.entries);
  const setSizeGetter = getterOf(Set.prototype, 'size');
  const setValues = uncurryThis(Set.prototype.values);
  const weakMapHas = uncurryThis(WeakMap.prototype.has);
  const weakSetHas = uncurryThis(WeakSet.prototype.has);
  const arrayBufferByteLength = getterOf(ArrayBuffer.prototype, 'byteLength');
  const sharedArrayBufferByteLength = typeof SharedArrayBuffer === 'function' ?
    getterOf(SharedArrayBuffer.prototype, 'byteLength') : undefined;
  const ArrayBufferIsView = ArrayBuffer.isView;
  const TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype);
  const typedArrayTag = getterOf(TypedArrayPrototype, Symbol.toStringTag);
  const typedArrayLength = getterOf(TypedArrayPrototype, 'length');
  const MapIteratorPrototype = getPrototypeOf(new Map()[Symbol.iterator]());
  const SetIteratorPrototype = getPrototypeOf(new Set()[Symbol.iterator]());
  const mapIteratorNext = uncurryThis(MapIteratorPrototype.next);
  const setIteratorNext = uncurryThis(SetIteratorPrototype.next);
  const PromisePrototype = typeof Promise === 'function' ? Promise.prototype : undefined;

  // Typed array constructors by name, to rebuild null-prototype typed arrays.
  const typedArrayConstructors = {};
  for (const name of ['Int8Array', 'Uint8Array', 'Uint8ClampedArray',
    'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array',
    'Float64Array', 'BigInt64Array', 'BigUint64Array', 'Float16Array']) {
    if (typeof globalThis[name] === 'function') {
      typedArrayConstructors[name] = globalThis[name];
    }
  }

  const customInspectSymbol = Symbol.for('nodejs.util.inspect.custom');

  // Names treated as "built-in" constructors (Node: capitalised own names of
  // the global object). Node's own globals are listed explicitly because a
  // bare V8 context does not have them. Computed once at load, before any
  // user script could add globals of its own.
  const builtInObjects = new Set([
    'AbortController', 'AbortSignal', 'Blob', 'BroadcastChannel', 'Buffer',
    'ByteLengthQueuingStrategy', 'CompressionStream',
    'CountQueuingStrategy', 'Crypto', 'CryptoKey', 'CustomEvent',
    'DOMException', 'DecompressionStream', 'Event', 'EventTarget', 'File',
    'FormData', 'Headers', 'MessageChannel', 'MessageEvent', 'MessagePort',
    'Performance', 'PerformanceEntry', 'PerformanceMark', 'PerformanceMeasure',
    'PerformanceObserver', 'PerformanceObserverEntryList',
    'PerformanceResourceTiming', 'ReadableByteStreamController',
    'ReadableStream', 'ReadableStreamBYOBReader', 'ReadableStreamBYOBRequest',
    'ReadableStreamDefaultController', 'ReadableStreamDefaultReader',
    'Request', 'Response', 'SubtleCrypto', 'TextDecoder', 'TextDecoderStream',
    'TextEncoder', 'TextEncoderStream', 'TransformStream',
    'TransformStreamDefaultController', 'URL', 'URLSearchParams',
    'WebAssembly', 'WritableStream', 'WritableStreamDefaultController',
    'WritableStreamDefaultWriter',
  ]);
  for (const name of getOwnPropertyNames(globalThis)) {
    if (/^[A-Z][a-zA-Z0-9]+$/.test(name)) builtInObjects.add(name);
  }

  // ---------------------------------------------------------------------------
  // Type checks. Node asks V8 directly; here we use brand-checking built-in
  // methods/getters, which throw for foreign objects. Throwing costs
  // microseconds, so each check first asks mayBe(): an object whose
  // prototype chain reaches this realm's Object.prototype without passing
  // the built-in's prototype is ruled out cheaply. Only null-prototype,
  // cross-realm and genuinely matching objects reach the brand check. (An
  // object whose prototype was swapped to an unrelated ordinary one is thus
  // not recognised; Node would still see its internal type.)
  // ---------------------------------------------------------------------------

  function mayBe(value, proto) {
    let obj = value;
    for (let depth = 0; depth < 1000; depth++) {
      obj = getPrototypeOf(obj);
      if (obj === proto) return true;
      if (obj === ObjectPrototype) return false;
      if (obj === null) return true;
    }
    return true;
  }

  function brandCheck(proto, fn) {
    return (value) => {
      if (!mayBe(value, proto)) return false;
      try {
        fn(value);
        return true;
      } catch {
        return false;
      }
    };
  }

  const never = () => false;
  const isMap = brandCheck(Map.prototype, mapSizeGetter);
  const isSet = brandCheck(Set.prototype, setSizeGetter);
  const isWeakMap = brandCheck(WeakMap.prototype,
    (v) => weakMapHas(v, ObjectPrototype));
  const isWeakSet = brandCheck(WeakSet.prototype,
    (v) => weakSetHas(v, ObjectPrototype));
  const isDate = brandCheck(Date.prototype, dateGetTime);
  const isArrayBuffer = brandCheck(ArrayBuffer.prototype, arrayBufferByteLength);
  const isSharedArrayBuffer = sharedArrayBufferByteLength === undefined ? never :
    brandCheck(SharedArrayBuffer.prototype, sharedArrayBufferByteLength);
  const isAnyArrayBuffer = (v) => isArrayBuffer(v) || isSharedArrayBuffer(v);
  const isNumberObject = brandCheck(Number.prototype, numberValueOf);
  const isStringObject = brandCheck(String.prototype, stringValueOf);
  const isBooleanObject = brandCheck(Boolean.prototype, booleanValueOf);
  const isBigIntObject = bigintValueOf === undefined ? never :
    brandCheck(BigInt.prototype, bigintValueOf);
  const isSymbolObject = brandCheck(Symbol.prototype, symbolValueOf);

  // Iterators: `next` would advance them, so only prototype + tag are used.
  function isMapIterator(value) {
    return getPrototypeOf(value) === MapIteratorPrototype ||
      objectToString(value) === '[object Map Iterator]';
  }

  function isSetIterator(value) {
    return getPrototypeOf(value) === SetIteratorPrototype ||
      objectToString(value) === '[object Set Iterator]';
  }

  function isTypedArray(value) {
    return typedArrayTag(value) !== undefined;
  }

  // ArrayBuffer.isView is a non-throwing brand check.
  function isDataView(value) {
    return ArrayBufferIsView(value) && !isTypedArray(value);
  }

  function isRegExp(value) {
    if (!mayBe(value, RegExpPrototype)) return false;
    try {
      // The `global` getter throws for non-RegExp objects and answers
      // undefined for RegExp.prototype itself.
      return typeof regExpGlobalGetter(value) === 'boolean';
    } catch {
      return false;
    }
  }

  function isBoxedPrimitive(value) {
    return isNumberObject(value) || isStringObject(value) ||
      isBooleanObject(value) || isBigIntObject(value) || isSymbolObject(value);
  }

  // Object.prototype.toString reports the internal "Error" / "Arguments"
  // kind unless a @@toStringTag string overrides it; a tag spelling the same
  // word must not count.
  function hasBuiltinTag(value, tag) {
    return objectToString(value) === `[object ${tag}]` &&
      typeof value[SymbolToStringTag] !== 'string';
  }

  function isNativeError(value) {
    return hasBuiltinTag(value, 'Error');
  }

  function isError(value) {
    return isNativeError(value) || value instanceof ErrorCtor;
  }

  function isArgumentsObject(value) {
    return !isArray(value) && hasBuiltinTag(value, 'Arguments');
  }

  function functionKind(value) {
    // '[object AsyncFunction]', '[object GeneratorFunction]',
    // '[object AsyncGeneratorFunction]' or '[object Function]'.
    return objectToString(value);
  }

  function isGeneratorFunction(value) {
    const kind = functionKind(value);
    return kind === '[object GeneratorFunction]' ||
      kind === '[object AsyncGeneratorFunction]';
  }

  function isAsyncFunction(value) {
    const kind = functionKind(value);
    return kind === '[object AsyncFunction]' ||
      kind === '[object AsyncGeneratorFunction]';
  }

  function isModuleNamespaceObject(value) {
    if (getPrototypeOf(value) !== null) return false;
    const desc = getOwnPropertyDescriptor(value, SymbolToStringTag);
    return desc !== undefined && desc.value === 'Module' &&
      !desc.writable && !desc.enumerable && !desc.configurable;
  }

  // Promise detection: the host hook is the real brand check (asked only
  // when the prototype chain allows a promise); without it, fall back on
  // the prototype chain alone.
  function promiseDetails(value) {
    if (PromisePrototype === undefined || !mayBe(value, PromisePrototype)) {
      return undefined;
    }
    if (typeof internals.getPromiseState === 'function') {
      let details;
      try {
        details = internals.getPromiseState(value);
      } catch {
        return undefined;
      }
      if (details === undefined || details === null) return undefined;
      return details;
    }
    if (objectToString(value) === '[object Promise]') {
      return { state: 'pending', result: undefined };
    }
    return undefined;
  }

  // Returns undefined for non-proxies, null for revoked proxies, the target
  // otherwise; with `full`, [target, handler] like Node's binding.
  function getProxyDetails(value, full) {
    if (typeof internals.getProxyDetails !== 'function') return undefined;
    const details = internals.getProxyDetails(value);
    if (details === undefined || details === null) return undefined;
    if (details.target === null || details.target === undefined) return null;
    return full ? [details.target, details.handler] : details.target;
  }

  function previewEntries(value, isIterator) {
    if (typeof internals.previewEntries !== 'function') return undefined;
    try {
      return internals.previewEntries(value, isIterator);
    } catch {
      return undefined;
    }
  }

  // V8's "class name" of an object; only consulted for objects whose
  // prototype chain has no usable `constructor`.
  function internalGetConstructorName(value) {
    if (typeof internals.getConstructorName === 'function') {
      try {
        const name = internals.getConstructorName(value);
        if (typeof name === 'string') return name;
      } catch {
        // Fall through to the approximation.
      }
    }
    if (typeof value === 'function') return 'Function';
    if (isArray(value)) return 'Array';
    if (isTypedArray(value)) return typedArrayTag(value);
    if (isMap(value)) return 'Map';
    if (isSet(value)) return 'Set';
    if (isWeakMap(value)) return 'WeakMap';
    if (isWeakSet(value)) return 'WeakSet';
    if (isDate(value)) return 'Date';
    if (isRegExp(value)) return 'RegExp';
    if (isArrayBuffer(value)) return 'ArrayBuffer';
    if (isSharedArrayBuffer(value)) return 'SharedArrayBuffer';
    if (isDataView(value)) return 'DataView';
    if (isNativeError(value)) return 'Error';
    if (isNumberObject(value)) return 'Number';
    if (isStringObject(value)) return 'String';
    if (isBooleanObject(value)) return 'Boolean';
    if (isBigIntObject(value)) return 'BigInt';
    if (isSymbolObject(value)) return 'Symbol';
    // Like V8 for objects whose creating class is unknown: a @@toStringTag
    // data property, then a named `constructor` data property, in the chain.
    const tag = getDataProperty(value, SymbolToStringTag);
    if (typeof tag === 'string') return tag;
    const ctor = getDataProperty(value, 'constructor');
    if (typeof ctor === 'function' && typeof ctor.name === 'string' &&
        ctor.name !== '') {
      return ctor.name;
    }
    return 'Object';
  }

  // A data property's value from the prototype chain, never calling getters.
  function getDataProperty(obj, key) {
    for (let depth = 0; obj !== null && depth < 1000; depth++) {
      const desc = getOwnPropertyDescriptor(obj, key);
      if (desc !== undefined) return 'value' in desc ? desc.value : undefined;
      obj = getPrototypeOf(obj);
    }
    return undefined;
  }

  // Canonical array index ("0", "1", … "4294967294").
  function isArrayIndexKey(key) {
    const len = key.length;
    if (len === 0 || len > 10) return false;
    const first = key.charCodeAt(0);
    if (first < 48 || first > 57 || (first === 48 && len > 1)) return false;
    for (let i = 1; i < len; i++) {
      const c = key.charCodeAt(i);
      if (c < 48 || c > 57) return false;
    }
    return len < 10 || +key < 4294967295;
  }

  const ALL_PROPERTIES = 0;
  const ONLY_ENUMERABLE = 2;

  // Own string keys that are not array indices, then own symbols; filtered
  // to enumerable ones unless `filter` is ALL_PROPERTIES.
  function getOwnNonIndexProperties(value, filter) {
    // Optional host fast path (V8's GetPropertyNames with kSkipIndices):
    // plain JS has to list every index key first.
    if (typeof internals.getOwnNonIndexProperties === 'function') {
      return internals.getOwnNonIndexProperties(value, filter);
    }
    const names = filter === ALL_PROPERTIES ?
      getOwnPropertyNames(value) : objectKeys(value);
    // Indices always come first (ascending), so scan back from the end.
    let start = names.length;
    while (start > 0 && !isArrayIndexKey(names[start - 1])) start--;
    const keys = start === 0 ? names : names.slice(start);
    const symbols = getOwnPropertySymbols(value);
    for (let i = 0; i < symbols.length; i++) {
      if (filter === ALL_PROPERTIES || propertyIsEnumerable(value, symbols[i])) {
        keys.push(symbols[i]);
      }
    }
    return keys;
  }

  let maxStackErrorName;
  let maxStackErrorMessage;
  function isStackOverflowError(err) {
    if (maxStackErrorMessage === undefined) {
      try {
        const overflowStack = () => overflowStack() + 1;
        overflowStack();
      } catch (e) {
        maxStackErrorMessage = e.message;
        maxStackErrorName = e.name;
      }
    }
    return err && err.name === maxStackErrorName &&
      err.message === maxStackErrorMessage;
  }

  // Node's ERR_INVALID_ARG_TYPE, for option validation.
  function invalidArgType(name, value) {
    let received;
    if (value == null) {
      received = ` Received ${value}`;
    } else if (typeof value === 'function' && value.name) {
      received = ` Received function ${value.name}`;
    } else if (typeof value === 'object') {
      if (value.constructor && value.constructor.name) {
        received = ` Received an instance of ${value.constructor.name}`;
      } else {
        received = ` Received ${inspect(value, { depth: -1 })}`;
      }
    } else {
      let shown = inspect(value, { colors: false });
      if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
      received = ` Received type ${typeof value} (${shown})`;
    }
    const err = new TypeError(
      `The "${name}" argument must be of type object.${received}`);
    err.code = 'ERR_INVALID_ARG_TYPE';
    return err;
  }

  function validateObject(value, name, allowArray) {
    if (value === null || typeof value !== 'object' ||
        (!allowArray && isArray(value))) {
      throw invalidArgType(name, value);
    }
  }

  // ---------------------------------------------------------------------------
  // Options and the public entry point.
  // ---------------------------------------------------------------------------

  // Must stay in sync with getUserOptions().
  const inspectDefaultOptions = Object.seal({
    showHidden: false,
    depth: 2,
    colors: false,
    customInspect: true,
    showProxy: false,
    maxArrayLength: 100,
    maxStringLength: 10000,
    breakLength: 80,
    compact: 3,
    sorted: false,
    getters: false,
    numericSeparator: false,
  });

  const kObjectType = 0;
  const kArrayType = 1;
  const kArrayExtrasType = 2;

  /* eslint-disable no-control-regex */
  const strEscapeSequencesRegExp = /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  const strEscapeSequencesReplacer = /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
  const strEscapeSequencesRegExpSingle = /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  const strEscapeSequencesReplacerSingle = /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
  const colorRegExp = /\u001b\[\d\d?m/g;
  /* eslint-enable no-control-regex */

  const keyStrRegExp = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
  const numberRegExp = /^(0|[1-9][0-9]*)$/;
  const coreModuleRegExp = /^ {4}at (?:[^/\\(]+ \(|)node:(.+):\d+:\d+\)?$/;
  const classRegExp = /^(\s+[^(]*?)\s*{/;
  const stripCommentsRegExp = /(\/\/.*?\n)|(\/\*(.|\n)*?\*\/)/g;

  const kMinLineLength = 16;

  // Iterator / weak collection preview modes.
  const kWeak = 0;
  const kIterator = 1;
  const kMapEntries = 2;

  // Escapes for control characters, the single quote and the backslash
  // (index = char code); empty strings fill unused entries.
  const meta = [
    '\\x00', '\\x01', '\\x02', '\\x03', '\\x04', '\\x05', '\\x06', '\\x07', // x07
    '\\b', '\\t', '\\n', '\\x0B', '\\f', '\\r', '\\x0E', '\\x0F',           // x0F
    '\\x10', '\\x11', '\\x12', '\\x13', '\\x14', '\\x15', '\\x16', '\\x17', // x17
    '\\x18', '\\x19', '\\x1A', '\\x1B', '\\x1C', '\\x1D', '\\x1E', '\\x1F', // x1F
    '', '', '', '', '', '', '', "\\'", '', '', '', '', '', '', '', '',      // x2F
    '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '',         // x3F
    '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '',         // x4F
    '', '', '', '', '', '', '', '', '', '', '', '', '\\\\', '', '', '',     // x5F
    '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '',         // x6F
    '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '\\x7F',    // x7F
    '\\x80', '\\x81', '\\x82', '\\x83', '\\x84', '\\x85', '\\x86', '\\x87', // x87
    '\\x88', '\\x89', '\\x8A', '\\x8B', '\\x8C', '\\x8D', '\\x8E', '\\x8F', // x8F
    '\\x90', '\\x91', '\\x92', '\\x93', '\\x94', '\\x95', '\\x96', '\\x97', // x97
    '\\x98', '\\x99', '\\x9A', '\\x9B', '\\x9C', '\\x9D', '\\x9E', '\\x9F', // x9F
  ];

  // ANSI escape sequences (for width computations with colors on).
  const ansi = new RegExp(
    '[\\u001B\\u009B][[\\]()#;?]*' +
    '(?:(?:(?:(?:;[-a-zA-Z\\d\\/\\#&.:=?%@~_]+)*' +
    '|[a-zA-Z\\d]+(?:;[-a-zA-Z\\d\\/\\#&.:=?%@~_]*)*)?' +
    '(?:\\u0007|\\u001B\\u005C|\\u009C))' +
    '|(?:(?:\\d{1,4}(?:;\\d{0,4})*)?' +
    '[\\dA-PR-TZcf-nq-uy=><~]))', 'g',
  );

  // The options handed to custom inspect functions.
  function getUserOptions(ctx, isCrossContext) {
    const ret = {
      stylize: ctx.stylize,
      showHidden: ctx.showHidden,
      depth: ctx.depth,
      colors: ctx.colors,
      customInspect: ctx.customInspect,
      showProxy: ctx.showProxy,
      maxArrayLength: ctx.maxArrayLength,
      maxStringLength: ctx.maxStringLength,
      breakLength: ctx.breakLength,
      compact: ctx.compact,
      sorted: ctx.sorted,
      getters: ctx.getters,
      numericSeparator: ctx.numericSeparator,
      ...ctx.userOptions,
    };
    // Objects from another realm get a null-prototype options bag without
    // non-primitive values, and a guarded stylize().
    if (isCrossContext) {
      Object.setPrototypeOf(ret, null);
      for (const key of objectKeys(ret)) {
        if ((typeof ret[key] === 'object' || typeof ret[key] === 'function') &&
            ret[key] !== null) {
          delete ret[key];
        }
      }
      ret.stylize = Object.setPrototypeOf((value, flavour) => {
        let stylized;
        try {
          stylized = `${ctx.stylize(value, flavour)}`;
        } catch {
          // Continue regardless of error.
        }
        if (typeof stylized !== 'string') return value;
        return stylized;
      }, null);
    }
    return ret;
  }

  /**
   * Returns a string representation of `value` (Node's util.inspect).
   * Legacy signature: inspect(value, showHidden, depth, colors).
   */
  function inspect(value, opts) {
    const ctx = {
      budget: {},
      indentationLvl: 0,
      seen: [],
      currentDepth: 0,
      stylize: stylizeNoColor,
      showHidden: inspectDefaultOptions.showHidden,
      depth: inspectDefaultOptions.depth,
      colors: inspectDefaultOptions.colors,
      customInspect: inspectDefaultOptions.customInspect,
      showProxy: inspectDefaultOptions.showProxy,
      maxArrayLength: inspectDefaultOptions.maxArrayLength,
      maxStringLength: inspectDefaultOptions.maxStringLength,
      breakLength: inspectDefaultOptions.breakLength,
      compact: inspectDefaultOptions.compact,
      sorted: inspectDefaultOptions.sorted,
      getters: inspectDefaultOptions.getters,
      numericSeparator: inspectDefaultOptions.numericSeparator,
    };
    if (arguments.length > 1) {
      // Legacy positional arguments.
      if (arguments.length > 2) {
        if (arguments[2] !== undefined) {
          ctx.depth = arguments[2];
        }
        if (arguments.length > 3 && arguments[3] !== undefined) {
          ctx.colors = arguments[3];
        }
      }
      if (typeof opts === 'boolean') {
        ctx.showHidden = opts;
      } else if (opts) {
        const optKeys = objectKeys(opts);
        for (let i = 0; i < optKeys.length; ++i) {
          const key = optKeys[i];
          if (hasOwn(inspectDefaultOptions, key) || key === 'stylize') {
            ctx[key] = opts[key];
          } else if (ctx.userOptions === undefined) {
            // Pass the caller's object through to custom inspectors.
            ctx.userOptions = opts;
          }
        }
      }
    }
    if (ctx.colors) ctx.stylize = stylizeWithColor;
    if (ctx.maxArrayLength === null) ctx.maxArrayLength = Infinity;
    if (ctx.maxStringLength === null) ctx.maxStringLength = Infinity;
    return formatValue(ctx, value, 0);
  }
  inspect.custom = customInspectSymbol;

  Object.defineProperty(inspect, 'defaultOptions', {
    __proto__: null,
    get() {
      return inspectDefaultOptions;
    },
    set(options) {
      validateObject(options, 'options', false);
      return Object.assign(inspectDefaultOptions, options);
    },
  });

  // SGR codes: [set, reset].
  const defaultFG = 39;
  const defaultBG = 49;
  inspect.colors = {
    __proto__: null,
    reset: [0, 0],
    bold: [1, 22],
    dim: [2, 22],
    italic: [3, 23],
    underline: [4, 24],
    blink: [5, 25],
    inverse: [7, 27],
    hidden: [8, 28],
    strikethrough: [9, 29],
    doubleunderline: [21, 24],
    black: [30, defaultFG],
    red: [31, defaultFG],
    green: [32, defaultFG],
    yellow: [33, defaultFG],
    blue: [34, defaultFG],
    magenta: [35, defaultFG],
    cyan: [36, defaultFG],
    white: [37, defaultFG],
    bgBlack: [40, defaultBG],
    bgRed: [41, defaultBG],
    bgGreen: [42, defaultBG],
    bgYellow: [43, defaultBG],
    bgBlue: [44, defaultBG],
    bgMagenta: [45, defaultBG],
    bgCyan: [46, defaultBG],
    bgWhite: [47, defaultBG],
    framed: [51, 54],
    overlined: [53, 55],
    gray: [90, defaultFG],
    redBright: [91, defaultFG],
    greenBright: [92, defaultFG],
    yellowBright: [93, defaultFG],
    blueBright: [94, defaultFG],
    magentaBright: [95, defaultFG],
    cyanBright: [96, defaultFG],
    whiteBright: [97, defaultFG],
    bgGray: [100, defaultBG],
    bgRedBright: [101, defaultBG],
    bgGreenBright: [102, defaultBG],
    bgYellowBright: [103, defaultBG],
    bgBlueBright: [104, defaultBG],
    bgMagentaBright: [105, defaultBG],
    bgCyanBright: [106, defaultBG],
    bgWhiteBright: [107, defaultBG],
  };

  function defineColorAlias(target, alias) {
    Object.defineProperty(inspect.colors, alias, {
      __proto__: null,
      get() {
        return this[target];
      },
      set(value) {
        this[target] = value;
      },
      configurable: true,
      enumerable: false,
    });
  }

  defineColorAlias('gray', 'grey');
  defineColorAlias('gray', 'blackBright');
  defineColorAlias('bgGray', 'bgGrey');
  defineColorAlias('bgGray', 'bgBlackBright');
  defineColorAlias('dim', 'faint');
  defineColorAlias('strikethrough', 'crossedout');
  defineColorAlias('strikethrough', 'strikeThrough');
  defineColorAlias('strikethrough', 'crossedOut');
  defineColorAlias('hidden', 'conceal');
  defineColorAlias('inverse', 'swapColors');
  defineColorAlias('inverse', 'swapcolors');
  defineColorAlias('doubleunderline', 'doubleUnderline');

  inspect.styles = Object.assign({ __proto__: null }, {
    special: 'cyan',
    number: 'yellow',
    bigint: 'yellow',
    boolean: 'yellow',
    undefined: 'grey',
    null: 'bold',
    string: 'green',
    symbol: 'green',
    date: 'magenta',
    // "name": intentionally not styling
    regexp: 'red',
    module: 'underline',
  });

  // ---------------------------------------------------------------------------
  // Strings.
  // ---------------------------------------------------------------------------

  function addQuotes(str, quotes) {
    if (quotes === -1) {
      return `"${str}"`;
    }
    if (quotes === -2) {
      return `\`${str}\``;
    }
    return `'${str}'`;
  }

  function escapeFn(str) {
    const charCode = str.charCodeAt(0);
    return meta.length > charCode ? meta[charCode] : `\\u${charCode.toString(16)}`;
  }

  // Quote a string JS-style: single quotes by default, double quotes if the
  // string has single but no double quotes, backticks if it has both (and no
  // backtick / `${`). Control characters, the chosen quote, backslashes and
  // lone surrogates are escaped.
  function strEscape(str) {
    let escapeTest = strEscapeSequencesRegExp;
    let escapeReplace = strEscapeSequencesReplacer;
    let singleQuote = 39;

    if (str.includes("'")) {
      if (!str.includes('"')) {
        singleQuote = -1;
      } else if (!str.includes('`') && !str.includes('${')) {
        singleQuote = -2;
      }
      if (singleQuote !== 39) {
        escapeTest = strEscapeSequencesRegExpSingle;
        escapeReplace = strEscapeSequencesReplacerSingle;
      }
    }

    if (str.length < 5000 && escapeTest.exec(str) === null)
      return addQuotes(str, singleQuote);
    if (str.length > 100) {
      escapeReplace.lastIndex = 0;
      str = str.replace(escapeReplace, escapeFn);
      return addQuotes(str, singleQuote);
    }

    let result = '';
    let last = 0;
    for (let i = 0; i < str.length; i++) {
      const point = str.charCodeAt(i);
      if (point === singleQuote ||
          point === 92 ||
          point < 32 ||
          (point > 126 && point < 160)) {
        if (last === i) {
          result += meta[point];
        } else {
          result += `${str.slice(last, i)}${meta[point]}`;
        }
        last = i + 1;
      } else if (point >= 0xd800 && point <= 0xdfff) {
        if (point <= 0xdbff && i + 1 < str.length) {
          const next = str.charCodeAt(i + 1);
          if (next >= 0xdc00 && next <= 0xdfff) {
            i++;
            continue;
          }
        }
        result += `${str.slice(last, i)}\\u${point.toString(16)}`;
        last = i + 1;
      }
    }

    if (last !== str.length) {
      result += str.slice(last);
    }
    return addQuotes(result, singleQuote);
  }

  function stylizeWithColor(str, styleType) {
    const style = inspect.styles[styleType];
    if (style !== undefined) {
      const color = inspect.colors[style];
      if (color !== undefined)
        return `\u001b[${color[0]}m${str}\u001b[${color[1]}m`;
    }
    return str;
  }

  function stylizeNoColor(str) {
    return str;
  }

  function removeColors(str) {
    return String.prototype.replace.call(str, colorRegExp, '');
  }

  function join(output, separator) {
    let str = '';
    if (output.length !== 0) {
      const lastIndex = output.length - 1;
      for (let i = 0; i < lastIndex; i++) {
        str += output[i];
        str += separator;
      }
      str += output[lastIndex];
    }
    return str;
  }

  // ---------------------------------------------------------------------------
  // Constructor names and prefixes.
  // ---------------------------------------------------------------------------

  function getEmptyFormatArray() {
    return [];
  }

  function isInstanceof(object, proto) {
    try {
      return object instanceof proto;
    } catch {
      return false;
    }
  }

  // Prototypes whose name is trusted even if `constructor` was tampered with.
  const wellKnownPrototypes = new Map([
    [ObjectPrototype, { name: 'Object', constructor: Object }],
    [FunctionPrototype, { name: 'Function', constructor: Function }],
  ]);

  // The name of the first usable constructor in the prototype chain; null
  // for null-prototype objects; "X <Proto>" for odd chains. With
  // `protoProps` (showHidden), user prototype properties are collected too.
  function getConstructorName(obj, ctx, recurseTimes, protoProps) {
    let firstProto;
    const tmp = obj;
    while (obj) {
      const wellKnown = wellKnownPrototypes.get(obj);
      if (wellKnown !== undefined) {
        if (functionHasInstance(wellKnown.constructor, tmp)) {
          if (protoProps !== undefined && firstProto !== obj) {
            addPrototypeProperties(
              ctx, tmp, firstProto || tmp, recurseTimes, protoProps);
          }
          return wellKnown.name;
        }
      }
      const descriptor = getOwnPropertyDescriptor(obj, 'constructor');
      if (descriptor !== undefined &&
          typeof descriptor.value === 'function' &&
          descriptor.value.name !== '' &&
          isInstanceof(tmp, descriptor.value)) {
        if (protoProps !== undefined &&
           (firstProto !== obj ||
           !builtInObjects.has(descriptor.value.name))) {
          addPrototypeProperties(
            ctx, tmp, firstProto || tmp, recurseTimes, protoProps);
        }
        return String(descriptor.value.name);
      }

      obj = getPrototypeOf(obj);
      if (firstProto === undefined) {
        firstProto = obj;
      }
    }

    if (firstProto === null) {
      return null;
    }

    const res = internalGetConstructorName(tmp);

    if (recurseTimes > ctx.depth && ctx.depth !== null) {
      return `${res} <Complex prototype>`;
    }

    const protoConstr = getConstructorName(
      firstProto, ctx, recurseTimes + 1, protoProps);

    if (protoConstr === null) {
      return `${res} <${inspect(firstProto, {
        ...ctx,
        customInspect: false,
        depth: -1,
      })}>`;
    }

    return `${res} <${protoConstr}>`;
  }

  // Adds non-function properties of user-defined prototypes (up to three
  // layers) to `output`. Only used with showHidden.
  function addPrototypeProperties(ctx, main, obj, recurseTimes, output) {
    let depth = 0;
    let keys;
    let keySet;
    do {
      if (depth !== 0 || main === obj) {
        obj = getPrototypeOf(obj);
        if (obj === null) {
          return;
        }
        // Stop at the first built-in type.
        const descriptor = getOwnPropertyDescriptor(obj, 'constructor');
        if (descriptor !== undefined &&
            typeof descriptor.value === 'function' &&
            builtInObjects.has(descriptor.value.name)) {
          return;
        }
      }

      if (depth === 0) {
        keySet = new Set();
      } else {
        for (const key of keys) keySet.add(key);
      }
      keys = reflectOwnKeys(obj);
      ctx.seen.push(main);
      for (const key of keys) {
        // Skip `constructor` and keys that exist on layers above.
        if (key === 'constructor' ||
            hasOwn(main, key) ||
            (depth !== 0 && keySet.has(key))) {
          continue;
        }
        const desc = getOwnPropertyDescriptor(obj, key);
        if (typeof desc.value === 'function') {
          continue;
        }
        const value = formatProperty(
          ctx, obj, recurseTimes, key, kObjectType, desc, main);
        if (ctx.colors) {
          // Faint.
          output.push(`\u001b[2m${value}\u001b[22m`);
        } else {
          output.push(value);
        }
      }
      ctx.seen.pop();
    } while (++depth !== 3);
  }

  function getPrefix(constructor, tag, fallback, size = '') {
    if (constructor === null) {
      if (tag !== '' && fallback !== tag) {
        return `[${fallback}${size}: null prototype] [${tag}] `;
      }
      return `[${fallback}${size}: null prototype] `;
    }

    if (tag !== '' && constructor !== tag) {
      return `${constructor}${size} [${tag}] `;
    }
    return `${constructor}${size} `;
  }

  // Own enumerable keys plus enumerable symbols (all own keys if showHidden).
  function getKeys(value, showHidden) {
    let keys;
    const symbols = getOwnPropertySymbols(value);
    if (showHidden) {
      keys = getOwnPropertyNames(value);
      if (symbols.length !== 0)
        keys.push(...symbols);
    } else {
      try {
        keys = objectKeys(value);
      } catch (err) {
        // Module namespace objects of unevaluated modules throw here.
        if (!isModuleNamespaceObject(value)) throw err;
        keys = getOwnPropertyNames(value);
      }
      if (symbols.length !== 0) {
        for (const symbol of symbols) {
          if (propertyIsEnumerable(value, symbol)) keys.push(symbol);
        }
      }
    }
    return keys;
  }

  function getCtxStyle(value, constructor, tag) {
    let fallback = '';
    if (constructor === null) {
      fallback = internalGetConstructorName(value);
      if (fallback === tag) {
        fallback = 'Object';
      }
    }
    return getPrefix(constructor, tag, fallback);
  }

  function formatProxy(ctx, proxy, recurseTimes) {
    if (recurseTimes > ctx.depth && ctx.depth !== null) {
      return ctx.stylize('Proxy [Array]', 'special');
    }
    recurseTimes += 1;
    ctx.indentationLvl += 2;
    const res = [
      formatValue(ctx, proxy[0], recurseTimes),
      formatValue(ctx, proxy[1], recurseTimes),
    ];
    ctx.indentationLvl -= 2;
    return reduceToSingleString(
      ctx, res, '', ['Proxy [', ']'], kArrayExtrasType, recurseTimes);
  }

  // ---------------------------------------------------------------------------
  // The core: formatValue (custom inspectors, proxies, cycles) and formatRaw
  // (everything else).
  // Note: callers of formatValue adjust ctx.indentationLvl around the call.
  // ---------------------------------------------------------------------------

  function formatValue(ctx, value, recurseTimes, typedArray) {
    if (typeof value !== 'object' && typeof value !== 'function') {
      return formatPrimitive(ctx.stylize, value, ctx);
    }
    if (value === null) {
      return ctx.stylize('null', 'null');
    }

    // Custom inspectors are called with the proxy itself as `this`.
    const context = value;
    // Look through proxies without triggering their traps.
    const proxy = getProxyDetails(value, !!ctx.showProxy);
    if (proxy !== undefined) {
      if (proxy === null || proxy[0] === null) {
        return ctx.stylize('<Revoked Proxy>', 'special');
      }
      if (ctx.showProxy) {
        return formatProxy(ctx, proxy, recurseTimes);
      }
      value = proxy;
    }

    if (ctx.customInspect) {
      const maybeCustom = value[customInspectSymbol];
      if (typeof maybeCustom === 'function' &&
          // Our own inspect function is not a custom inspector.
          maybeCustom !== inspect &&
          // Skip prototype objects (Foo.prototype carrying the method).
          !(value.constructor && value.constructor.prototype === value)) {
        // Report the remaining depth, as Node does.
        const depth = ctx.depth === null ? null : ctx.depth - recurseTimes;
        const isCrossContext =
          proxy !== undefined || !(context instanceof Object);
        const ret = maybeCustom.call(
          context,
          depth,
          getUserOptions(ctx, isCrossContext),
          inspect,
        );
        // Returning `this` means "format me normally".
        if (ret !== context) {
          if (typeof ret !== 'string') {
            return formatValue(ctx, ret, recurseTimes);
          }
          return ret.replaceAll('\n', `\n${' '.repeat(ctx.indentationLvl)}`);
        }
      }
    }

    // `seen` holds the current path only, so an array beats a Set here.
    if (ctx.seen.includes(value)) {
      let index = 1;
      if (ctx.circular === undefined) {
        ctx.circular = new Map();
        ctx.circular.set(value, index);
      } else {
        index = ctx.circular.get(value);
        if (index === undefined) {
          index = ctx.circular.size + 1;
          ctx.circular.set(value, index);
        }
      }
      return ctx.stylize(`[Circular *${index}]`, 'special');
    }

    return formatRaw(ctx, value, recurseTimes, typedArray);
  }

  function formatRaw(ctx, value, recurseTimes, typedArray) {
    let keys;
    let protoProps;
    if (ctx.showHidden && (recurseTimes <= ctx.depth || ctx.depth === null)) {
      protoProps = [];
    }

    const constructor = getConstructorName(value, ctx, recurseTimes, protoProps);
    if (protoProps !== undefined && protoProps.length === 0) {
      protoProps = undefined;
    }

    let tag = value[SymbolToStringTag];
    // Only show the tag when it is not already visible as an own property.
    if (typeof tag !== 'string' ||
        (tag !== '' &&
        (ctx.showHidden ? hasOwn : propertyIsEnumerable)(
          value, SymbolToStringTag,
        ))) {
      tag = '';
    }
    let base = '';
    let formatter = getEmptyFormatArray;
    let braces;
    let noIterator = true;
    let i = 0;
    const filter = ctx.showHidden ? ALL_PROPERTIES : ONLY_ENUMERABLE;

    let extrasType = kObjectType;

    // Iterable types first. All are checked when the constructor is null,
    // since nothing else identifies them then.
    if (Symbol.iterator in value || constructor === null) {
      noIterator = false;
      if (isArray(value)) {
        // Plain arrays get no prefix; subclasses and tagged ones do.
        const prefix = (constructor !== 'Array' || tag !== '') ?
          getPrefix(constructor, tag, 'Array', `(${value.length})`) :
          '';
        keys = getOwnNonIndexProperties(value, filter);
        braces = [`${prefix}[`, ']'];
        if (value.length === 0 && keys.length === 0 && protoProps === undefined)
          return `${braces[0]}]`;
        extrasType = kArrayExtrasType;
        formatter = formatArray;
      } else if (isSet(value)) {
        const size = setSizeGetter(value);
        const prefix = getPrefix(constructor, tag, 'Set', `(${size})`);
        keys = getKeys(value, ctx.showHidden);
        formatter = (ctx2, ignored, recurse) =>
          formatSet(value, size, ctx2, recurse);
        if (size === 0 && keys.length === 0 && protoProps === undefined)
          return `${prefix}{}`;
        braces = [`${prefix}{`, '}'];
      } else if (isMap(value)) {
        const size = mapSizeGetter(value);
        const prefix = getPrefix(constructor, tag, 'Map', `(${size})`);
        keys = getKeys(value, ctx.showHidden);
        formatter = (ctx2, ignored, recurse) =>
          formatMap(value, size, ctx2, recurse);
        if (size === 0 && keys.length === 0 && protoProps === undefined)
          return `${prefix}{}`;
        braces = [`${prefix}{`, '}'];
      } else if (isTypedArray(value)) {
        keys = getOwnNonIndexProperties(value, filter);
        let bound = value;
        let fallback = '';
        if (constructor === null) {
          fallback = typedArrayTag(value);
          // Rebuild the array so element access works without a prototype.
          bound = new typedArrayConstructors[fallback](value);
        }
        const size = typedArrayLength(value);
        const prefix = getPrefix(constructor, tag, fallback, `(${size})`);
        braces = [`${prefix}[`, ']'];
        if (size === 0 && keys.length === 0 && !ctx.showHidden)
          return `${braces[0]}]`;
        formatter = (ctx2, ignored, recurse) =>
          formatTypedArray(bound, size, ctx2, recurse);
        extrasType = kArrayExtrasType;
      } else if (isMapIterator(value)) {
        keys = getKeys(value, ctx.showHidden);
        braces = getIteratorBraces('Map', tag);
        formatter = (ctx2, v, recurse) => formatIterator(braces, ctx2, v, recurse);
      } else if (isSetIterator(value)) {
        keys = getKeys(value, ctx.showHidden);
        braces = getIteratorBraces('Set', tag);
        formatter = (ctx2, v, recurse) => formatIterator(braces, ctx2, v, recurse);
      } else {
        noIterator = true;
      }
    }
    if (noIterator) {
      keys = getKeys(value, ctx.showHidden);
      braces = ['{', '}'];
      let promise;
      if (typeof value === 'function') {
        base = getFunctionBase(value, constructor, tag);
        if (keys.length === 0 && protoProps === undefined)
          return ctx.stylize(base, 'special');
      } else if (constructor === 'Object') {
        if (isArgumentsObject(value)) {
          braces[0] = '[Arguments] {';
        } else if (tag !== '') {
          braces[0] = `${getPrefix(constructor, tag, 'Object')}{`;
        }
        if (keys.length === 0 && protoProps === undefined) {
          return `${braces[0]}}`;
        }
      } else if (isRegExp(value)) {
        // Null-prototype regexps need a fresh copy to print their source.
        base = regExpToString(
          constructor !== null ? value : new RegExpCtor(value),
        );
        const prefix = getPrefix(constructor, tag, 'RegExp');
        if (prefix !== 'RegExp ')
          base = `${prefix}${base}`;
        if ((keys.length === 0 && protoProps === undefined) ||
            (recurseTimes > ctx.depth && ctx.depth !== null)) {
          return ctx.stylize(base, 'regexp');
        }
      } else if (isDate(value)) {
        base = Number.isNaN(dateGetTime(value)) ?
          dateToString(value) :
          dateToISOString(value);
        const prefix = getPrefix(constructor, tag, 'Date');
        if (prefix !== 'Date ')
          base = `${prefix}${base}`;
        if (keys.length === 0 && protoProps === undefined) {
          return ctx.stylize(base, 'date');
        }
      } else if (isError(value)) {
        base = formatError(value, constructor, tag, ctx, keys);
        if (keys.length === 0 && protoProps === undefined)
          return base;
      } else if (isAnyArrayBuffer(value)) {
        // DataView is handled separately: its .buffer must recurse.
        const arrayType = isArrayBuffer(value) ? 'ArrayBuffer' :
          'SharedArrayBuffer';
        const prefix = getPrefix(constructor, tag, arrayType);
        if (typedArray === undefined) {
          formatter = formatArrayBuffer;
        } else if (keys.length === 0 && protoProps === undefined) {
          return prefix +
                `{ byteLength: ${formatNumber(ctx.stylize, value.byteLength, false)} }`;
        }
        braces[0] = `${prefix}{`;
        keys.unshift('byteLength');
      } else if (isDataView(value)) {
        braces[0] = `${getPrefix(constructor, tag, 'DataView')}{`;
        // .buffer goes last, it's not a primitive like the others.
        keys.unshift('byteLength', 'byteOffset', 'buffer');
      } else if ((promise = promiseDetails(value)) !== undefined) {
        braces[0] = `${getPrefix(constructor, tag, 'Promise')}{`;
        formatter = (ctx2, v, recurse) => formatPromise(promise, ctx2, recurse);
      } else if (isWeakSet(value)) {
        braces[0] = `${getPrefix(constructor, tag, 'WeakSet')}{`;
        formatter = ctx.showHidden ? formatWeakSet : formatWeakCollection;
      } else if (isWeakMap(value)) {
        braces[0] = `${getPrefix(constructor, tag, 'WeakMap')}{`;
        formatter = ctx.showHidden ? formatWeakMap : formatWeakCollection;
      } else if (isModuleNamespaceObject(value)) {
        braces[0] = `${getPrefix(constructor, tag, 'Module')}{`;
        // Namespace keys are handled by the formatter (TDZ bindings).
        const nsKeys = keys;
        formatter = (ctx2, v, recurse) =>
          formatNamespaceObject(nsKeys, ctx2, v, recurse);
      } else if (isBoxedPrimitive(value)) {
        base = getBoxedBase(value, ctx, keys, constructor, tag);
        if (keys.length === 0 && protoProps === undefined) {
          return base;
        }
      } else {
        if (keys.length === 0 && protoProps === undefined) {
          return `${getCtxStyle(value, constructor, tag)}{}`;
        }
        braces[0] = `${getCtxStyle(value, constructor, tag)}{`;
      }
    }

    if (recurseTimes > ctx.depth && ctx.depth !== null) {
      let constructorName = getCtxStyle(value, constructor, tag).slice(0, -1);
      if (constructor !== null)
        constructorName = `[${constructorName}]`;
      return ctx.stylize(constructorName, 'special');
    }
    recurseTimes += 1;

    ctx.seen.push(value);
    ctx.currentDepth = recurseTimes;
    let output;
    const indentationLvl = ctx.indentationLvl;
    try {
      output = formatter(ctx, value, recurseTimes);
      for (i = 0; i < keys.length; i++) {
        output.push(
          formatProperty(ctx, value, recurseTimes, keys[i], extrasType));
      }
      if (protoProps !== undefined) {
        output.push(...protoProps);
      }
    } catch (err) {
      if (!isStackOverflowError(err)) throw err;
      const constructorName = getCtxStyle(value, constructor, tag).slice(0, -1);
      return handleMaxCallStackSize(ctx, err, constructorName, indentationLvl);
    }
    if (ctx.circular !== undefined) {
      const index = ctx.circular.get(value);
      if (index !== undefined) {
        const reference = ctx.stylize(`<ref *${index}>`, 'special');
        // The reference marker always leads the output.
        if (ctx.compact !== true) {
          base = base === '' ? reference : `${reference} ${base}`;
        } else {
          braces[0] = `${reference} ${braces[0]}`;
        }
      }
    }
    ctx.seen.pop();

    if (ctx.sorted) {
      const comparator = ctx.sorted === true ? undefined : ctx.sorted;
      if (extrasType === kObjectType) {
        output.sort(comparator);
      } else if (keys.length > 1) {
        // Only the named properties after the array entries are sorted.
        const sorted = output.slice(output.length - keys.length).sort(comparator);
        output.splice(output.length - keys.length, keys.length, ...sorted);
      }
    }

    const res = reduceToSingleString(
      ctx, output, base, braces, extrasType, recurseTimes, value);
    const budget = ctx.budget[ctx.indentationLvl] || 0;
    const newLength = budget + res.length;
    ctx.budget[ctx.indentationLvl] = newLength;
    // Huge outputs: stop descending so the result stays a sane size.
    if (newLength > 2 ** 27) {
      ctx.depth = -1;
    }
    return res;
  }

  function getIteratorBraces(type, tag) {
    if (tag !== `${type} Iterator`) {
      if (tag !== '')
        tag += '] [';
      tag += `${type} Iterator`;
    }
    return [`[${tag}] {`, '}'];
  }

  function getBoxedBase(value, ctx, keys, constructor, tag) {
    let fn;
    let type;
    if (isNumberObject(value)) {
      fn = numberValueOf;
      type = 'Number';
    } else if (isStringObject(value)) {
      fn = stringValueOf;
      type = 'String';
      // The index keys of boxed strings only repeat the characters.
      keys.splice(0, value.length);
    } else if (isBooleanObject(value)) {
      fn = booleanValueOf;
      type = 'Boolean';
    } else if (isBigIntObject(value)) {
      fn = bigintValueOf;
      type = 'BigInt';
    } else {
      fn = symbolValueOf;
      type = 'Symbol';
    }
    let base = `[${type}`;
    if (type !== constructor) {
      if (constructor === null) {
        base += ' (null prototype)';
      } else {
        base += ` (${constructor})`;
      }
    }
    base += `: ${formatPrimitive(stylizeNoColor, fn(value), ctx)}]`;
    if (tag !== '' && tag !== constructor) {
      base += ` [${tag}]`;
    }
    if (keys.length !== 0 || ctx.stylize === stylizeNoColor)
      return base;
    return ctx.stylize(base, type.toLowerCase());
  }

  function getClassBase(value, constructor, tag) {
    const hasName = hasOwn(value, 'name');
    const name = (hasName && value.name) || '(anonymous)';
    let base = `class ${name}`;
    if (constructor !== 'Function' && constructor !== null) {
      base += ` [${constructor}]`;
    }
    if (tag !== '' && constructor !== tag) {
      base += ` [${tag}]`;
    }
    if (constructor !== null) {
      const superName = getPrototypeOf(value).name;
      if (superName) {
        base += ` extends ${superName}`;
      }
    } else {
      base += ' extends [null prototype]';
    }
    return `[${base}]`;
  }

  function getFunctionBase(value, constructor, tag) {
    const stringified = functionToString(value);
    if (stringified.startsWith('class') && stringified[stringified.length - 1] === '}') {
      const slice = stringified.slice(5, -1);
      const bracketIndex = slice.indexOf('{');
      if (bracketIndex !== -1 &&
          (!slice.slice(0, bracketIndex).includes('(') ||
          // Slow path to make sure it really is a class.
          classRegExp.exec(slice.replace(stripCommentsRegExp, '')) !== null)
      ) {
        return getClassBase(value, constructor, tag);
      }
    }
    let type = 'Function';
    if (isGeneratorFunction(value)) {
      type = `Generator${type}`;
    }
    if (isAsyncFunction(value)) {
      type = `Async${type}`;
    }
    let base = `[${type}`;
    if (constructor === null) {
      base += ' (null prototype)';
    }
    if (value.name === '') {
      base += ' (anonymous)';
    } else {
      base += `: ${value.name}`;
    }
    base += ']';
    if (constructor !== type && constructor !== null) {
      base += ` ${constructor}`;
    }
    if (tag !== '' && constructor !== tag) {
      base += ` [${tag}]`;
    }
    return base;
  }

  // ---------------------------------------------------------------------------
  // Errors.
  // ---------------------------------------------------------------------------

  function identicalSequenceRange(a, b) {
    for (let i = 0; i < a.length - 3; i++) {
      // Find the first entry of b that matches the current entry of a.
      const pos = b.indexOf(a[i]);
      if (pos !== -1) {
        const rest = b.length - pos;
        if (rest > 3) {
          let len = 1;
          const maxLen = Math.min(a.length - i, rest);
          // Count the number of consecutive entries.
          while (maxLen > len && a[i + len] === b[pos + len]) {
            len++;
          }
          if (len > 3) {
            return { len, offset: i };
          }
        }
      }
    }

    return { len: 0, offset: 0 };
  }

  function getStackString(error) {
    return error.stack ? String(error.stack) : errorToString(error);
  }

  function getStackFrames(ctx, err, stack) {
    const frames = stack.split('\n');

    let cause;
    try {
      ({ cause } = err);
    } catch {
      // A throwing `cause` getter is ignored.
    }

    // Collapse frames shared with the cause's stack.
    if (cause != null && isError(cause)) {
      const causeStack = getStackString(cause);
      const causeStackStart = causeStack.indexOf('\n    at');
      if (causeStackStart !== -1) {
        const causeFrames = causeStack.slice(causeStackStart + 1).split('\n');
        const { len, offset } = identicalSequenceRange(frames, causeFrames);
        if (len > 0) {
          const skipped = len - 2;
          const msg = `    ... ${skipped} lines matching cause stack trace ...`;
          frames.splice(offset + 1, skipped, ctx.stylize(msg, 'undefined'));
        }
      }
    }
    return frames;
  }

  // Make the first stack line name the actual class / tag when it differs
  // from the error's `name` (only for stacks that look standard).
  function improveStack(stack, constructor, name, tag) {
    let len = name.length;

    if (constructor === null ||
        (name.endsWith('Error') &&
        stack.startsWith(name) &&
        (stack.length === len || stack[len] === ':' || stack[len] === '\n'))) {
      let fallback = 'Error';
      if (constructor === null) {
        const start = /^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n {4}at)/.exec(stack) ||
          /^([a-z_A-Z0-9-]*Error)$/.exec(stack);
        fallback = (start && start[1]) || '';
        len = fallback.length;
        fallback = fallback || 'Error';
      }
      const prefix = getPrefix(constructor, tag, fallback).slice(0, -1);
      if (name !== prefix) {
        if (prefix.includes(name)) {
          if (len === 0) {
            stack = `${prefix}: ${stack}`;
          } else {
            stack = `${prefix}${stack.slice(len)}`;
          }
        } else {
          stack = `${prefix} [${name}]${stack.slice(len)}`;
        }
      }
    }
    return stack;
  }

  function removeDuplicateErrorKeys(ctx, keys, err, stack) {
    if (!ctx.showHidden && keys.length !== 0) {
      for (const name of ['name', 'message', 'stack']) {
        const index = keys.indexOf(name);
        // Hide the property only if the stack already shows it.
        if (index !== -1 && stack.includes(err[name])) {
          keys.splice(index, 1);
        }
      }
    }
  }

  function formatError(err, constructor, tag, ctx, keys) {
    const name = err.name != null ? String(err.name) : 'Error';
    let stack = getStackString(err);

    removeDuplicateErrorKeys(ctx, keys, err, stack);

    if ('cause' in err &&
        (keys.length === 0 || !keys.includes('cause'))) {
      keys.push('cause');
    }

    // AggregateError's errors.
    if (isArray(err.errors) &&
        (keys.length === 0 || !keys.includes('errors'))) {
      keys.push('errors');
    }

    stack = improveStack(stack, constructor, name, tag);

    // Ignore the error message if it's contained in the stack.
    let pos = (err.message && stack.indexOf(err.message)) || -1;
    if (pos !== -1)
      pos += err.message.length;
    // Errors without stack frames are wrapped in brackets.
    const stackStart = stack.indexOf('\n    at', pos);
    if (stackStart === -1) {
      stack = `[${stack}]`;
    } else {
      let newStack = stack.slice(0, stackStart);
      const stackFramePart = stack.slice(stackStart + 1);
      const lines = getStackFrames(ctx, err, stackFramePart);
      if (ctx.colors) {
        // Grey out frames of Node's own modules.
        for (const line of lines) {
          if (coreModuleRegExp.exec(line) !== null) {
            newStack += `\n${ctx.stylize(line, 'undefined')}`;
          } else {
            newStack += `\n${line}`;
          }
        }
      } else {
        newStack += `\n${lines.join('\n')}`;
      }
      stack = newStack;
    }
    // The message and the stack have to be indented as well.
    if (ctx.indentationLvl !== 0) {
      const indentation = ' '.repeat(ctx.indentationLvl);
      stack = stack.replaceAll('\n', `\n${indentation}`);
    }
    return stack;
  }

  // ---------------------------------------------------------------------------
  // Arrays and collections.
  // ---------------------------------------------------------------------------

  // Lay out many short array entries in aligned columns.
  function groupArrayElements(ctx, output, value) {
    let totalLength = 0;
    let maxLength = 0;
    let i = 0;
    let outputLength = output.length;
    if (ctx.maxArrayLength < output.length) {
      // Leave the "... n more items" entry out of the computation.
      outputLength--;
    }
    const separatorSpace = 2; // ", "
    const dataLen = new Array(outputLength);
    // Visible widths (colors removed) of all entries, their sum and maximum.
    for (; i < outputLength; i++) {
      const len = getStringWidth(output[i], ctx.colors);
      dataLen[i] = len;
      totalLength += len + separatorSpace;
      if (maxLength < len)
        maxLength = len;
    }
    const actualMax = maxLength + separatorSpace;
    // Group only if three columns fit and no entry dwarfs the others.
    if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength &&
        (totalLength / actualMax > 5 || maxLength <= 6)) {

      const approxCharHeights = 2.5;
      const averageBias = Math.sqrt(actualMax - totalLength / output.length);
      const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
      const columns = Math.min(
        // Aim for a roughly square block (characters are ~2.5x taller than
        // wide); the bias gives short entries more columns.
        Math.round(
          Math.sqrt(
            approxCharHeights * biasedMax * outputLength,
          ) / biasedMax,
        ),
        // Stay within breakLength.
        Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
        // Small `compact` values mean less grouping.
        ctx.compact * 4,
        // Never more than fifteen columns.
        15,
      );
      if (columns <= 1) {
        return output;
      }
      const tmp = [];
      const maxLineLength = [];
      for (let i = 0; i < columns; i++) {
        let lineMaxLength = 0;
        for (let j = i; j < output.length; j += columns) {
          if (dataLen[j] > lineMaxLength)
            lineMaxLength = dataLen[j];
        }
        lineMaxLength += separatorSpace;
        maxLineLength[i] = lineMaxLength;
      }
      // Numbers are right-aligned, anything else left-aligned.
      let order = String.prototype.padStart;
      if (value !== undefined) {
        for (let i = 0; i < output.length; i++) {
          if (typeof value[i] !== 'number' && typeof value[i] !== 'bigint') {
            order = String.prototype.padEnd;
            break;
          }
        }
      }
      for (let i = 0; i < outputLength; i += columns) {
        // The last row may be shorter.
        const max = Math.min(i + columns, outputLength);
        let str = '';
        let j = i;
        for (; j < max - 1; j++) {
          // Account for invisible color codes in the padding.
          const padding = maxLineLength[j - i] + output[j].length - dataLen[j];
          str += order.call(`${output[j]}, `, padding, ' ');
        }
        if (order === String.prototype.padStart) {
          const padding = maxLineLength[j - i] +
                          output[j].length -
                          dataLen[j] -
                          separatorSpace;
          str += output[j].padStart(padding, ' ');
        } else {
          str += output[j];
        }
        tmp.push(str);
      }
      if (ctx.maxArrayLength < output.length) {
        tmp.push(output[outputLength]);
      }
      output = tmp;
    }
    return output;
  }

  function handleMaxCallStackSize(ctx, err, constructorName, indentationLvl) {
    ctx.seen.pop();
    ctx.indentationLvl = indentationLvl;
    return ctx.stylize(
      `[${constructorName}: Inspection interrupted ` +
        'prematurely. Maximum call stack size exceeded.]',
      'special',
    );
  }

  function addNumericSeparator(integerString) {
    let result = '';
    let i = integerString.length;
    const start = integerString[0] === '-' ? 1 : 0;
    for (; i >= start + 4; i -= 3) {
      result = `_${integerString.slice(i - 3, i)}${result}`;
    }
    return i === integerString.length ?
      integerString :
      `${integerString.slice(0, i)}${result}`;
  }

  function addNumericSeparatorEnd(integerString) {
    let result = '';
    let i = 0;
    for (; i < integerString.length - 3; i += 3) {
      result += `${integerString.slice(i, i + 3)}_`;
    }
    return i === 0 ?
      integerString :
      `${result}${integerString.slice(i)}`;
  }

  const remainingText = (remaining) => `... ${remaining} more item${remaining > 1 ? 's' : ''}`;

  function formatNumber(fn, number, numericSeparator) {
    if (!numericSeparator) {
      // -0 prints as '-0'.
      if (objectIs(number, -0)) {
        return fn('-0', 'number');
      }
      return fn(`${number}`, 'number');
    }

    const numberString = String(number);
    const integer = Math.trunc(number);

    if (integer === number) {
      if (!Number.isFinite(number) || numberString.includes('e')) {
        return fn(numberString, 'number');
      }
      return fn(addNumericSeparator(numberString), 'number');
    }
    if (Number.isNaN(number)) {
      return fn(numberString, 'number');
    }

    const decimalIndex = numberString.indexOf('.');
    const integerPart = numberString.slice(0, decimalIndex);
    const fractionalPart = numberString.slice(decimalIndex + 1);

    return fn(`${
      addNumericSeparator(integerPart)
    }.${
      addNumericSeparatorEnd(fractionalPart)
    }`, 'number');
  }

  function formatBigInt(fn, bigint, numericSeparator) {
    const string = String(bigint);
    if (!numericSeparator) {
      return fn(`${string}n`, 'bigint');
    }
    return fn(`${addNumericSeparator(string)}n`, 'bigint');
  }

  function formatPrimitive(fn, value, ctx) {
    if (typeof value === 'string') {
      let trailer = '';
      if (value.length > ctx.maxStringLength) {
        const remaining = value.length - ctx.maxStringLength;
        value = value.slice(0, ctx.maxStringLength);
        trailer = `... ${remaining} more character${remaining > 1 ? 's' : ''}`;
      }
      if (ctx.compact !== true &&
          // Measured in UTF-16 units, not display width (as Node does).
          value.length > kMinLineLength &&
          value.length > ctx.breakLength - ctx.indentationLvl - 4) {
        // Long multi-line strings become 'line\n' + 'line' chains.
        return value.split(/(?<=\n)/)
          .map((line) => fn(strEscape(line), 'string'))
          .join(` +\n${' '.repeat(ctx.indentationLvl + 2)}`) + trailer;
      }
      return fn(strEscape(value), 'string') + trailer;
    }
    if (typeof value === 'number')
      return formatNumber(fn, value, ctx.numericSeparator);
    if (typeof value === 'bigint')
      return formatBigInt(fn, value, ctx.numericSeparator);
    if (typeof value === 'boolean')
      return fn(`${value}`, 'boolean');
    if (typeof value === 'undefined')
      return fn('undefined', 'undefined');
    // Symbol.
    return fn(symbolToString(value), 'symbol');
  }

  function formatNamespaceObject(keys, ctx, value, recurseTimes) {
    const output = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      try {
        output[i] = formatProperty(ctx, value, recurseTimes, keys[i],
                                   kObjectType);
      } catch (err) {
        if (!(isNativeError(err) && err.name === 'ReferenceError')) throw err;
        // An uninitialized (TDZ) binding: format a stand-in property to get
        // the layout right, then swap its value for `<uninitialized>`.
        const tmp = { [keys[i]]: '' };
        output[i] = formatProperty(ctx, tmp, recurseTimes, keys[i], kObjectType);
        const pos = output[i].lastIndexOf(' ');
        output[i] = output[i].slice(0, pos + 1) +
                    ctx.stylize('<uninitialized>', 'special');
      }
    }
    // The keys were consumed here; don't print them a second time.
    keys.length = 0;
    return output;
  }

  // Arrays with holes and/or extra keys.
  function formatSpecialArray(ctx, value, recurseTimes, maxLength, output, i) {
    const keys = objectKeys(value);
    let index = i;
    for (; i < keys.length && output.length < maxLength; i++) {
      const key = keys[i];
      const tmp = +key;
      // Arrays can only have up to 2^32 - 1 entries.
      if (tmp > 2 ** 32 - 2) {
        break;
      }
      if (`${index}` !== key) {
        if (numberRegExp.exec(key) === null) {
          break;
        }
        const emptyItems = tmp - index;
        const ending = emptyItems > 1 ? 's' : '';
        const message = `<${emptyItems} empty item${ending}>`;
        output.push(ctx.stylize(message, 'undefined'));
        index = tmp;
        if (output.length === maxLength) {
          break;
        }
      }
      output.push(formatProperty(ctx, value, recurseTimes, key, kArrayType));
      index++;
    }
    const remaining = value.length - index;
    if (output.length !== maxLength) {
      if (remaining > 0) {
        const ending = remaining > 1 ? 's' : '';
        const message = `<${remaining} empty item${ending}>`;
        output.push(ctx.stylize(message, 'undefined'));
      }
    } else if (remaining > 0) {
      output.push(remainingText(remaining));
    }
    return output;
  }

  function hexSlice(bytes, start, end) {
    let out = '';
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      out += (b < 16 ? '0' : '') + b.toString(16);
    }
    return out;
  }

  function formatArrayBuffer(ctx, value) {
    let buffer;
    try {
      buffer = new Uint8Array(value);
    } catch {
      return [ctx.stylize('(detached)', 'special')];
    }
    let str = hexSlice(buffer, 0, Math.min(ctx.maxArrayLength, buffer.length))
      .replace(/(.{2})/g, '$1 ').trim();
    const remaining = buffer.length - ctx.maxArrayLength;
    if (remaining > 0)
      str += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
    return [`${ctx.stylize('[Uint8Contents]', 'special')}: <${str}>`];
  }

  function formatArray(ctx, value, recurseTimes) {
    const valLen = value.length;
    const len = Math.min(Math.max(0, ctx.maxArrayLength), valLen);

    const remaining = valLen - len;
    const output = [];
    for (let i = 0; i < len; i++) {
      // Holes switch to the sparse-array path.
      if (!hasOwn(value, i)) {
        return formatSpecialArray(ctx, value, recurseTimes, len, output, i);
      }
      output.push(formatProperty(ctx, value, recurseTimes, i, kArrayType));
    }
    if (remaining > 0) {
      output.push(remainingText(remaining));
    }
    return output;
  }

  function formatTypedArray(value, length, ctx, recurseTimes) {
    const maxLength = Math.min(Math.max(0, ctx.maxArrayLength), length);
    const remaining = value.length - maxLength;
    const output = new Array(maxLength);
    const elementFormatter = value.length > 0 && typeof value[0] === 'number' ?
      formatNumber :
      formatBigInt;
    for (let i = 0; i < maxLength; ++i) {
      output[i] = elementFormatter(ctx.stylize, value[i], ctx.numericSeparator);
    }
    if (remaining > 0) {
      output[maxLength] = remainingText(remaining);
    }
    if (ctx.showHidden) {
      // .buffer goes last, it's not a primitive like the others.
      ctx.indentationLvl += 2;
      for (const key of [
        'BYTES_PER_ELEMENT',
        'length',
        'byteLength',
        'byteOffset',
        'buffer',
      ]) {
        const str = formatValue(ctx, value[key], recurseTimes, true);
        output.push(`[${key}]: ${str}`);
      }
      ctx.indentationLvl -= 2;
    }
    return output;
  }

  function formatSet(set, length, ctx, recurseTimes) {
    const maxLength = Math.min(Math.max(0, ctx.maxArrayLength), length);
    const remaining = length - maxLength;
    const output = [];
    ctx.indentationLvl += 2;
    let i = 0;
    const iterator = setValues(set);
    for (let step = setIteratorNext(iterator); !step.done;
      step = setIteratorNext(iterator)) {
      if (i >= maxLength) break;
      output.push(formatValue(ctx, step.value, recurseTimes));
      i++;
    }
    if (remaining > 0) {
      output.push(remainingText(remaining));
    }
    ctx.indentationLvl -= 2;
    return output;
  }

  function formatMap(map, length, ctx, recurseTimes) {
    const maxLength = Math.min(Math.max(0, ctx.maxArrayLength), length);
    const remaining = length - maxLength;
    const output = [];
    ctx.indentationLvl += 2;
    let i = 0;
    const iterator = mapEntries(map);
    for (let step = mapIteratorNext(iterator); !step.done;
      step = mapIteratorNext(iterator)) {
      if (i >= maxLength) break;
      const k = step.value[0];
      const v = step.value[1];
      output.push(
        `${formatValue(ctx, k, recurseTimes)} => ${formatValue(ctx, v, recurseTimes)}`,
      );
      i++;
    }
    if (remaining > 0) {
      output.push(remainingText(remaining));
    }
    ctx.indentationLvl -= 2;
    return output;
  }

  function formatSetIterInner(ctx, recurseTimes, entries, state) {
    const maxArrayLength = Math.max(ctx.maxArrayLength, 0);
    const maxLength = Math.min(maxArrayLength, entries.length);
    const output = new Array(maxLength);
    ctx.indentationLvl += 2;
    for (let i = 0; i < maxLength; i++) {
      output[i] = formatValue(ctx, entries[i], recurseTimes);
    }
    ctx.indentationLvl -= 2;
    if (state === kWeak && !ctx.sorted) {
      // Weak entries come in no stable order; sort for reproducible output.
      output.sort();
    }
    const remaining = entries.length - maxLength;
    if (remaining > 0) {
      output.push(remainingText(remaining));
    }
    return output;
  }

  function formatMapIterInner(ctx, recurseTimes, entries, state) {
    const maxArrayLength = Math.max(ctx.maxArrayLength, 0);
    // Entries are flat: [key1, val1, key2, val2, ...].
    const len = entries.length / 2;
    const remaining = len - maxArrayLength;
    const maxLength = Math.min(maxArrayLength, len);
    const output = new Array(maxLength);
    let i = 0;
    ctx.indentationLvl += 2;
    if (state === kWeak) {
      for (; i < maxLength; i++) {
        const pos = i * 2;
        output[i] =
          `${formatValue(ctx, entries[pos], recurseTimes)} => ${formatValue(ctx, entries[pos + 1], recurseTimes)}`;
      }
      // Weak entries come in no stable order; sort for reproducible output.
      if (!ctx.sorted)
        output.sort();
    } else {
      for (; i < maxLength; i++) {
        const pos = i * 2;
        const res = [
          formatValue(ctx, entries[pos], recurseTimes),
          formatValue(ctx, entries[pos + 1], recurseTimes),
        ];
        output[i] = reduceToSingleString(
          ctx, res, '', ['[', ']'], kArrayExtrasType, recurseTimes);
      }
    }
    ctx.indentationLvl -= 2;
    if (remaining > 0) {
      output.push(remainingText(remaining));
    }
    return output;
  }

  function formatWeakCollection(ctx) {
    return [ctx.stylize('<items unknown>', 'special')];
  }

  function formatWeakSet(ctx, value, recurseTimes) {
    const entries = previewEntries(value, false);
    if (!isArray(entries)) return formatWeakCollection(ctx);
    return formatSetIterInner(ctx, recurseTimes, entries, kWeak);
  }

  function formatWeakMap(ctx, value, recurseTimes) {
    const entries = previewEntries(value, false);
    if (!isArray(entries)) return formatWeakCollection(ctx);
    return formatMapIterInner(ctx, recurseTimes, entries, kWeak);
  }

  function formatIterator(braces, ctx, value, recurseTimes) {
    const preview = previewEntries(value, true);
    if (!isArray(preview) || !isArray(preview[0])) {
      return formatWeakCollection(ctx);
    }
    const entries = preview[0];
    const isKeyValue = preview[1];
    if (isKeyValue) {
      // Mark entry iterators as such.
      braces[0] = braces[0].replace(/ Iterator] {$/, ' Entries] {');
      return formatMapIterInner(ctx, recurseTimes, entries, kMapEntries);
    }

    return formatSetIterInner(ctx, recurseTimes, entries, kIterator);
  }

  function formatPromise(details, ctx, recurseTimes) {
    let output;
    if (details.state !== 'fulfilled' && details.state !== 'rejected') {
      output = [ctx.stylize('<pending>', 'special')];
    } else {
      ctx.indentationLvl += 2;
      const str = formatValue(ctx, details.result, recurseTimes);
      ctx.indentationLvl -= 2;
      output = [
        details.state === 'rejected' ?
          `${ctx.stylize('<rejected>', 'special')} ${str}` :
          str,
      ];
    }
    return output;
  }

  // ---------------------------------------------------------------------------
  // Properties and line layout.
  // ---------------------------------------------------------------------------

  function formatProperty(ctx, value, recurseTimes, key, type, desc,
                          original = value) {
    let name, str;
    let extra = ' ';
    desc = desc || getOwnPropertyDescriptor(value, key) ||
      { value: value[key], enumerable: true };
    if (desc.value !== undefined) {
      const diff = (ctx.compact !== true || type !== kObjectType) ? 2 : 3;
      ctx.indentationLvl += diff;
      str = formatValue(ctx, desc.value, recurseTimes);
      if (diff === 3 && ctx.breakLength < getStringWidth(str, ctx.colors)) {
        extra = `\n${' '.repeat(ctx.indentationLvl)}`;
      }
      ctx.indentationLvl -= diff;
    } else if (desc.get !== undefined) {
      const label = desc.set !== undefined ? 'Getter/Setter' : 'Getter';
      const s = ctx.stylize;
      const sp = 'special';
      if (ctx.getters && (ctx.getters === true ||
            (ctx.getters === 'get' && desc.set === undefined) ||
            (ctx.getters === 'set' && desc.set !== undefined))) {
        try {
          const tmp = desc.get.call(original);
          ctx.indentationLvl += 2;
          if (tmp === null) {
            str = `${s(`[${label}:`, sp)} ${s('null', 'null')}${s(']', sp)}`;
          } else if (typeof tmp === 'object') {
            str = `${s(`[${label}]`, sp)} ${formatValue(ctx, tmp, recurseTimes)}`;
          } else {
            const primitive = formatPrimitive(s, tmp, ctx);
            str = `${s(`[${label}:`, sp)} ${primitive}${s(']', sp)}`;
          }
          ctx.indentationLvl -= 2;
        } catch (err) {
          const message = `<Inspection threw (${err.message})>`;
          str = `${s(`[${label}:`, sp)} ${message}${s(']', sp)}`;
        }
      } else {
        str = ctx.stylize(`[${label}]`, sp);
      }
    } else if (desc.set !== undefined) {
      str = ctx.stylize('[Setter]', 'special');
    } else {
      str = ctx.stylize('undefined', 'undefined');
    }
    if (type === kArrayType) {
      return str;
    }
    if (typeof key === 'symbol') {
      strEscapeSequencesReplacer.lastIndex = 0;
      const tmp = symbolToString(key).replace(strEscapeSequencesReplacer, escapeFn);
      name = `[${ctx.stylize(tmp, 'symbol')}]`;
    } else if (key === '__proto__') {
      name = "['__proto__']";
    } else if (desc.enumerable === false) {
      strEscapeSequencesReplacer.lastIndex = 0;
      const tmp = key.replace(strEscapeSequencesReplacer, escapeFn);
      name = `[${tmp}]`;
    } else if (keyStrRegExp.exec(key) !== null) {
      name = ctx.stylize(key, 'name');
    } else {
      name = ctx.stylize(strEscape(key), 'string');
    }
    return `${name}:${extra}${str}`;
  }

  function isBelowBreakLength(ctx, output, start, base) {
    // Every entry costs at least a separator, hence the initial total.
    // Lengths are in UTF-16 units, not display width (as in Node).
    let totalLength = output.length + start;
    if (totalLength + output.length > ctx.breakLength)
      return false;
    for (let i = 0; i < output.length; i++) {
      if (ctx.colors) {
        totalLength += removeColors(output[i]).length;
      } else {
        totalLength += output[i].length;
      }
      if (totalLength > ctx.breakLength) {
        return false;
      }
    }
    // A multi-line `base` never shares its line with the entries.
    return base === '' || !base.includes('\n');
  }

  function reduceToSingleString(
    ctx, output, base, braces, extrasType, recurseTimes, value) {
    if (ctx.compact !== true) {
      if (typeof ctx.compact === 'number' && ctx.compact >= 1) {
        // If grouping changes the entry count, don't join to one line.
        const entries = output.length;
        // Group arrays with more than six entries into columns.
        if (extrasType === kArrayExtrasType && entries > 6) {
          output = groupArrayElements(ctx, output, value);
        }
        // ctx.currentDepth is the deepest level reached below this object;
        // the innermost `ctx.compact` levels may be put on a single line if
        // they fit within breakLength.
        if (ctx.currentDepth - recurseTimes < ctx.compact &&
            entries === output.length) {
          // 10 is a constant head start for the other length factors.
          const start = output.length + ctx.indentationLvl +
                        braces[0].length + base.length + 10;
          if (isBelowBreakLength(ctx, output, start, base)) {
            const joinedOutput = join(output, ', ');
            if (!joinedOutput.includes('\n')) {
              return `${base ? `${base} ` : ''}${braces[0]} ${joinedOutput}` +
                ` ${braces[1]}`;
            }
          }
        }
      }
      // One entry per line.
      const indentation = `\n${' '.repeat(ctx.indentationLvl)}`;
      return `${base ? `${base} ` : ''}${braces[0]}${indentation}  ` +
        `${join(output, `,${indentation}  `)}${indentation}${braces[1]}`;
    }
    // compact === true: single line if it fits.
    if (isBelowBreakLength(ctx, output, 0, base)) {
      return `${braces[0]}${base ? ` ${base}` : ''} ${join(output, ', ')} ` +
        braces[1];
    }
    const indentation = ' '.repeat(ctx.indentationLvl);
    // A long opening brace ("Set {") forces the first entry onto a new line
    // so the entries line up.
    const ln = base === '' && braces[0].length === 1 ?
      ' ' : `${base ? ` ${base}` : ''}\n${indentation}  `;
    return `${braces[0]}${ln}${join(output, `,\n${indentation}  `)} ${braces[1]}`;
  }

  // ---------------------------------------------------------------------------
  // format / formatWithOptions.
  // ---------------------------------------------------------------------------

  function returnFalse() {
    return false;
  }

  // True when String(value) would only give a built-in representation, in
  // which case %s inspects the value instead.
  function hasBuiltInToString(value) {
    // Don't trigger proxy traps.
    const proxyTarget = getProxyDetails(value, false);
    if (proxyTarget !== undefined) {
      if (proxyTarget === null) {
        return true;
      }
      value = proxyTarget;
    }

    let hasOwnToString = hasOwn;
    let hasOwnToPrimitive = hasOwn;

    // No toString and no Symbol.toPrimitive counts as built-in.
    if (typeof value.toString !== 'function') {
      if (typeof value[Symbol.toPrimitive] !== 'function') {
        return true;
      } else if (hasOwn(value, Symbol.toPrimitive)) {
        return false;
      }
      hasOwnToString = returnFalse;
    } else if (hasOwn(value, 'toString')) {
      return false;
    } else if (typeof value[Symbol.toPrimitive] !== 'function') {
      hasOwnToPrimitive = returnFalse;
    } else if (hasOwn(value, Symbol.toPrimitive)) {
      return false;
    }

    // Find the prototype that owns `toString` / `Symbol.toPrimitive`.
    let pointer = value;
    do {
      pointer = getPrototypeOf(pointer);
    } while (!hasOwnToString(pointer, 'toString') &&
      !hasOwnToPrimitive(pointer, Symbol.toPrimitive));

    // Is it a built-in's prototype?
    const descriptor = getOwnPropertyDescriptor(pointer, 'constructor');
    return descriptor !== undefined &&
      typeof descriptor.value === 'function' &&
      builtInObjects.has(descriptor.value.name);
  }

  const firstErrorLine = (error) => error.message.split('\n', 1)[0];
  let CIRCULAR_ERROR_MESSAGE;
  function tryStringify(arg) {
    try {
      return JSON.stringify(arg);
    } catch (err) {
      // Learn the engine's circular-structure message lazily.
      if (!CIRCULAR_ERROR_MESSAGE) {
        try {
          const a = {};
          a.a = a;
          JSON.stringify(a);
        } catch (circularError) {
          CIRCULAR_ERROR_MESSAGE = firstErrorLine(circularError);
        }
      }
      if (err.name === 'TypeError' &&
          firstErrorLine(err) === CIRCULAR_ERROR_MESSAGE) {
        return '[Circular]';
      }
      throw err;
    }
  }

  function format(...args) {
    return formatWithOptionsInternal(undefined, args);
  }

  function formatWithOptions(inspectOptions, ...args) {
    validateObject(inspectOptions, 'inspectOptions', true);
    return formatWithOptionsInternal(inspectOptions, args);
  }

  function formatNumberNoColor(number, options) {
    return formatNumber(
      stylizeNoColor,
      number,
      options?.numericSeparator ?? inspectDefaultOptions.numericSeparator,
    );
  }

  function formatBigIntNoColor(bigint, options) {
    return formatBigInt(
      stylizeNoColor,
      bigint,
      options?.numericSeparator ?? inspectDefaultOptions.numericSeparator,
    );
  }

  function formatWithOptionsInternal(inspectOptions, args) {
    const first = args[0];
    let a = 0;
    let str = '';
    let join = '';

    if (typeof first === 'string') {
      if (args.length === 1) {
        return first;
      }
      let tempStr;
      let lastPos = 0;

      for (let i = 0; i < first.length - 1; i++) {
        if (first.charCodeAt(i) === 37) { // '%'
          const nextChar = first.charCodeAt(++i);
          if (a + 1 !== args.length) {
            switch (nextChar) {
              case 115: { // 's'
                const tempArg = args[++a];
                if (typeof tempArg === 'number') {
                  tempStr = formatNumberNoColor(tempArg, inspectOptions);
                } else if (typeof tempArg === 'bigint') {
                  tempStr = formatBigIntNoColor(tempArg, inspectOptions);
                } else if (typeof tempArg !== 'object' ||
                           tempArg === null ||
                           !hasBuiltInToString(tempArg)) {
                  tempStr = String(tempArg);
                } else {
                  tempStr = inspect(tempArg, {
                    ...inspectOptions,
                    compact: 3,
                    colors: false,
                    depth: 0,
                  });
                }
                break;
              }
              case 106: // 'j'
                tempStr = tryStringify(args[++a]);
                break;
              case 100: { // 'd'
                const tempNum = args[++a];
                if (typeof tempNum === 'bigint') {
                  tempStr = formatBigIntNoColor(tempNum, inspectOptions);
                } else if (typeof tempNum === 'symbol') {
                  tempStr = 'NaN';
                } else {
                  tempStr = formatNumberNoColor(Number(tempNum), inspectOptions);
                }
                break;
              }
              case 79: // 'O'
                tempStr = inspect(args[++a], inspectOptions);
                break;
              case 111: // 'o'
                tempStr = inspect(args[++a], {
                  ...inspectOptions,
                  showHidden: true,
                  showProxy: true,
                  depth: 4,
                });
                break;
              case 105: { // 'i'
                const tempInteger = args[++a];
                if (typeof tempInteger === 'bigint') {
                  tempStr = formatBigIntNoColor(tempInteger, inspectOptions);
                } else if (typeof tempInteger === 'symbol') {
                  tempStr = 'NaN';
                } else {
                  tempStr = formatNumberNoColor(
                    Number.parseInt(tempInteger), inspectOptions);
                }
                break;
              }
              case 102: { // 'f'
                const tempFloat = args[++a];
                if (typeof tempFloat === 'symbol') {
                  tempStr = 'NaN';
                } else {
                  tempStr = formatNumberNoColor(
                    Number.parseFloat(tempFloat), inspectOptions);
                }
                break;
              }
              case 99: // 'c'
                a += 1;
                tempStr = '';
                break;
              case 37: // '%'
                str += first.slice(lastPos, i);
                lastPos = i + 1;
                continue;
              default: // Not a placeholder: leave it as it is.
                continue;
            }
            if (lastPos !== i - 1) {
              str += first.slice(lastPos, i - 1);
            }
            str += tempStr;
            lastPos = i + 1;
          } else if (nextChar === 37) {
            str += first.slice(lastPos, i);
            lastPos = i + 1;
          }
        }
      }
      if (lastPos !== 0) {
        a++;
        join = ' ';
        if (lastPos < first.length) {
          str += first.slice(lastPos);
        }
      }
    }

    // Remaining arguments: strings raw, everything else inspected.
    while (a < args.length) {
      const value = args[a];
      str += join;
      str += typeof value !== 'string' ? inspect(value, inspectOptions) : value;
      join = ' ';
      a++;
    }
    return str;
  }

  // ---------------------------------------------------------------------------
  // Display width (Node uses ICU; this approximates ICU's East Asian Width
  // rules with Unicode property escapes and a table of wide ranges).
  // ---------------------------------------------------------------------------

  const zeroWidthRegExp = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}\p{Emoji_Modifier}]$/u;
  const emojiPresentationRegExp = /^\p{Emoji_Presentation}$/u;

  function isFullWidthCodePoint(code) {
    return code >= 0x1100 && (
      code <= 0x115f || // Hangul Jamo
      code === 0x2329 || // LEFT-POINTING ANGLE BRACKET
      code === 0x232a || // RIGHT-POINTING ANGLE BRACKET
      // CJK Radicals Supplement .. Enclosed CJK Letters and Months
      (code >= 0x2e80 && code <= 0x3247 && code !== 0x303f) ||
      // Enclosed CJK Letters and Months .. CJK Unified Ideographs Extension A
      (code >= 0x3250 && code <= 0x4dbf) ||
      // CJK Unified Ideographs .. Yi Radicals
      (code >= 0x4e00 && code <= 0xa4c6) ||
      // Hangul Jamo Extended-A
      (code >= 0xa960 && code <= 0xa97c) ||
      // Hangul Syllables
      (code >= 0xac00 && code <= 0xd7a3) ||
      // CJK Compatibility Ideographs
      (code >= 0xf900 && code <= 0xfaff) ||
      // Vertical Forms
      (code >= 0xfe10 && code <= 0xfe19) ||
      // CJK Compatibility Forms .. Small Form Variants
      (code >= 0xfe30 && code <= 0xfe6b) ||
      // Halfwidth and Fullwidth Forms
      (code >= 0xff01 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6) ||
      // Kana Supplement
      (code >= 0x1b000 && code <= 0x1b001) ||
      // Enclosed Ideographic Supplement
      (code >= 0x1f200 && code <= 0x1f251) ||
      // Miscellaneous Symbols and Pictographs, Emoticons
      (code >= 0x1f300 && code <= 0x1f64f) ||
      // CJK Unified Ideographs Extension B .. Tertiary Ideographic Plane
      (code >= 0x20000 && code <= 0x3fffd)
    );
  }

  function getStringWidth(str, removeControlChars = true) {
    let width = 0;
    if (removeControlChars) {
      str = stripVTControlCharacters(str);
    }
    for (let i = 0; i < str.length; i++) {
      // ASCII fast path; the rest goes through the Unicode rules.
      const code = str.charCodeAt(i);
      if (code >= 127) {
        for (const char of str.slice(i).normalize('NFC')) {
          const point = char.codePointAt(0);
          if (isFullWidthCodePoint(point) || emojiPresentationRegExp.test(char)) {
            width += 2;
          } else if (point === 0xad || !zeroWidthRegExp.test(char)) {
            width += 1;
          }
        }
        break;
      }
      width += code >= 32 ? 1 : 0;
    }
    return width;
  }

  function stripVTControlCharacters(str) {
    ansi.lastIndex = 0;
    return str.replace(ansi, '');
  }

  return { inspect, format, formatWithOptions };
})
