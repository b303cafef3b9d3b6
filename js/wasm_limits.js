// wasm_limits.js — owns the JS side of a runtime's fuel and memory cap. Loaded only when
// the runtime has one of them. Wasm that JS glue compiles itself (WebAssembly.Module,
// compile, instantiate, and the streaming forms built on them) is instrumented for fuel
// and has its memories clamped exactly as Wasm warren compiles is; instances get the
// runtime's fuel import; `new WebAssembly.Memory` is clamped to what is left of the cap.
(function wasmLimits(core, global) {
  "use strict";
  const WA = global.WebAssembly;
  const { Module, Instance, Memory } = WA;
  const compile = WA.compile;
  const instantiate = WA.instantiate;
  const fuel = core.fuelGlobal();
  const [fuelModule, fuelName] = core.fuelImportName();

  // The import object with the runtime's fuel added. The caller's object is the prototype,
  // so getters and proxies in it keep working.
  function withFuel(imports) {
    if (fuel === undefined) return imports;
    const out = Object.create(imports !== null && typeof imports === "object" ? imports : null);
    Object.defineProperty(out, fuelModule, { value: { [fuelName]: fuel }, enumerable: true });
    return out;
  }

  function define(obj, name, value) {
    Object.defineProperty(obj, name, { value, writable: true, enumerable: false, configurable: true });
  }

  // Proxies keep `instanceof`, `.prototype` and the static methods of the originals.
  define(WA, "Module", new Proxy(Module, {
    construct(target, args, newTarget) {
      return Reflect.construct(target, [core.prepareWasm(args[0]), ...args.slice(1)], newTarget);
    },
  }));
  define(WA, "Instance", new Proxy(Instance, {
    construct(target, args, newTarget) {
      return Reflect.construct(target, [args[0], withFuel(args[1])], newTarget);
    },
  }));
  define(WA, "compile", async function compileLimited(bytes, options) {
    return compile(core.prepareWasm(bytes), options);
  });
  define(WA, "instantiate", async function instantiateLimited(source, imports, options) {
    if (source instanceof Module) return instantiate(source, withFuel(imports));
    return instantiate(core.prepareWasm(source), withFuel(imports), options);
  });
  define(WA, "Memory", new Proxy(Memory, {
    construct(target, args, newTarget) {
      const left = core.memoryPagesLeft();
      const desc = args[0];
      if (left === undefined || desc === null || typeof desc !== "object") {
        return Reflect.construct(target, args, newTarget);
      }
      const big = typeof desc.initial === "bigint";
      const initial = Number(desc.initial ?? 0);
      if (initial > left) {
        throw new RangeError(`WebAssembly.Memory(): ${initial} initial pages are more than the ${left} left of the runtime's memory cap`);
      }
      const maximum = Math.min(desc.maximum === undefined ? Infinity : Number(desc.maximum), left);
      const clamped = { ...desc, maximum: big ? BigInt(maximum) : maximum };
      return Reflect.construct(target, [clamped, ...args.slice(1)], newTarget);
    },
  }));
})
