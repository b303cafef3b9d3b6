// node_errors.js — owns: Node-style error constructors shared by warren's Node-compat JS
// (`code` as an own property, "Name [CODE]: message" as stack header and toString()).
// Evaluates to a function the host calls as fn(core, global, internals); it installs
// internals.nodeErrors, which event.js, buffer.js, node_path.js and url_search_params.js use.
(function (core, global, internals) {
  "use strict";

  internals.nodeErrors ??= makeNodeErrors();

  function makeNodeErrors() {
    function inspect(value, opts) {
      if (typeof internals.inspect === "function") return internals.inspect(value, opts);
      if (typeof value === "string") return `'${value}'`;
      if (typeof value === "bigint") return `${value}n`;
      if (typeof value === "symbol") return value.toString();
      if (Object.is(value, -0)) return "-0";
      if (typeof value === "function") return `[Function: ${value.name || "(anonymous)"}]`;
      if (Array.isArray(value)) return `[ ${value.map((v) => inspect(v)).join(", ")} ]`;
      return String(value);
    }
    // One subclass per (base, code), as Node has: toString() shows the code, and
    // `constructor` still reads as the base.
    const classes = new Map();
    function makeError(Base, code, message) {
      const key = `${Base.name} ${code}`;
      let NodeError = classes.get(key);
      if (NodeError === undefined) {
        NodeError = class NodeError extends Base {
          get ["constructor"]() { return Base; }
          toString() { return `${this.name} [${code}]: ${this.message}`; }
        };
        classes.set(key, NodeError);
      }
      const err = new NodeError(message);
      // V8 formats the stack header lazily from `name`: show the code in it, as Node does.
      Object.defineProperty(err, "name", {
        value: `${err.name} [${code}]`, writable: true, configurable: true, enumerable: false,
      });
      void err.stack;
      delete err.name;
      err.code = code;
      return err;
    }
    const kTypes = ["string", "function", "number", "object", "Function", "Object",
      "boolean", "bigint", "symbol"];
    const classRegExp = /^[A-Z][a-zA-Z0-9]*$/;
    function formatList(array, type = "and") {
      switch (array.length) {
        case 0: return "";
        case 1: return `${array[0]}`;
        case 2: return `${array[0]} ${type} ${array[1]}`;
        case 3: return `${array[0]}, ${array[1]}, ${type} ${array[2]}`;
        default: return `${array.slice(0, -1).join(", ")}, ${type} ${array[array.length - 1]}`;
      }
    }
    function determineSpecificType(value) {
      if (value === null) return "null";
      if (value === undefined) return "undefined";
      const type = typeof value;
      switch (type) {
        case "bigint": return `type bigint (${value}n)`;
        case "number":
          if (value === 0) return 1 / value === -Infinity ? "type number (-0)" : "type number (0)";
          return `type number (${value})`;
        case "boolean": return `type boolean (${value})`;
        case "symbol": return `type symbol (${String(value)})`;
        case "function": return `function ${value.name}`;
        case "object":
          if (value.constructor && "name" in value.constructor) {
            return `an instance of ${value.constructor.name}`;
          }
          return `${inspect(value, { depth: -1 })}`;
        case "string":
          if (value.length > 28) value = `${value.slice(0, 25)}...`;
          if (value.indexOf("'") === -1) return `type string ('${value}')`;
          return `type string (${JSON.stringify(value)})`;
        default: {
          let s = inspect(value, { colors: false });
          if (s.length > 28) s = `${s.slice(0, 25)}...`;
          return `type ${type} (${s})`;
        }
      }
    }
    function addNumericalSeparator(val) {
      let res = "";
      let i = val.length;
      const start = val[0] === "-" ? 1 : 0;
      for (; i >= start + 4; i -= 3) res = `_${val.slice(i - 3, i)}${res}`;
      return `${val.slice(0, i)}${res}`;
    }
    return {
      makeError,
      inspect,
      invalidArgType(name, expected, actual) {
        if (!Array.isArray(expected)) expected = [expected];
        let msg = "The ";
        if (name.endsWith(" argument")) msg += `${name} `;
        else msg += `"${name}" ${name.includes(".") ? "property" : "argument"} `;
        msg += "must be ";
        const types = [];
        const instances = [];
        const other = [];
        for (const value of expected) {
          if (kTypes.includes(value)) types.push(value.toLowerCase());
          else if (classRegExp.test(value)) instances.push(value);
          else other.push(value);
        }
        if (instances.length > 0) {
          const pos = types.indexOf("object");
          if (pos !== -1) {
            types.splice(pos, 1);
            instances.push("Object");
          }
        }
        if (types.length > 0) {
          msg += `${types.length > 1 ? "one of type" : "of type"} ${formatList(types, "or")}`;
          if (instances.length > 0 || other.length > 0) msg += " or ";
        }
        if (instances.length > 0) {
          msg += `an instance of ${formatList(instances, "or")}`;
          if (other.length > 0) msg += " or ";
        }
        if (other.length > 0) {
          if (other.length > 1) {
            msg += `one of ${formatList(other, "or")}`;
          } else {
            if (other[0].toLowerCase() !== other[0]) msg += "an ";
            msg += `${other[0]}`;
          }
        }
        msg += `. Received ${determineSpecificType(actual)}`;
        return makeError(TypeError, "ERR_INVALID_ARG_TYPE", msg);
      },
      invalidArgValue(name, value, reason = "is invalid", Base = TypeError) {
        let inspected = inspect(value);
        if (inspected.length > 128) inspected = `${inspected.slice(0, 128)}...`;
        const type = name.includes(".") ? "property" : "argument";
        return makeError(Base, "ERR_INVALID_ARG_VALUE",
          `The ${type} '${name}' ${reason}. Received ${inspected}`);
      },
      outOfRange(str, range, input, replaceDefaultBoolean = false) {
        let msg = replaceDefaultBoolean ? str : `The value of "${str}" is out of range.`;
        let received;
        if (Number.isInteger(input) && Math.abs(input) > 2 ** 32) {
          received = addNumericalSeparator(String(input));
        } else if (typeof input === "bigint") {
          received = String(input);
          if (input > 2n ** 32n || input < -(2n ** 32n)) received = addNumericalSeparator(received);
          received += "n";
        } else {
          received = inspect(input);
        }
        msg += ` It must be ${range}. Received ${received}`;
        return makeError(RangeError, "ERR_OUT_OF_RANGE", msg);
      },
      missingArgs(...args) {
        const len = args.length;
        const wrap = (a) => `"${a}"`;
        args = args.map((a) => (Array.isArray(a) ? a.map(wrap).join(" or ") : wrap(a)));
        return makeError(TypeError, "ERR_MISSING_ARGS",
          `The ${formatList(args)} argument${len > 1 ? "s" : ""} must be specified`);
      },
      invalidThis(type) {
        return makeError(TypeError, "ERR_INVALID_THIS", `Value of "this" must be of type ${type}`);
      },
    };
  }
})
