// url_pattern.js — owns: URLPattern (the WHATWG URL Pattern standard, as Deno and Workers
// have it). The urlpattern crate parses a pattern and splits an input into components
// (src/runtime/url_pattern.rs); each component's regular expression is V8's RegExp (with
// the `v` flag, as the standard now has it), so patterns have ECMAScript's regex syntax.
// Loaded on first use of URLPattern.
(function urlPattern(core, global) {
  "use strict";

  function define(obj, name, value) {
    Object.defineProperty(obj, name, { value, writable: true, enumerable: false, configurable: true });
  }
  const COMPONENTS = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
  const INIT_KEYS = [...COMPONENTS, "baseURL"];

  // URLPatternInput: a URLPatternInit dictionary (its members as strings) or a string.
  function toInput(input, what) {
    if (input === undefined) return {};
    if (input !== null && typeof input === "object") {
      const init = {};
      for (const key of INIT_KEYS) {
        const v = input[key];
        if (v !== undefined) init[key] = `${v}`;
      }
      return init;
    }
    if (typeof input === "symbol") throw new TypeError(`${what}: a Symbol is not a URLPatternInput`);
    return `${input}`;
  }

  // Caches the split of recently matched inputs: a router tests one URL against many
  // patterns in a row.
  let lastInput;
  let lastSplit;
  function split(input, baseURL) {
    const key = JSON.stringify(input);
    if (baseURL === undefined && key === lastInput) return lastSplit;
    const result = JSON.parse(core.urlPatternMatchInput(key, baseURL));
    if (baseURL === undefined) {
      lastInput = key;
      lastSplit = result;
    }
    return result;
  }

  class URLPattern {
    #components;
    #hasRegExpGroups;

    constructor(input = undefined, baseURLOrOptions = undefined, options = undefined) {
      const what = "Failed to construct 'URLPattern'";
      let baseURL;
      if (typeof baseURLOrOptions === "string") {
        baseURL = baseURLOrOptions;
      } else {
        if (baseURLOrOptions !== undefined && baseURLOrOptions !== null && typeof baseURLOrOptions !== "object") {
          baseURL = `${baseURLOrOptions}`;
        } else {
          options = baseURLOrOptions;
        }
      }
      const ignoreCase = Boolean(options?.ignoreCase);
      const parsed = JSON.parse(core.urlPatternParse(JSON.stringify(toInput(input, what)), baseURL, ignoreCase));
      this.#hasRegExpGroups = parsed.hasRegexpGroups;
      const components = {};
      for (const key of COMPONENTS) {
        const c = parsed[key];
        let regexp;
        try {
          regexp = new RegExp(c.regexpString, ignoreCase ? "vi" : "v");
        } catch (e) {
          throw new TypeError(`${what}: its ${key} is not a valid regular expression: ${e.message}`);
        }
        components[key] = { pattern: c.patternString, source: c.regexpString, regexp, groups: c.groupNameList };
      }
      this.#components = components;
    }

    get protocol() { return this.#components.protocol.pattern; }
    get username() { return this.#components.username.pattern; }
    get password() { return this.#components.password.pattern; }
    get hostname() { return this.#components.hostname.pattern; }
    get port() { return this.#components.port.pattern; }
    get pathname() { return this.#components.pathname.pattern; }
    get search() { return this.#components.search.pattern; }
    get hash() { return this.#components.hash.pattern; }
    get hasRegExpGroups() { return this.#hasRegExpGroups; }

    test(input = undefined, baseURL = undefined) {
      const split_ = this.#split(input, baseURL, "test");
      if (split_ === null) return false;
      const values = split_[0];
      for (const key of COMPONENTS) {
        const c = this.#components[key];
        if (c.source === "^(.*)$") continue;
        if (!c.regexp.test(values[key])) return false;
      }
      return true;
    }

    exec(input = undefined, baseURL = undefined) {
      const split_ = this.#split(input, baseURL, "exec");
      if (split_ === null) return null;
      const [values, inputs] = split_;
      const result = {};
      for (const key of COMPONENTS) {
        const c = this.#components[key];
        const match = c.regexp.exec(values[key]);
        if (match === null) return null;
        const groups = {};
        for (let i = 0; i < c.groups.length; i++) groups[c.groups[i]] = match[i + 1];
        result[key] = { input: values[key], groups };
      }
      const given = typeof inputs[0] === "string" ? inputs[0] : Object.assign({}, inputs[0]);
      result.inputs = inputs[1] === null || inputs[1] === undefined ? [given] : [given, inputs[1]];
      return { inputs: result.inputs, ...Object.fromEntries(COMPONENTS.map((k) => [k, result[k]])) };
    }

    #split(input, baseURL, method) {
      const what = `Failed to execute '${method}' on 'URLPattern'`;
      const given = toInput(input, what);
      if (baseURL !== undefined) baseURL = `${baseURL}`;
      return split(given, baseURL);
    }
  }
  Object.defineProperty(URLPattern.prototype, Symbol.toStringTag, { value: "URLPattern", configurable: true });

  define(global, "URLPattern", URLPattern);
});
