// wasm_compile.js — owns how Wasm that JS glue compiles itself (WebAssembly.Module,
// compile, instantiate, validate, and the streaming forms built on them) reaches V8.
// Always: the bytes' types are admitted first (core.admitWasm, src/wasm_types.rs), since
// V8 ends the process when its process-wide table of Wasm types overflows. When the
// runtime has fuel, a memory cap or a compiled-Wasm cache (`through`): through
// core.compileWasm, the same path as Wasm warren compiles (instrumented for fuel, memories
// clamped, looked up in and added to the cache). Instances get the runtime's fuel import;
// `new WebAssembly.Memory` is clamped to what is left of the cap. Compile options
// (`builtins`, `importedStringConstants`) take V8's own path, with the bytes prepared.
(function wasmCompile(core, global, through) {
  "use strict";
  const WA = global.WebAssembly;
  const { Module, Instance, Memory } = WA;
  const compile = WA.compile;
  const instantiate = WA.instantiate;
  const validate = WA.validate;

  function define(obj, name, value) {
    Object.defineProperty(obj, name, { value, writable: true, enumerable: false, configurable: true });
  }

  // Decoding alone canonicalizes types, so validate is admitted too.
  define(WA, "validate", function validate_(bytes, options) {
    core.admitWasm(bytes);
    return Reflect.apply(validate, WA, [bytes, options]);
  });

  if (!through) {
    define(WA, "Module", new Proxy(Module, {
      construct(target, args, newTarget) {
        core.admitWasm(args[0]);
        return Reflect.construct(target, args, newTarget);
      },
    }));
    define(WA, "compile", async function compile_(bytes, options) {
      core.admitWasm(bytes);
      return Reflect.apply(compile, WA, [bytes, options]);
    });
    define(WA, "instantiate", async function instantiate_(source, imports, options) {
      if (!(source instanceof Module)) core.admitWasm(source);
      return Reflect.apply(instantiate, WA, [source, imports, options]);
    });
    return;
  }

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

  // Proxies keep `instanceof`, `.prototype` and the static methods of the originals.
  const ModuleProxy = new Proxy(Module, {
    construct(target, args, newTarget) {
      if (args[1] !== undefined) {
        return Reflect.construct(target, [core.prepareWasm(args[0]), ...args.slice(1)], newTarget);
      }
      const module = core.compileWasm(args[0]);
      if (newTarget !== ModuleProxy) Object.setPrototypeOf(module, newTarget.prototype);
      return module;
    },
  });
  define(WA, "Module", ModuleProxy);
  define(WA, "Instance", new Proxy(Instance, {
    construct(target, args, newTarget) {
      return Reflect.construct(target, [args[0], withFuel(args[1])], newTarget);
    },
  }));
  define(WA, "compile", async function compile_(bytes, options) {
    if (options !== undefined) return compile(core.prepareWasm(bytes), options);
    return core.compileWasm(bytes);
  });
  define(WA, "instantiate", async function instantiate_(source, imports, options) {
    if (source instanceof Module) return instantiate(source, withFuel(imports));
    if (options !== undefined) {
      return instantiate(core.prepareWasm(source), withFuel(imports), options);
    }
    const module = core.compileWasm(source);
    const instance = await instantiate(module, withFuel(imports));
    return { module, instance };
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
