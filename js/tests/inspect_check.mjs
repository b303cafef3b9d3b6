// inspect_check.mjs — owns: byte-for-byte comparison of js/inspect.js against Node's util.inspect/util.format.
//
// Usage: node js/tests/inspect_check.mjs [-v]
//
// Every case is JavaScript source text, so the same value can be built in
// two realms:
//   1. this realm, with host internals backed by Node's own util binding
//      (the script re-executes itself with --expose-internals for that);
//   2. a bare vm context (no require/process/Buffer/console), where
//      js/inspect.js must load and run with no internals at all.
// Node's util.inspect / util.format on the same value is the expected output.
// Prints "N passed, M failed" and exits non-zero on any failure.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import util from 'node:util';
import vm from 'node:vm';

const selfPath = fileURLToPath(import.meta.url);

if (!process.execArgv.includes('--expose-internals')) {
  const res = spawnSync(process.execPath,
    ['--expose-internals', '--no-warnings', selfPath, ...process.argv.slice(2)],
    { stdio: 'inherit' });
  process.exit(res.status === null ? 1 : res.status);
}

const verbose = process.argv.includes('-v');
const require = createRequire(import.meta.url);
const binding = require('internal/test/binding').internalBinding('util');
const { kPending, kRejected } = binding.constants;

// Host internals as the Rust side supplies them, implemented with V8's
// helpers through Node's binding.
const nodeInternals = {
  getPromiseState(p) {
    const d = binding.getPromiseDetails(p);
    if (d === undefined) return undefined;
    return {
      state: d[0] === kPending ? 'pending' : d[0] === kRejected ? 'rejected' : 'fulfilled',
      result: d[1],
    };
  },
  getProxyDetails(v) {
    const d = binding.getProxyDetails(v, true);
    if (d === undefined) return undefined;
    return { target: d[0], handler: d[1] };
  },
  previewEntries(v, isIterator) {
    const r = binding.previewEntries(v, true);
    if (r === undefined) return undefined;
    return isIterator ? r : r[0];
  },
  getConstructorName: binding.getConstructorName,
  getOwnNonIndexProperties: binding.getOwnNonIndexProperties,
};

const inspectPath = new URL('../inspect.js', import.meta.url);
const source = readFileSync(inspectPath, 'utf8');
const factory = vm.runInThisContext(source, { filename: fileURLToPath(inspectPath) });
const ours = factory(nodeInternals);

// The bare context: nothing but ECMAScript built-ins.
const bare = vm.createContext({});
// V8 installs its own `console` in every context; a bare host has none.
vm.runInContext('delete globalThis.console', bare);
const bareFactory = vm.runInContext(source, bare, { filename: 'inspect.js' });
const bareOurs = bareFactory({});
for (const name of ['require', 'process', 'Buffer', 'console']) {
  if (vm.runInContext(`typeof ${name}`, bare) !== 'undefined') {
    throw new Error(`bare context unexpectedly has ${name}`);
  }
}

// ---------------------------------------------------------------------------
// Cases. `v`: a value (source); `o`: inspect options (source); `f`: format
// arguments (source of an argument list). `bare: false` skips the bare-context
// run (for cases that need host internals or this realm's identity).
// ---------------------------------------------------------------------------

const cases = [
  // Primitives.
  { v: '1' }, { v: '-0' }, { v: '0' }, { v: 'NaN' }, { v: '-Infinity' },
  { v: '1.5e300' }, { v: '123n' }, { v: '-5n' }, { v: 'true' },
  { v: 'undefined' }, { v: 'null' }, { v: "Symbol('sym')" }, { v: 'Symbol()' },
  { v: "Symbol.for('x y')" }, { v: 'Symbol.iterator' },
  { v: "'hello'" }, { v: "''" }, { v: `"it's"` }, { v: `'say "hi" it\\'s'` },
  { v: '`a\'b"c`' }, { v: "'back`tick \"q\" \\'s ${x}'" },
  { v: "'tab\\there\\nnl\\r\\b\\f\\v\\0'" }, { v: "'\\x7f\\x85\\x9f\\xa0é'" },
  { v: "'back\\\\slash'" }, { v: "'\\ud800 lone \\udc00 \\ud83d\\ude00'" },
  { v: "'x'.repeat(200) + '\\n\\'' + '\\x01'" },
  { v: "'multi\\nline\\nstring that is long enough to split across lines ok'" },
  { v: "'日本語の文字列'" },

  // Plain objects.
  { v: '({})' }, { v: '({ a: 1 })' }, { v: "({ a: 1, b: 'two', c: [3], d: { e: null } })" },
  { v: "({ 'a-b': 1, 'c d': 2, _ok: 3, $no: 4, '1x': 5, 7: 6, 'it\\'s': 7 })" },
  { v: "({ [Symbol('s')]: 1, [Symbol()]: 2, [Symbol.iterator]: 3 })" },
  { v: "({ __proto__: null, a: 1 })" }, { v: 'Object.create(null)' },
  { v: "Object.defineProperty({}, '__proto__', { value: 1, enumerable: true })" },
  { v: '({ a: { b: { c: { d: { e: 1 } } } } })' },
  { v: '({ a: [[[[1]]]] })' },
  { v: '({ a: { b: { c: {} } } })' }, { v: '({ a: { b: { c: [] } } })' },
  { v: "({ get a() { return 1; }, set b(v) {}, get c() { return 1; }, set c(v) {} })" },
  { v: "({ f() {}, g: function () {}, h: () => {}, i: async () => {}, j: function* () {} })" },
  { v: "(() => { const o = { a: 1 }; o.self = o; return o; })()" },
  { v: "(() => { const o = { a: { b: {} } }; o.a.b.c = o.a; o.x = o; return o; })()" },
  { v: "(() => { const a = [1]; a.push(a); const o = { a, b: a }; return o; })()" },
  { v: "(() => { const a = {}; const b = { a }; a.b = b; return [a, b]; })()" },
  { v: "(() => { const x = {}; const y = {}; x.y = y; y.x = x; x.x = x; y.y = y; return { x, y }; })()" },
  { v: "({ a: 'x'.repeat(30), b: 'y'.repeat(30), c: 'z'.repeat(10) })" },
  { v: "({ a: 'x'.repeat(30), b: 'y'.repeat(30), c: 'z'.repeat(30) })" },
  { v: "Object.fromEntries(Array.from({ length: 30 }, (_, i) => ['key' + i, i]))" },
  { v: "({ a: 1, b: { c: 2, d: { e: 3, f: { g: 4 } } }, h: [1, 2, { i: 5 }] })" },
  { v: "({ text: 'line one\\nline two\\nline three and more text to exceed the limit' })" },
  { v: "({ nested: { text: 'a fairly long string value that goes beyond the breakLength for sure' } })" },
  { v: "({ a: -0, b: [-0], c: 0 })" },
  { v: "({ undef: undefined, nul: null, big: 10n, sym: Symbol('q') })" },
  { v: "(() => { const o = { a: 1 }; Object.defineProperty(o, 'hidden', { value: 2 }); return o; })()" },
  { v: "({ [Symbol.toStringTag]: 'Custom', a: 1 })" },
  { v: "(() => { class T { get [Symbol.toStringTag]() { return 'Tagged'; } } return new T(); })()" },
  { v: "(() => { const o = {}; Object.defineProperty(o, Symbol.toStringTag, { value: 'Hid' }); o.x = 1; return o; })()" },
  { v: "({ a: '\\n', b: '\\'', c: '\"', d: '`' })" },

  // Arrays.
  { v: '[]' }, { v: '[1, 2, 3]' }, { v: "['a', 'b']" }, { v: '[[]]' }, { v: '[{}]' },
  { v: '[1, [2, [3, [4, [5]]]]]' },
  { v: '[, 1, , , 2, , ]' }, { v: 'new Array(5)' }, { v: '[1, , 3]' },
  { v: "(() => { const a = [1, 2]; a.extra = 'x'; a[Symbol('s')] = 1; return a; })()" },
  { v: "(() => { const a = [1, 2, 3]; a[10] = 4; a.foo = 1; return a; })()" },
  { v: "(() => { const a = []; a[-1] = 1; a['4294967295'] = 2; return a; })()" },
  { v: 'Array.from({ length: 7 }, (_, i) => i)' },
  { v: 'Array.from({ length: 26 }, (_, i) => i * 3)' },
  { v: 'Array.from({ length: 100 }, (_, i) => i)' },
  { v: 'Array.from({ length: 101 }, (_, i) => i)' },
  { v: 'Array.from({ length: 250 }, (_, i) => i * i)' },
  { v: "Array.from({ length: 30 }, (_, i) => 'item' + i)" },
  { v: "Array.from({ length: 12 }, (_, i) => 'x'.repeat(i))" },
  { v: "Array.from({ length: 40 }, (_, i) => i % 3 ? i : 'str' + i)" },
  { v: 'Array.from({ length: 20 }, (_, i) => BigInt(i) ** 5n)' },
  { v: 'Array.from({ length: 10 }, (_, i) => -i * 1.5)' },
  { v: 'Array.from({ length: 8 }, (_, i) => ({ id: i }))' },
  { v: 'Array.from({ length: 8 }, (_, i) => [i, i + 1])' },
  { v: "Array.from({ length: 3 }, (_, i) => 'long string entry number ' + i + ' with padding')" },
  { v: '[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]' },
  { v: "[true, false, null, undefined, 1, 'a', 2n]" },
  { v: "(() => { const a = new Array(120); a[3] = 1; a[110] = 2; return a; })()" },
  { v: "(() => { class MyArr extends Array {} return MyArr.from([1, 2]); })()" },
  { v: "(() => { class MyArr extends Array {} return new MyArr(); })()" },
  { v: "(() => { const a = [1, 2]; Object.setPrototypeOf(a, null); return a; })()" },
  { v: "[['a', 1], ['b', 2], ['c', { d: [1, 2, { e: 3 }] }]]" },
  { v: '[{ a: 1, b: 2 }, { a: 3, b: 4 }, { a: 5, b: 6 }, { a: 7, b: 8 }, { a: 9, b: 10 }]' },
  { v: "[{ name: 'alpha', value: 1, tags: ['x', 'y'] }, { name: 'beta', value: 2, tags: [] }]" },

  // Functions and classes.
  { v: 'function foo() {}' }, { v: '(function () {})' }, { v: '() => {}' },
  { v: 'async function af() {}' }, { v: 'function* gen() {}' },
  { v: 'async function* ag() {}' }, { v: 'class A {}' }, { v: '(class {})' },
  { v: "(() => { class A {} class B extends A {} return B; })()" },
  { v: "(() => { function f() {} f.prop = 1; return f; })()" },
  { v: "(() => { class A { static x = 1; } return A; })()" },
  { v: "(() => { const f = function () {}; Object.setPrototypeOf(f, null); return f; })()" },
  { v: "(() => { const f = function named() {}; Object.setPrototypeOf(f, Object.prototype); return f; })()" },
  { v: "({ method() {}, async am() {}, *gm() {}, ['computed' + 1]() {} })" },
  { v: "Math.max" }, { v: "Object" }, { v: "[].map" },
  { v: "(() => { const f = () => {}; Object.defineProperty(f, 'name', { value: '' }); return f; })()" },

  // Class instances and prototypes.
  { v: "(() => { class Foo { constructor() { this.a = 1; } } return new Foo(); })()" },
  { v: "(() => { class Foo {} return new Foo(); })()" },
  { v: "(() => { class Foo { constructor() { this.x = [1, 2]; this.y = { z: 1 }; } } return [new Foo(), new Foo()]; })()" },
  { v: "(() => { function Legacy() { this.v = 1; } return new Legacy(); })()" },
  { v: "(() => { const proto = { a: 1 }; return Object.create(proto); })()" },
  { v: "Object.create(Object.create(null))" },
  { v: "(() => { class A {} const a = new A(); Object.defineProperty(A.prototype, 'constructor', { value: undefined }); return a; })()" },
  { v: "(() => { class Foo {} Foo.prototype[Symbol.toStringTag] = 'Bar'; return new Foo(); })()" },
  { v: "(() => { class Foo { constructor() { this.a = 1; } } return Object.create(Foo.prototype); })()" },

  // Errors.
  { v: "(() => { const e = new Error('boom'); e.stack = 'Error: boom\\n    at f (file.js:1:1)\\n    at g (file.js:2:2)'; return e; })()" },
  { v: "(() => { const e = new Error('no stack'); e.stack = undefined; return e; })()" },
  { v: "(() => { const e = new TypeError('bad'); e.stack = 'TypeError: bad'; return e; })()" },
  { v: "(() => { const e = new Error('with code'); e.stack = 'Error: with code\\n    at x (y.js:1:1)'; e.code = 'E_CODE'; e.extra = { n: 1 }; return e; })()" },
  { v: "(() => { const e = new Error('outer', { cause: new Error('inner') }); e.stack = 'Error: outer\\n    at a (a.js:1:1)'; e.cause.stack = 'Error: inner\\n    at b (b.js:1:1)'; return e; })()" },
  { v: "(() => { const e = new Error('c', { cause: 'str cause' }); e.stack = 'Error: c\\n    at a (a.js:1:1)'; return e; })()" },
  { v: "(() => { class MyError extends Error {} const e = new MyError('mine'); e.stack = 'Error: mine\\n    at a (a.js:1:1)'; return e; })()" },
  { v: "(() => { class MyError extends Error { constructor(m) { super(m); this.name = 'MyError'; } } const e = new MyError('named'); e.stack = 'MyError: named\\n    at a (a.js:1:1)'; return e; })()" },
  { v: "(() => { const e = new RangeError('r'); e.name = 'Custom'; e.stack = 'Custom: r\\n    at a (a.js:1:1)'; return e; })()" },
  { v: "(() => { const e = new Error('m'); e.stack = 'Error: m\\n    at a (a.js:1:1)'; return { err: e, list: [e] }; })()" },
  { v: "(() => { const e = new AggregateError([new Error('a1')], 'agg'); e.stack = 'AggregateError: agg\\n    at a (a.js:1:1)'; e.errors[0].stack = 'Error: a1\\n    at b (b.js:1:1)'; return e; })()" },
  { v: "(() => { const e = new Error('x'); e.stack = ''; return e; })()" },
  { v: "(() => { const e = new Error('msg'); e.name = 'Named'; e.stack = 'Named: msg'; return e; })()" },
  // Bare run: Node's `instanceof Error` check is realm-bound, ours is not.
  { v: "(() => { const e = Object.create(Error.prototype); return e; })()", bare: false },
  { v: "(() => { const e = new Error('np'); e.stack = 'Error: np\\n    at a (a.js:1:1)'; Object.setPrototypeOf(e, null); return e; })()" },
  { v: "(() => { const e = new Error('msg'); e.stack = 'Error: msg\\n    at a (a.js:1:1)'; e.message = 'other'; return e; })()" },

  // Dates, regexps, boxed primitives.
  { v: 'new Date(0)' }, { v: 'new Date(NaN)' }, { v: "(() => { const d = new Date(86400000); d.foo = 1; return d; })()" },
  { v: '/ab+c/gi' }, { v: 'new RegExp("a/b")' }, { v: "(() => { const r = /x/; r.y = 1; return r; })()" },
  { v: "(() => { class R extends RegExp {} return new R('q'); })()" },
  { v: 'new Number(3)' }, { v: 'new Number(-0)' }, { v: "new String('abc')" },
  { v: 'new Boolean(false)' }, { v: 'Object(1n)' }, { v: "Object(Symbol('bx'))" },
  { v: "(() => { const s = new String('ab'); s.extra = 1; return s; })()" },
  { v: "(() => { class S extends String {} return new S('sub'); })()" },

  // Map / Set / weak collections.
  { v: 'new Map()' }, { v: "new Map([['a', 1], ['b', { c: 2 }]])" },
  { v: 'new Map([[{ k: 1 }, [1, 2]], [NaN, null]])' },
  { v: 'new Set()' }, { v: "new Set([1, 'two', [3]])" },
  { v: 'new Set(Array.from({ length: 30 }, (_, i) => i))' },
  { v: "new Map(Array.from({ length: 10 }, (_, i) => ['key' + i, 'value' + i]))" },
  { v: "(() => { const m = new Map(); m.set('self', m); return m; })()" },
  { v: "(() => { const s = new Set([1]); s.prop = 'x'; return s; })()" },
  { v: "(() => { class MyMap extends Map {} return new MyMap([[1, 2]]); })()" },
  { v: "(() => { const m = new Map([[1, 2]]); Object.setPrototypeOf(m, null); return m; })()" },
  { v: "(() => { const s = new Set([1, 2]); Object.setPrototypeOf(s, null); return s; })()" },
  { v: 'new WeakMap()' }, { v: 'new WeakSet()' },
  { v: '({ wm: new WeakMap([[{}, 1]]), ws: new WeakSet() })' },
  { v: "new Map([['a', 1]]).entries()", bare: false },
  { v: "new Map([['a', 1]]).keys()", bare: false },
  { v: "new Set(['x', 'y']).values()", bare: false },
  { v: "[1, 2][Symbol.iterator]()" },
  { v: "new Map([[1, { a: 1 }]]).entries()", o: '{ depth: 0 }', bare: false },

  // Typed arrays, buffers, DataView.
  { v: 'new Uint8Array([1, 2, 3])' }, { v: 'new Uint8Array(0)' },
  { v: 'new Float64Array([1.5, -0, NaN])' }, { v: 'new BigInt64Array([1n, -2n])' },
  { v: 'new Int16Array(150)' }, { v: 'new Uint32Array(Array.from({ length: 30 }, (_, i) => i * 1000))' },
  { v: "(() => { const t = new Uint8Array(2); t.foo = 'bar'; return t; })()" },
  { v: "(() => { const t = new Uint8Array([5, 6]); Object.setPrototypeOf(t, null); return t; })()" },
  { v: 'new Uint8Array([1, 2, 3]).buffer' }, { v: 'new ArrayBuffer(0)' },
  { v: 'new ArrayBuffer(120)' },
  { v: 'new DataView(new ArrayBuffer(4), 1, 2)' },
  { v: "({ buf: new ArrayBuffer(3), view: new Uint16Array(2) })" },
  { v: 'new SharedArrayBuffer(2)' },

  // Promises and proxies (need host internals).
  { v: 'Promise.resolve(1)', bare: false }, { v: 'new Promise(() => {})' },
  { v: "(() => { const p = Promise.reject(3); p.catch(() => {}); return p; })()", bare: false },
  { v: "Promise.resolve({ a: [1, 2] })", bare: false },
  { v: "(() => { const p = Promise.resolve(2); p.extra = true; return p; })()", bare: false },
  { v: "new Proxy({ a: 1 }, {})", bare: false },
  { v: "new Proxy([1, 2], { get() { return 'trap'; } })", bare: false },
  { v: "new Proxy(function pf() {}, {})", bare: false },
  { v: "(() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; })()", bare: false },
  { v: "new Proxy({ a: 1 }, {})", o: '{ showProxy: true }', bare: false },

  // Custom inspectors.
  { v: "({ [Symbol.for('nodejs.util.inspect.custom')]() { return 'CUSTOM'; } })" },
  { v: "({ a: { [Symbol.for('nodejs.util.inspect.custom')]() { return 'multi\\nline'; } } })" },
  { v: "({ [Symbol.for('nodejs.util.inspect.custom')]() { return { replaced: true }; } })" },
  { v: "({ [Symbol.for('nodejs.util.inspect.custom')](depth, opts, insp) { return insp({ d: depth, b: opts.breakLength }); } })" },
  { v: "({ x: { y: { [Symbol.for('nodejs.util.inspect.custom')](depth) { return 'depth=' + depth; } } } })" },
  { v: "(() => { class C { [Symbol.for('nodejs.util.inspect.custom')]() { return this; } constructor() { this.q = 1; } } return new C(); })()" },
  { v: "(() => { class C { [Symbol.for('nodejs.util.inspect.custom')]() { return 'C!'; } } return [C.prototype, new C()]; })()" },
  { v: "({ [Symbol.for('nodejs.util.inspect.custom')]() { return 'no'; } })", o: '{ customInspect: false }' },

  // Misc built-ins.
  { v: '(function () { return arguments; })(1, 2)' },
  { v: 'Math' }, { v: 'JSON' }, { v: 'Reflect' }, { v: 'Atomics', bare: false },
  { v: "(() => { const o = {}; for (let i = 0; i < 5; i++) o['k' + i] = { v: i, w: [i] }; return o; })()" },
  { v: "({ data: Array.from({ length: 5 }, (_, i) => ({ id: i, label: 'L' + i, on: i % 2 === 0 })) })" },
  { v: "(() => { const o = {}; let cur = o; for (let i = 0; i < 6; i++) { cur.next = {}; cur = cur.next; } return o; })()" },
  { v: "({ fn: function named() {}, cls: class K {}, arrow: () => 1 })" },
  { v: "[new Date(1e12), /re/, new Error('e').constructor, new Map([[1, new Set([2])]])]" },

  // Options.
  { v: '({ a: { b: { c: { d: 1 } } } })', o: '{ depth: 0 }' },
  { v: '({ a: { b: { c: { d: 1 } } } })', o: '{ depth: Infinity }' },
  { v: '({ a: { b: { c: { d: 1 } } } })', o: '{ depth: null }' },
  { v: "({ b: 1, a: 2, c: { z: 1, y: 2 } })", o: '{ sorted: true }' },
  { v: "({ a: 'x'.repeat(20), b: 'y'.repeat(20) })", o: '{ breakLength: 40 }' },
  { v: "({ a: 'x'.repeat(20), b: 'y'.repeat(20) })", o: '{ breakLength: Infinity }' },
  { v: "({ a: { b: { c: 1 } }, d: [1, 2, 3] })", o: '{ compact: false }' },
  { v: "({ a: { b: { c: 1 } }, d: [1, 2, 3] })", o: '{ compact: true }' },
  { v: "({ a: 'x'.repeat(50), b: { c: 'y'.repeat(50) } })", o: '{ compact: true }' },
  { v: "({ a: { b: { c: 1 } } })", o: '{ compact: 1 }' },
  { v: 'Array.from({ length: 30 }, (_, i) => i)', o: '{ compact: 1 }' },
  { v: 'Array.from({ length: 10 }, (_, i) => i)', o: '{ maxArrayLength: 3 }' },
  { v: 'Array.from({ length: 10 }, (_, i) => i)', o: '{ maxArrayLength: 0 }' },
  { v: 'new Set([1, 2, 3, 4])', o: '{ maxArrayLength: 2 }' },
  { v: "'x'.repeat(50)", o: '{ maxStringLength: 10 }' },
  { v: "({ get a() { return { b: 1 }; }, get n() { return null; }, get s() { return 'str'; }, get t() { throw new Error('oops'); }, set u(v) {} })", o: '{ getters: true }' },
  { v: "({ get a() { return 1; }, get b() { return 2; }, set b(v) {} })", o: "{ getters: 'set' }" },
  { v: "(() => { const o = { a: 1 }; Object.defineProperty(o, 'h', { value: 2 }); return o; })()", o: '{ showHidden: true }' },
  { v: '[1, 2]', o: '{ showHidden: true }' },
  { v: 'new Uint8Array(2)', o: '{ showHidden: true }' },
  { v: "(() => { class A { constructor() { this.x = 1; } } A.prototype.shared = 2; return new A(); })()", o: '{ showHidden: true }' },
  { v: "({ weak: new WeakMap() })", o: '{ showHidden: true }', bare: false },
  { v: '1234567.891', o: '{ numericSeparator: true }' },
  { v: '[123456789, -1234, 12345678901234567890n, 0.0001234]', o: '{ numericSeparator: true }' },
  { v: "({ a: [1, 2, 'three'], b: null })", o: '{ colors: true }' },
  { v: "({ a: 1 })", o: 'true' },
];

// More edge cases: odd prototypes, keys, depth cut-offs, wide characters.
cases.push(
  { v: 'Object.create(Array.prototype)' }, { v: 'Object.create(Map.prototype)' },
  { v: 'Object.create(Date.prototype)' }, { v: 'Object.create(Function.prototype)' },
  { v: '({ constructor: 5 })' },
  { v: "({ [Symbol.toStringTag]: 'Error', message: 'fake' })" },
  { v: "({ [Symbol.toStringTag]: 'Arguments', 0: 'a' })" },
  { v: "(() => { class E extends Error { get [Symbol.toStringTag]() { return 'Tagged'; } } const e = new E('t'); e.stack = 'Error: t\\n    at a (a.js:1:1)'; return e; })()" }, { v: "({ constructor: function Fake() {} })" },
  { v: "(() => { const o = Object.create(null); o[Symbol.toStringTag] = 'T'; return o; })()" },
  { v: "(() => { const o = Object.create(null); Object.defineProperty(o, Symbol.toStringTag, { value: 'T' }); o.a = 1; return o; })()" },
  { v: "({ 'ключ': 1, 'ünï': 2, '01': 3, '1': 4, '': 5, ' ': 6 })" },
  { v: "({ [Symbol('a\\nb')]: 1, [Symbol('it\\'s')]: 2 })" },
  { v: "(() => { const o = {}; Object.defineProperty(o, 'a-b', { value: 1, enumerable: false }); return o; })()", o: '{ showHidden: true }' },
  { v: "['short', 'a string with a newline\\nin the middle that is long', 'x']" },
  { v: "[['a\\nb multi-line string long enough to split over several lines']]" },
  { v: "({ a: { b: { c: [1, 2] } }, m: { n: { o: new Map([[1, 2]]) } }, s: { t: { u: new Set() } } })" },
  { v: "({ a: { b: { c: Object.create(null), d: (() => { class Foo {} return new Foo(); })() } } })" },
  { v: "({ a: { b: { c: (() => { class Foo { get [Symbol.toStringTag]() { return 'bar'; } } return new Foo(); })() } } })" },
  { v: "({ a: { b: { c: new Error('deep') } } })", bare: false },
  { v: "({ a: { b: { c: /re/g, d: new Date(0), e: () => {}, f: new Uint8Array(2) } } })" },
  { v: "({ a: { b: { c: Object.assign(/re/g, { x: 1 }) } } })" },
  { v: "({ a: { b: { c: new Number(1), d: new String('s') } } })" },
  { v: "(() => { const e = new Error('nest'); e.stack = 'Error: nest\\n    at a (a.js:1:1)\\n    at b (b.js:2:2)'; return { lvl1: { lvl2: e } }; })()" },
  { v: "(() => { const e = new Error('prop'); e.stack = 'Error: prop\\n    at a (a.js:1:1)'; e.name = 'Error'; e.info = [1, 2]; return e; })()" },
  { v: "(() => { const e = new Error('m'); e.stack = 'Error: m\\n    at a (a.js:1:1)'; Object.defineProperty(e, 'message', { value: 'm', enumerable: true }); return e; })()" },
  { v: "['日本', '中文字', '한국어', 'abc', 'de', 'f', 'ghij', 'k']" },
  { v: "['😀', '👍🏽', 'a', 'bb', 'ccc', 'é', 'ñ', '∑']" },
  { v: "Array.from({ length: 9 }, (_, i) => 'e\\u0301'.repeat(i))" },
  { v: "['±', 'α', '→', '❤️', '👨‍👩‍👧', 'ｆｕｌｌ', '한', 'ｶﾀ', '\\u200b', '\\u00ad', '🇯🇵', '⌚', '☺']" },
  { v: "Array.from({ length: 12 }, (_, i) => ['中', 'a', '😀', 'é', '\\u0301', '❤️'][i % 6].repeat(i))" },
  { v: 'new Float32Array([0.1, 0.2, 0.3, 1, 2, 3, 4, 5])' },
  { v: "(() => { const a = new Array(200); a.fill(1, 0, 150); return a; })()" },
  { v: "(() => { const a = []; a[5] = 1; a[150] = 2; return a; })()", o: '{ maxArrayLength: 3 }' },
  { v: "[new Map([['a', [1, 2, 3]], ['b', { c: 'd'.repeat(60) }]])]" },
  { v: "(() => { const m = new Map(); const k = { k: 1 }; m.set(k, k); k.m = m; return m; })()" },
  { v: "({ a: undefined, b: [undefined, null], c: [{ d: undefined }] })" },
  { v: "(() => { class P { get g() { return 1; } } return new P(); })()" },
  // The class name of `new F()` needs the host's getConstructorName.
  { v: "(() => { function F() {} F.prototype = Object.create(null); return new F(); })()", bare: false },
  { v: "(() => { const o = Object.create({ inherited: 1 }); o.own = 2; return o; })()" },
  { v: "(() => { const n = new Number(5); Object.setPrototypeOf(n, null); return n; })()" },
  { v: "(() => { const d = new Date(0); Object.setPrototypeOf(d, null); return d; })()" },
  { v: "(() => { const r = /x/y; Object.setPrototypeOf(r, null); return r; })()" },
  { v: "new Proxy(class Q {}, {})", bare: false },
  { v: 'globalThis' },
  { v: "(() => { const e = new Error('has cause'); e.stack = 'Error: has cause\\n    at a (a.js:1:1)'; e.cause = undefined; return e; })()" },
  { v: "(() => { const e = new Error('getter'); e.stack = 'Error: getter\\n    at a (a.js:1:1)'; Object.defineProperty(e, 'cause', { get() { throw new Error('no'); } }); return e; })()" },
  { v: "[1.1, 2.22, 3.333, 4.4444, 5.55555, 6.666666, 7.7777777, 8.88888888]" },
  { v: "[1, 'a', 2, 'b', 3, 'c', 4, 'd']" },
  { v: "Array.from({ length: 16 }, (_, i) => i % 2 ? null : undefined)" },
  { v: "Array.from({ length: 7 }, () => 'x'.repeat(16))" },
  { v: "({ arr: Array.from({ length: 30 }, (_, i) => i), nested: { arr: Array.from({ length: 30 }, (_, i) => 'v' + i) } })" },
);

// Natural (engine-made) stacks, including frames shared with a cause.
cases.push(
  { v: "new Error('natural')" },
  { v: "(function outer() { return new Error('outer', { cause: new Error('inner') }); })()" },
  { v: "(function f() { try { null.x; } catch (e) { return e; } })()" },
  { v: "({ nested: { err: new RangeError('in object') } })" },
  { v: "[new Error('in array')]" },
  { v: "(() => { const e = new Error('hidden'); e.stack = 'Error: hidden\\n    at a (a.js:1:1)'; return e; })()", o: '{ showHidden: true }' },
  { v: "({ a: { b: 1 } })", o: '{ depth: -1 }' },
  { v: "[[1, 2], [3, 4]]", o: '{ depth: 0 }' },
  { v: "({ a: 1, b: { c: 2 } })", o: '{ compact: 0 }' },
  { v: "({ s: 'line1\\nline2\\nline3 which is long enough to be split for sure' })", o: '{ maxStringLength: 20 }' },
  { v: "({ s: 'line1\\nline2\\nline3 which is long enough to be split for sure' })", o: '{ compact: true }' },
  { v: "new Map([[-0, -0], [0, 'zero']])" },
  { v: "({ matrix: [[1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14]] })" },
  { v: "[[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11, 12], [13, 14]]" },
  { v: "({ list: Array.from({ length: 50 }, (_, i) => 'entry-' + i) })" },
  { v: "({ a: { list: Array.from({ length: 50 }, (_, i) => i * 1000) } })" },
  { v: "(() => { const o = Object.create(null); o[Symbol.iterator] = function* () {}; o.a = 1; return o; })()" },
  { v: "(() => { class It { *[Symbol.iterator]() {} } const i = new It(); i.v = 1; return i; })()" },
  { v: "(() => { class A { get x() { return 1; } set y(v) {} } return new A(); })()", o: '{ showHidden: true }' },
  { v: "(() => { class A { constructor() { this.a = 1; } } class B extends A { constructor() { super(); this.b = 2; } } B.prototype.p = 'proto'; return new B(); })()", o: '{ showHidden: true }' },
  { v: "new Map([[{ a: 1 }, new Set([[1, 2]])]])", o: '{ compact: false }' },
  { v: "(() => { const s = new Set(); s.add(s); return s; })()" },
  { v: "(() => { const a = [1, 2, 3]; a.length = 5; return a; })()" },
  { v: "Object.assign(() => {}, { a: 1, b: 'x' })" },
  { v: "Object.assign(function named() {}, { nested: { deep: { deeper: {} } } })" },
  { v: "(() => { const o = {}; o[Symbol.for('nodejs.util.inspect.custom')] = 5; return o; })()" },
  { v: "({ [Symbol.for('nodejs.util.inspect.custom')]: (d, o) => o.stylize('styled', 'special') })" },
  { v: "({ [Symbol.for('nodejs.util.inspect.custom')]: () => null })" },
  { v: "({ a: [{ [Symbol.for('nodejs.util.inspect.custom')]: () => [1, 2, 3] }] })" },
  { v: "({ toString() { return 'x'; } })" },
  { v: "({ 'key with spaces': { 'another-key': [1, 2, { 'k!': 'v' }] } })" },
  { v: "({ __proto__: { inherited: true }, own: 1 })" },
  { v: "[Symbol('a'), Symbol.for('b'), Symbol.asyncIterator]" },
  { v: "({ big: 2n ** 64n, neg: -(2n ** 70n) })" },
  { v: "[0.1 + 0.2, 1e21, 1e-7, 2 ** 53, -1e-300]" },
  { v: "({ date: new Date(Date.UTC(2020, 1, 29, 12, 30, 45, 123)) })" },
);

// Sweeps across the 80-column limits (single line vs. broken, grouping).
for (let n = 1; n <= 36; n += 1) {
  cases.push({ v: `({ a: 'x'.repeat(${n}), b: 'y'.repeat(${n}), c: ${n} })` });
  cases.push({ v: `({ outer: { a: 'x'.repeat(${n}), b: 'y'.repeat(${n}) } })` });
  cases.push({ v: `Array.from({ length: ${n} + 6 }, (_, i) => 'x'.repeat(i % ${n}))` });
  cases.push({ v: `Array.from({ length: ${n * 3} }, (_, i) => i * ${n})` });
  cases.push({ v: `[{ k: 'x'.repeat(${n * 2}) }, ['y'.repeat(${n})], 'z'.repeat(${n})]` });
}

const formatCases = [
  "'%s', 'str'", "'%s', 42", "'%s', -0", "'%s', 1n", "'%s', null", "'%s', undefined",
  "'%s', Symbol('s')", "'%s', { a: { b: { c: 1 } } }", "'%s', [1, [2, [3]]]",
  "'%s', new Error('e')", "'%s', { toString() { return 'custom'; } }",
  "'%s', new Date(0)", "'%s', function f() { return 1; }", "'%s', [1, 2, 3]",
  "'%s', (() => { class X {} return new X(); })()",
  "'%s', (() => { class X { toString() { return 'X!'; } } return new X(); })()",
  "'%s', { [Symbol.toPrimitive]() { return 'prim'; } }", "'%s', Object.create(null)",
  "'%d', 42", "'%d', '42'", "'%d', 1.5", "'%d', 10n", "'%d', {}", "'%d', Symbol()", "'%d', -0",
  "'%i', 42.9", "'%i', '0x10'", "'%i', 5n", "'%i', Symbol()",
  "'%f', '1.25abc'", "'%f', 3", "'%f', Symbol()",
  "'%j', { a: [1, 'x'] }", "'%j', (() => { const o = {}; o.o = o; return o; })()", "'%j', undefined",
  "'%o', { a: [1, 2] }", "'%o', function f() {}", "'%O', { a: { b: { c: { d: 1 } } } }",
  "'%c styled', 'color: red'", "'100%% sure'", "'%% %s', 'x'", "'%s %s', 'only-one'",
  "'%x %s', 'y'", "'%s:%s', 'a'", "'a', 'b', 'c'", "'a', 1, { b: 2 }", "1, 2, 3", "{ a: 1 }, 'str'",
  "'%s'", "'trailing %'", "'%s', 'a', 'extra', { x: 1 }", "'no placeholders', [1, 2]",
  "'%s%s%s', 1, 2", "'%d%%', 50", "Symbol('s'), 'a'", "null", "undefined, null",
  "'multi\\nline %s', 'arg'", "'%s', 'a\\nb'", "'%O', 'str'", "'%o', 'str'", "",
  "'%s', new Map([[1, 2]])", "'%s', new Set([1])", "'%s', Promise.resolve(1)",
];

// ---------------------------------------------------------------------------

let passed = 0;
let failed = 0;

function check(label, expected, actual) {
  if (expected === actual) {
    passed++;
    if (verbose) console.log(`ok   ${label}`);
    return;
  }
  failed++;
  console.log(`FAIL ${label}\n  expected: ${JSON.stringify(expected)}\n  actual:   ${JSON.stringify(actual)}`);
}

function attempt(fn) {
  try {
    return fn();
  } catch (err) {
    return `<threw ${err && err.name}: ${err && err.message}>`;
  }
}

for (const c of cases) {
  const label = c.o === undefined ? c.v : `${c.v} with ${c.o}`;
  const value = vm.runInThisContext(`(${c.v})`);
  const opts = c.o === undefined ? undefined : vm.runInThisContext(`(${c.o})`);
  const args = opts === undefined ? [value] : [value, opts];
  check(label, attempt(() => util.inspect(...args)), attempt(() => ours.inspect(...args)));

  if (c.bare !== false) {
    const bareValue = vm.runInContext(`(${c.v})`, bare);
    const bareOpts = c.o === undefined ? undefined : vm.runInContext(`(${c.o})`, bare);
    const bareArgs = bareOpts === undefined ? [bareValue] : [bareValue, bareOpts];
    check(`[bare] ${label}`, attempt(() => util.inspect(...bareArgs)),
      attempt(() => bareOurs.inspect(...bareArgs)));
  }
}

for (const f of formatCases) {
  const args = vm.runInThisContext(`[${f}]`);
  check(`format(${f})`, attempt(() => util.format(...args)), attempt(() => ours.format(...args)));
  check(`formatWithOptions({ compact: 1 }, ${f})`,
    attempt(() => util.formatWithOptions({ compact: 1 }, ...args)),
    attempt(() => ours.formatWithOptions({ compact: 1 }, ...args)));
}

// Module namespace objects (live bindings, null prototype).
{
  const ns = await import('data:text/javascript,export const b = [1]; export let a = 1; export default function () {}');
  check('module namespace', util.inspect(ns), ours.inspect(ns));
  check('module namespace in object', util.inspect({ ns }), ours.inspect({ ns }));
}

// Very deep structures must not crash (the cut-off point may differ).
{
  let deep = {};
  for (let i = 0; i < 20000; i++) deep = { deep };
  const out = attempt(() => ours.inspect(deep, { depth: Infinity }));
  check('deep nesting is interrupted, not thrown',
    true, out.includes('Inspection interrupted prematurely. Maximum call stack size exceeded.'));
}

// API surface.
check('inspect.custom', util.inspect.custom, ours.inspect.custom);
check('defaultOptions', JSON.stringify(util.inspect.defaultOptions),
  JSON.stringify(ours.inspect.defaultOptions));
{
  ours.inspect.defaultOptions = { depth: 0 };
  util.inspect.defaultOptions = { depth: 0 };
  const v = { a: { b: 1 } };
  check('defaultOptions depth 0', util.inspect(v), ours.inspect(v));
  ours.inspect.defaultOptions = { depth: 2 };
  util.inspect.defaultOptions = { depth: 2 };
  check('defaultOptions reject', attempt(() => { util.inspect.defaultOptions = null; }),
    attempt(() => { ours.inspect.defaultOptions = null; }));
  check('formatWithOptions reject', attempt(() => util.formatWithOptions(1, 'x')),
    attempt(() => ours.formatWithOptions(1, 'x')));
  check('legacy args', util.inspect({ a: { b: { c: {} } } }, false, 0),
    ours.inspect({ a: { b: { c: {} } } }, false, 0));
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
