// node_assert.js — owns: internals.nodeModules.assert (Node's `assert`, legacy mode, with
// `.strict` for `assert/strict`) and internals.isDeepEqual, Node's deep-equality
// comparison that util.isDeepStrictEqual shares. Semantics follow Node 20's
// lib/assert.js and lib/internal/util/comparisons.js: loose mode compares primitives with
// == (NaN equal to NaN), strict mode with Object.is and prototypes; errors, boxed
// primitives, dates, regexps, typed arrays, Maps and Sets by content; cycles terminate.
// Messages are Node's first lines; Node's multi-line diffs are not reproduced.
// Evaluates to a function the host calls as fn(core, global, internals).
(function (core, global, internals) {
  "use strict";

  internals.load?.("node_errors");
  const inspect = (v) => internals.inspect(v);
  const tag = (v) => Object.prototype.toString.call(v);
  const { hasOwnProperty, propertyIsEnumerable } = Object.prototype;

  // ---- deep equality ----------------------------------------------------------------------
  function isDeepEqual(a, b, strict, memo) {
    if (a === b) return a !== 0 || !strict || Object.is(a, b);
    if (strict) {
      if (typeof a !== "object") return typeof a === "number" && Number.isNaN(a) && Number.isNaN(b);
      if (typeof b !== "object" || a === null || b === null) return false;
      if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    } else {
      if (a === null || typeof a !== "object") {
        if (b === null || typeof b !== "object") {
          // eslint-disable-next-line eqeqeq
          return a == b || (Number.isNaN(a) && Number.isNaN(b));
        }
        return false;
      }
      if (b === null || typeof b !== "object") return false;
    }
    if (tag(a) !== tag(b)) return false;
    // A cycle: the pair being compared further up counts as equal here.
    memo ??= new Map();
    const seen = memo.get(a);
    if (seen !== undefined && seen.has(b)) return true;
    if (seen === undefined) memo.set(a, new Set([b]));
    else seen.add(b);
    if (Array.isArray(a)) {
      if (a.length !== b.length) return false;
      return sameKeys(a, b, strict, memo, true);
    }
    if (a instanceof Date) {
      if (a.getTime() !== b.getTime()) return false;
    } else if (a instanceof RegExp) {
      if (a.source !== b.source || a.flags !== b.flags || a.lastIndex !== b.lastIndex) return false;
    } else if (a instanceof Error || tag(a) === "[object Error]") {
      if (a.message !== b.message || a.name !== b.name) return false;
    } else if (ArrayBuffer.isView(a)) {
      if (!sameView(a, b, strict)) return false;
      return sameKeys(a, b, strict, memo, true);
    } else if (a instanceof ArrayBuffer || tag(a) === "[object SharedArrayBuffer]") {
      if (!sameBytes(new Uint8Array(a), new Uint8Array(b))) return false;
    } else if (a instanceof Map) {
      if (!(b instanceof Map) || a.size !== b.size || !sameMap(a, b, strict, memo)) return false;
    } else if (a instanceof Set) {
      if (!(b instanceof Set) || a.size !== b.size || !sameSet(a, b, strict, memo)) return false;
    } else if (a instanceof WeakMap || a instanceof WeakSet || a instanceof WeakRef) {
      return false;
    } else {
      const boxed = boxedValue(a);
      if (boxed !== undefined) {
        const other = boxedValue(b);
        if (other === undefined || !Object.is(boxed.value, other.value)) return false;
      }
    }
    return sameKeys(a, b, strict, memo, false);
  }

  // The primitive inside a Number, String, Boolean, BigInt or Symbol object (by its tag,
  // so that a plain object costs no failed valueOf; a forged tag fails it).
  const BOXED = new Map([["[object Number]", Number], ["[object String]", String], ["[object Boolean]", Boolean],
    ["[object BigInt]", BigInt], ["[object Symbol]", Symbol]]);
  function boxedValue(v) {
    const C = BOXED.get(tag(v));
    if (C === undefined) return undefined;
    try {
      return { value: C.prototype.valueOf.call(v) };
    } catch {
      return undefined;
    }
  }

  function sameBytes(x, y) {
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }

  function sameView(a, b, strict) {
    if (a.byteLength !== b.byteLength) return false;
    const float = a instanceof Float32Array || a instanceof Float64Array;
    if (!strict && float) {
      if (a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
      return true;
    }
    return sameBytes(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  }

  // Own enumerable keys (and, in strict mode, symbols): the same set, deeply equal values.
  // Indexed objects skip their indices where the caller compared them already.
  function sameKeys(a, b, strict, memo, indexed) {
    const keysOf = (o) => {
      let keys = Object.keys(o);
      if (indexed && ArrayBuffer.isView(o)) keys = keys.filter((k) => !/^\d+$/.test(k));
      return keys;
    };
    const ka = keysOf(a), kb = keysOf(b);
    if (ka.length !== kb.length) return false;
    for (const k of ka) if (!propertyIsEnumerable.call(b, k)) return false;
    if (strict) {
      const sa = Object.getOwnPropertySymbols(a).filter((s) => propertyIsEnumerable.call(a, s));
      const sb = Object.getOwnPropertySymbols(b).filter((s) => propertyIsEnumerable.call(b, s));
      if (sa.length !== sb.length) return false;
      for (const s of sa) {
        if (!propertyIsEnumerable.call(b, s) || !isDeepEqual(a[s], b[s], strict, memo)) return false;
      }
    }
    if (Array.isArray(a) && strict) {
      // Holes and undefined differ in strict mode.
      for (let i = 0; i < a.length; i++) if (hasOwnProperty.call(a, i) !== hasOwnProperty.call(b, i)) return false;
    }
    for (const k of ka) if (!isDeepEqual(a[k], b[k], strict, memo)) return false;
    return true;
  }

  const isObject = (v) => v !== null && (typeof v === "object" || typeof v === "function");

  function sameSet(a, b, strict, memo) {
    let pending = null;
    for (const v of a) {
      if (b.has(v)) continue;
      if (!isObject(v) && strict) return false;
      (pending ??= []).push(v);
    }
    if (pending === null) return true;
    const unmatched = [...b].filter((v) => !a.has(v));
    for (const v of pending) {
      const i = unmatched.findIndex((w) => isDeepEqual(v, w, strict, memo));
      if (i < 0) return false;
      unmatched.splice(i, 1);
    }
    return true;
  }

  function sameMap(a, b, strict, memo) {
    let pending = null;
    for (const [k, v] of a) {
      if (b.has(k)) {
        if (!isDeepEqual(v, b.get(k), strict, memo)) return false;
        continue;
      }
      if (!isObject(k) && strict) return false;
      (pending ??= []).push([k, v]);
    }
    if (pending === null) return true;
    const unmatched = [...b].filter(([k]) => !a.has(k));
    for (const [k, v] of pending) {
      const i = unmatched.findIndex(([k2, v2]) => isDeepEqual(k, k2, strict, memo) && isDeepEqual(v, v2, strict, memo));
      if (i < 0) return false;
      unmatched.splice(i, 1);
    }
    return true;
  }

  // ---- AssertionError ---------------------------------------------------------------------
  class AssertionError extends Error {
    constructor(options) {
      if (options === null || typeof options !== "object") {
        throw internals.nodeErrors.invalidArgType("options", "Object", options);
      }
      const { message, actual, expected, operator } = options;
      super(message !== undefined ? String(message) : generatedMessage(actual, expected, operator));
      this.generatedMessage = message === undefined;
      this.code = "ERR_ASSERTION";
      this.actual = actual;
      this.expected = expected;
      this.operator = operator;
    }
    get name() {
      return "AssertionError";
    }
    toString() {
      return `AssertionError [ERR_ASSERTION]: ${this.message}`;
    }
  }
  // The stack's header reads as Node's does.
  Object.defineProperty(AssertionError.prototype, "name", { value: "AssertionError", writable: true, configurable: true });

  function generatedMessage(actual, expected, operator) {
    switch (operator) {
      case "strictEqual":
        return `Expected values to be strictly equal:\n\n${inspect(actual)} !== ${inspect(expected)}\n`;
      case "deepStrictEqual":
        return `Expected values to be strictly deep-equal:\n+ actual - expected\n\n+ ${inspect(actual)}\n- ${inspect(expected)}`;
      case "deepEqual":
        return `Expected values to be loosely deep-equal:\n\n${inspect(actual)}\n\nshould loosely deep-equal\n\n${inspect(expected)}`;
      case "notStrictEqual":
        return `Expected "actual" to be strictly unequal to: ${inspect(expected)}`;
      case "notDeepStrictEqual":
        return `Expected "actual" not to be strictly deep-equal to: ${inspect(expected)}`;
      case "notDeepEqual":
        return `Expected values not to be loosely deep-equal:\n\n${inspect(actual)}\n\nshould not loosely deep-equal\n\n${inspect(expected)}`;
      case "==":
      case "!=":
        return `${inspect(actual)} ${operator} ${inspect(expected)}`;
      case "fail":
        return "Failed";
      default:
        return `${inspect(actual)} ${operator} ${inspect(expected)}`;
    }
  }

  function fail(options) {
    if (options.message instanceof Error) throw options.message;
    throw new AssertionError(options);
  }

  // ---- throws, rejects and their opposites --------------------------------------------------
  const NO_EXCEPTION = Symbol("no exception");

  function getActual(fn) {
    if (typeof fn !== "function") throw internals.nodeErrors.invalidArgType("fn", "Function", fn);
    try {
      fn();
    } catch (e) {
      return e;
    }
    return NO_EXCEPTION;
  }

  async function waitActual(promiseFn) {
    let promise;
    if (typeof promiseFn === "function") {
      promise = promiseFn();
      if (promise === null || typeof promise?.then !== "function") {
        throw internals.nodeErrors.makeError(TypeError, "ERR_INVALID_RETURN_VALUE",
          `Expected instance of Promise to be returned from the "promiseFn" function but got ${promise === null ? "null" : typeof promise}.`);
      }
    } else if (promiseFn !== null && typeof promiseFn?.then === "function") {
      promise = promiseFn;
    } else {
      throw internals.nodeErrors.invalidArgType("promiseFn", ["Function", "Promise"], promiseFn);
    }
    try {
      await promise;
    } catch (e) {
      return e;
    }
    return NO_EXCEPTION;
  }

  // Whether `actual` (what was thrown) satisfies `expected`; throws an AssertionError (or
  // `actual` itself) where it does not, as Node's expectedException does.
  function expectedException(actual, expected, message, operator) {
    if (typeof expected !== "function") {
      if (expected instanceof RegExp) {
        const str = String(actual);
        if (RegExp.prototype.exec.call(expected, str) !== null) return;
        fail({
          actual, expected, operator,
          message: message ?? `The input did not match the regular expression ${inspect(expected)}. Input:\n\n${inspect(str)}\n`,
        });
      }
      if (typeof actual !== "object" || actual === null) {
        fail({
          actual, expected, operator,
          message: message ?? `The "${operator === "rejects" ? "rejection" : "error"}" is expected to be an object. Received ${inspect(actual)}`,
        });
      }
      const keys = Object.keys(expected);
      if (expected instanceof Error) keys.push("name", "message");
      else if (keys.length === 0) {
        throw internals.nodeErrors.invalidArgValue("error", expected, "may not be an empty object");
      }
      for (const key of keys) {
        const want = expected[key];
        if (typeof actual[key] === "string" && want instanceof RegExp && RegExp.prototype.exec.call(want, actual[key]) !== null) continue;
        if (!(key in actual) || !isDeepEqual(actual[key], want, true)) {
          fail({
            actual, expected, operator: "deepStrictEqual",
            message: message ?? `Expected values to be strictly deep-equal:\n+ actual - expected\n\n  Comparison {\n+   ${key}: ${inspect(actual[key])}\n-   ${key}: ${inspect(want)}\n  }`,
          });
        }
      }
      return;
    }
    if (expected.prototype !== undefined && actual instanceof expected) return;
    if (Error.isPrototypeOf(expected) || expected === Error) {
      const got = actual !== null && typeof actual === "object" ? `"${actual.constructor?.name ?? "Object"}"` : inspect(actual);
      const detail = actual instanceof Error ? `\n\nError message:\n\n${actual.message}` : "";
      fail({
        actual, expected, operator,
        message: message ?? `The error is expected to be an instance of "${expected.name}". Received ${got}${detail}`,
      });
    }
    const res = expected.call({}, actual);
    if (res !== true) {
      fail({
        actual, expected, operator,
        message: message ?? `The ${expected.name ? `"${expected.name}" ` : ""}validation function is expected to return "true". Received ${inspect(res)}\n\nCaught error:\n\n${actual}`,
      });
    }
  }

  function expectsError(operator, actual, error, message) {
    if (typeof error === "string") {
      if (message !== undefined) {
        throw internals.nodeErrors.invalidArgType("error", ["Function", "Error", "RegExp", "Object"], error);
      }
      message = error;
      error = undefined;
    } else if (error !== undefined && typeof error !== "function" && (error === null || typeof error !== "object")) {
      throw internals.nodeErrors.invalidArgType("error", ["Function", "Error", "RegExp", "Object"], error);
    }
    if (actual === NO_EXCEPTION) {
      const name = error?.name ? ` (${error.name})` : "";
      const what = operator === "rejects" ? "rejection" : "exception";
      fail({ actual: undefined, expected: error, operator, message: `Missing expected ${what}${name}${message ? `: ${message}` : "."}` });
    }
    if (error !== undefined) expectedException(actual, error, message, operator);
  }

  function matchesError(actual, expected) {
    if (typeof expected !== "function") return expected instanceof RegExp && RegExp.prototype.exec.call(expected, String(actual)) !== null;
    if (expected.prototype !== undefined && actual instanceof expected) return true;
    if (Error.isPrototypeOf(expected)) return false;
    return expected.call({}, actual) === true;
  }

  function expectsNoError(operator, actual, error, message) {
    if (actual === NO_EXCEPTION) return;
    if (typeof error === "string") {
      message = error;
      error = undefined;
    }
    if (error === undefined || matchesError(actual, error)) {
      const what = operator === "doesNotReject" ? "rejection" : "exception";
      const details = message ? `: ${message}` : ".";
      fail({ actual, expected: error, operator, message: `Got unwanted ${what}${details}\nActual message: "${actual?.message}"` });
    }
    throw actual;
  }

  // ---- the module ---------------------------------------------------------------------------
  function innerOk(args, value, message) {
    if (args === 0) fail({ actual: undefined, expected: true, operator: "==", message: "No value argument passed to `assert.ok()`" });
    if (!value) fail({ actual: value, expected: true, operator: "==", message: message ?? "The expression evaluated to a falsy value" });
  }

  function make(strictMode) {
    const assert = function ok(...args) {
      innerOk(args.length, args[0], args[1]);
    };
    const strictEqual = (actual, expected, message) => {
      if (!Object.is(actual, expected)) fail({ actual, expected, operator: "strictEqual", message });
    };
    const notStrictEqual = (actual, expected, message) => {
      if (Object.is(actual, expected)) fail({ actual, expected, operator: "notStrictEqual", message });
    };
    const deepStrictEqual = (actual, expected, message) => {
      if (!isDeepEqual(actual, expected, true)) fail({ actual, expected, operator: "deepStrictEqual", message });
    };
    const notDeepStrictEqual = (actual, expected, message) => {
      if (isDeepEqual(actual, expected, true)) fail({ actual, expected, operator: "notDeepStrictEqual", message });
    };
    const fns = {
      ok: assert,
      strictEqual,
      notStrictEqual,
      deepStrictEqual,
      notDeepStrictEqual,
      equal: strictMode ? strictEqual : (actual, expected, message) => {
        // eslint-disable-next-line eqeqeq
        if (!(actual == expected || (Number.isNaN(actual) && Number.isNaN(expected)))) fail({ actual, expected, operator: "==", message });
      },
      notEqual: strictMode ? notStrictEqual : (actual, expected, message) => {
        // eslint-disable-next-line eqeqeq
        if (actual == expected || (Number.isNaN(actual) && Number.isNaN(expected))) fail({ actual, expected, operator: "!=", message });
      },
      deepEqual: strictMode ? deepStrictEqual : (actual, expected, message) => {
        if (!isDeepEqual(actual, expected, false)) fail({ actual, expected, operator: "deepEqual", message });
      },
      notDeepEqual: strictMode ? notDeepStrictEqual : (actual, expected, message) => {
        if (isDeepEqual(actual, expected, false)) fail({ actual, expected, operator: "notDeepEqual", message });
      },
      throws(fn, error, message) {
        expectsError("throws", getActual(fn), error, message);
      },
      async rejects(promiseFn, error, message) {
        expectsError("rejects", await waitActual(promiseFn), error, message);
      },
      doesNotThrow(fn, error, message) {
        expectsNoError("doesNotThrow", getActual(fn), error, message);
      },
      async doesNotReject(promiseFn, error, message) {
        expectsNoError("doesNotReject", await waitActual(promiseFn), error, message);
      },
      match(string, regexp, message) {
        matching(string, regexp, message, true);
      },
      doesNotMatch(string, regexp, message) {
        matching(string, regexp, message, false);
      },
      ifError(value) {
        if (value === null || value === undefined) return;
        let message = "ifError got unwanted exception: ";
        message += typeof value === "object" && typeof value.message === "string"
          ? (value.message.length === 0 && value.constructor ? value.constructor.name : value.message)
          : inspect(value);
        fail({ actual: value, expected: null, operator: "ifError", message });
      },
      fail(message) {
        if (message instanceof Error) throw message;
        fail({ actual: undefined, expected: undefined, operator: "fail", message: message ?? "Failed" });
      },
      AssertionError,
    };
    Object.assign(assert, fns);
    return assert;
  }

  function matching(string, regexp, message, want) {
    if (!(regexp instanceof RegExp)) throw internals.nodeErrors.invalidArgType("regexp", "RegExp", regexp);
    const operator = want ? "match" : "doesNotMatch";
    if (typeof string !== "string") {
      fail({ actual: string, expected: regexp, operator, message: message ?? `The "string" argument must be of type string. Received type ${typeof string} (${inspect(string)})` });
    }
    if ((RegExp.prototype.exec.call(regexp, string) !== null) !== want) {
      fail({
        actual: string, expected: regexp, operator,
        message: message ?? (want
          ? `The input did not match the regular expression ${inspect(regexp)}. Input:\n\n${inspect(string)}\n`
          : `The input was expected to not match the regular expression ${inspect(regexp)}. Input:\n\n${inspect(string)}\n`),
      });
    }
  }

  const assert = make(false);
  const strict = make(true);
  assert.strict = strict;
  strict.strict = strict;
  internals.isDeepEqual = isDeepEqual;
  internals.nodeModules.assert = assert;
});
