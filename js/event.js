// event.js — owns: the Event, EventTarget, CustomEvent, AbortController, AbortSignal and DOMException globals.
// Evaluates to a function the host calls as fn(core, global, internals). A port of Node 20's
// lib/internal/event_target.js, lib/internal/abort_controller.js and
// lib/internal/per_context/domexception.js (MIT), without the Node-only parts
// (NodeEventTarget, weak listeners, transferable signals, max-listener warnings).
// Shares on internals: Event, EventTarget, CustomEvent, AbortController, AbortSignal,
// DOMException, abortSignal(signal, reason), kTrustEvent, defineEventHandler, nodeErrors.
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
  function toStringTag(proto, value) {
    Object.defineProperty(proto, Symbol.toStringTag, {
      __proto__: null, writable: false, enumerable: false, configurable: true, value,
    });
  }

  // The inspect handed to custom inspectors, else internals.inspect, else a small fallback.
  function inspectWith(inspect, value, opts) {
    if (typeof inspect === "function") return inspect(value, opts);
    if (typeof internals.inspect === "function") return internals.inspect(value, opts);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 0) return "{}";
      return `{ ${keys.map((k) => `${k}: ${inspectWith(undefined, value[k], opts)}`).join(", ")} }`;
    }
    return errors.inspect(value, opts);
  }
  function childOptions(options) {
    return Object.assign({}, options, {
      depth: Number.isInteger(options.depth) ? options.depth - 1 : options.depth,
    });
  }

  function reportError(err) {
    if (typeof internals.reportError === "function") {
      internals.reportError(err);
    } else {
      global.queueMicrotask(() => { throw err; });
    }
  }

  // ---- DOMException --------------------------------------------------------------------
  const domInternals = new WeakMap();
  const nameToCode = new Map();
  // Removed from the WebIDL error names table: their code reads 0.
  const disusedNames = new Set(["DOMStringSizeError", "NoDataAllowedError", "ValidationError"]);

  function domInternalsOf(self) {
    const slot = domInternals.get(self);
    if (slot === undefined) {
      throw errors.makeError(TypeError, "ERR_INVALID_THIS", 'Value of "this" must be of DOMException');
    }
    return slot;
  }

  class DOMException {
    constructor(message = "", options = "Error") {
      if (options && typeof options === "object") {
        const { name } = options;
        domInternals.set(this, { message: `${message}`, name: `${name}` });
        if ("cause" in options) {
          Object.defineProperty(this, "cause", {
            __proto__: null, value: options.cause, configurable: true, writable: true, enumerable: false,
          });
        }
      } else {
        domInternals.set(this, { message: `${message}`, name: `${options}` });
      }
      Error.captureStackTrace(this);
    }

    get name() { return domInternalsOf(this).name; }
    get message() { return domInternalsOf(this).message; }
    get code() {
      const { name } = domInternalsOf(this);
      if (disusedNames.has(name)) return 0;
      const code = nameToCode.get(name);
      return code === undefined ? 0 : code;
    }
  }
  Object.setPrototypeOf(DOMException.prototype, Error.prototype);
  Object.defineProperties(DOMException.prototype, {
    [Symbol.toStringTag]: { __proto__: null, configurable: true, value: "DOMException" },
    name: kEnumerableProperty,
    message: kEnumerableProperty,
    code: kEnumerableProperty,
  });
  for (const [name, codeName, value] of [
    ["IndexSizeError", "INDEX_SIZE_ERR", 1],
    ["DOMStringSizeError", "DOMSTRING_SIZE_ERR", 2],
    ["HierarchyRequestError", "HIERARCHY_REQUEST_ERR", 3],
    ["WrongDocumentError", "WRONG_DOCUMENT_ERR", 4],
    ["InvalidCharacterError", "INVALID_CHARACTER_ERR", 5],
    ["NoDataAllowedError", "NO_DATA_ALLOWED_ERR", 6],
    ["NoModificationAllowedError", "NO_MODIFICATION_ALLOWED_ERR", 7],
    ["NotFoundError", "NOT_FOUND_ERR", 8],
    ["NotSupportedError", "NOT_SUPPORTED_ERR", 9],
    ["InUseAttributeError", "INUSE_ATTRIBUTE_ERR", 10],
    ["InvalidStateError", "INVALID_STATE_ERR", 11],
    ["SyntaxError", "SYNTAX_ERR", 12],
    ["InvalidModificationError", "INVALID_MODIFICATION_ERR", 13],
    ["NamespaceError", "NAMESPACE_ERR", 14],
    ["InvalidAccessError", "INVALID_ACCESS_ERR", 15],
    ["ValidationError", "VALIDATION_ERR", 16],
    ["TypeMismatchError", "TYPE_MISMATCH_ERR", 17],
    ["SecurityError", "SECURITY_ERR", 18],
    ["NetworkError", "NETWORK_ERR", 19],
    ["AbortError", "ABORT_ERR", 20],
    ["URLMismatchError", "URL_MISMATCH_ERR", 21],
    ["QuotaExceededError", "QUOTA_EXCEEDED_ERR", 22],
    ["TimeoutError", "TIMEOUT_ERR", 23],
    ["InvalidNodeTypeError", "INVALID_NODE_TYPE_ERR", 24],
    ["DataCloneError", "DATA_CLONE_ERR", 25],
  ]) {
    const desc = { enumerable: true, value };
    Object.defineProperty(DOMException, codeName, desc);
    Object.defineProperty(DOMException.prototype, codeName, desc);
    nameToCode.set(name, value);
  }

  // ---- Event ---------------------------------------------------------------------------
  const kType = Symbol("type");
  const kDetail = Symbol("detail");
  const kTarget = Symbol("kTarget");
  const kIsBeingDispatched = Symbol("kIsBeingDispatched");
  const kStop = Symbol("kStop");
  const kInPassiveListener = Symbol("kInPassiveListener");
  const kTrustEvent = Symbol("kTrustEvent");

  const timeOrigin = Date.now();
  function now() {
    const perf = global.performance;
    if (perf && typeof perf.now === "function") return perf.now();
    return Date.now() - timeOrigin;
  }

  const isTrustedSet = new WeakSet();
  const isTrusted = Object.getOwnPropertyDescriptor({
    get isTrusted() { return isTrustedSet.has(this); },
  }, "isTrusted").get;

  function isEvent(value) {
    return typeof value?.[kType] === "string";
  }
  function validateObject(value, name, allowObjects) {
    if (value === null || (!allowObjects && Array.isArray(value))) {
      throw errors.invalidArgType(name, "Object", value);
    }
    const type = typeof value;
    if (type !== "object" && !(allowObjects && type === "function")) {
      throw errors.invalidArgType(name, "Object", value);
    }
  }

  class Event {
    #cancelable = false;
    #bubbles = false;
    #composed = false;
    #defaultPrevented = false;
    #timestamp = now();
    #propagationStopped = false;

    constructor(type, options = undefined) {
      if (arguments.length === 0) throw errors.missingArgs("type");
      if (options != null) validateObject(options, "options");
      this.#bubbles = !!options?.bubbles;
      this.#cancelable = !!options?.cancelable;
      this.#composed = !!options?.composed;
      this[kType] = `${type}`;
      if (options?.[kTrustEvent]) isTrustedSet.add(this);
      this[kTarget] = null;
      this[kIsBeingDispatched] = false;
    }

    initEvent(type, bubbles = false, cancelable = false) {
      if (arguments.length === 0) throw errors.missingArgs("type");
      if (this[kIsBeingDispatched]) return;
      this[kType] = `${type}`;
      this.#bubbles = !!bubbles;
      this.#cancelable = !!cancelable;
    }

    [customInspectSymbol](depth, options, inspect) {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      const name = this.constructor.name;
      if (depth < 0) return name;
      return `${name} ${inspectWith(inspect, {
        type: this[kType],
        defaultPrevented: this.#defaultPrevented,
        cancelable: this.#cancelable,
        timeStamp: this.#timestamp,
      }, childOptions(options))}`;
    }

    stopImmediatePropagation() {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      this.stopPropagation();
      this[kStop] = true;
    }

    preventDefault() {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      // A passive listener cannot cancel (DOM spec; Node 20 ignores `passive` here).
      if (this[kInPassiveListener]) return;
      this.#defaultPrevented = true;
    }

    get target() {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      return this[kTarget];
    }
    get currentTarget() {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      return this[kIsBeingDispatched] ? this[kTarget] : null;
    }
    get srcElement() {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      return this[kTarget];
    }
    get type() {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      return this[kType];
    }
    get cancelable() {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      return this.#cancelable;
    }
    get defaultPrevented() {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      return this.#cancelable && this.#defaultPrevented;
    }
    get timeStamp() {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      return this.#timestamp;
    }
    composedPath() {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      return this[kIsBeingDispatched] ? [this[kTarget]] : [];
    }
    get returnValue() {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      return !this.#cancelable || !this.#defaultPrevented;
    }
    get bubbles() {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      return this.#bubbles;
    }
    get composed() {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      return this.#composed;
    }
    get eventPhase() {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      return this[kIsBeingDispatched] ? Event.AT_TARGET : Event.NONE;
    }
    get cancelBubble() {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      return this.#propagationStopped;
    }
    set cancelBubble(value) {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      if (value) this.#propagationStopped = true;
    }
    stopPropagation() {
      if (!isEvent(this)) throw errors.invalidThis("Event");
      this.#propagationStopped = true;
    }
  }

  toStringTag(Event.prototype, "Event");
  Object.defineProperties(Event.prototype, {
    initEvent: kEnumerableProperty,
    stopImmediatePropagation: kEnumerableProperty,
    preventDefault: kEnumerableProperty,
    target: kEnumerableProperty,
    currentTarget: kEnumerableProperty,
    srcElement: kEnumerableProperty,
    type: kEnumerableProperty,
    cancelable: kEnumerableProperty,
    defaultPrevented: kEnumerableProperty,
    timeStamp: kEnumerableProperty,
    composedPath: kEnumerableProperty,
    returnValue: kEnumerableProperty,
    bubbles: kEnumerableProperty,
    composed: kEnumerableProperty,
    eventPhase: kEnumerableProperty,
    cancelBubble: kEnumerableProperty,
    stopPropagation: kEnumerableProperty,
    isTrusted: { __proto__: null, configurable: false, enumerable: true, get: isTrusted },
  });
  ["NONE", "CAPTURING_PHASE", "AT_TARGET", "BUBBLING_PHASE"].forEach((name, value) => {
    Object.defineProperty(Event, name, {
      __proto__: null, writable: false, configurable: false, enumerable: true, value,
    });
  });

  function isCustomEvent(value) {
    return isEvent(value) && value?.[kDetail] !== undefined;
  }

  class CustomEvent extends Event {
    constructor(type, options = {}) {
      if (arguments.length === 0) throw errors.missingArgs("type");
      super(type, options);
      this[kDetail] = options?.detail ?? null;
    }
    get detail() {
      if (!isCustomEvent(this)) throw errors.invalidThis("CustomEvent");
      return this[kDetail];
    }
  }
  toStringTag(CustomEvent.prototype, "CustomEvent");
  Object.defineProperties(CustomEvent.prototype, { detail: kEnumerableProperty });

  // ---- EventTarget ---------------------------------------------------------------------
  // Listeners are kept per type in a linked list, as in Node: a listener removed during a
  // dispatch is skipped, and one appended behind the running listener is still reached.
  const kIsEventTarget = Symbol.for("nodejs.event_target");
  const kEvents = Symbol("kEvents");
  const kHandlers = Symbol("kHandlers");
  const kNewListener = Symbol("kNewListener");
  const kRemoveListener = Symbol("kRemoveListener");
  const kResistStopPropagation = Symbol("kResistStopPropagation");
  const kWeakHandler = Symbol("kWeak");

  class Listener {
    constructor(previous, listener, once, capture, passive, weak, resistStopPropagation) {
      this.next = undefined;
      if (previous !== undefined) previous.next = this;
      this.previous = previous;
      this.once = once;
      this.capture = capture;
      this.passive = passive;
      this.resistStopPropagation = resistStopPropagation;
      this.removed = false;
      this.weak = Boolean(weak);
      if (this.weak) {
        // Held weakly so that the signal does not keep the event target alive.
        this.callback = new WeakRef(listener);
        this.listener = this.callback;
      } else if (typeof listener === "function") {
        this.callback = listener;
        this.listener = listener;
      } else {
        // `handleEvent` is looked up at dispatch time.
        this.callback = async (...args) => {
          if (listener.handleEvent) await Reflect.apply(listener.handleEvent, listener, args);
        };
        this.listener = listener;
      }
    }
    same(listener, capture) {
      const mine = this.weak ? this.listener.deref() : this.listener;
      return mine === listener && this.capture === capture;
    }
    remove() {
      if (this.previous !== undefined) this.previous.next = this.next;
      if (this.next !== undefined) this.next.previous = this.previous;
      this.removed = true;
    }
  }

  function initEventTarget(self) {
    self[kEvents] = new Map();
    self[kHandlers] = new Map();
  }

  function isEventTarget(obj) {
    return obj?.constructor?.[kIsEventTarget];
  }

  function validateEventListener(listener) {
    if (typeof listener === "function" || typeof listener?.handleEvent === "function") return true;
    if (listener == null) return false;
    if (typeof listener === "object") return true; // `handleEvent` is required lazily.
    throw errors.invalidArgType("listener", "EventListener", listener);
  }

  function validateEventListenerOptions(options) {
    if (typeof options === "boolean") return { capture: options };
    if (options === null) return {};
    validateObject(options, "options", true);
    return {
      once: Boolean(options.once),
      capture: Boolean(options.capture),
      passive: Boolean(options.passive),
      signal: options.signal,
      weak: options[kWeakHandler],
      resistStopPropagation: options[kResistStopPropagation] ?? false,
    };
  }

  function validateAbortSignal(signal, name) {
    if (signal !== undefined &&
        (signal === null || typeof signal !== "object" || !("aborted" in signal))) {
      throw errors.invalidArgType(name, "AbortSignal", signal);
    }
  }

  function addCatch(promise) {
    const then = promise.then;
    if (typeof then === "function") {
      Reflect.apply(then, promise, [undefined, (err) => reportError(err)]);
    }
  }

  class EventTarget {
    // Cross-realm brand, as in Node.
    static [kIsEventTarget] = true;

    constructor() {
      initEventTarget(this);
    }

    [kNewListener](size, type, listener, once, capture, passive, weak) {}
    [kRemoveListener](size, type, listener, capture) {}

    addEventListener(type, listener, options = undefined) {
      if (!isEventTarget(this)) throw errors.invalidThis("EventTarget");
      if (arguments.length < 2) throw errors.missingArgs("type", "listener");

      let once = false;
      let capture = false;
      let passive = false;
      let weak = false;
      let resistStopPropagation = false;

      if (options !== undefined) {
        // Options are read before the listener is validated: the spec hits the getters.
        options = validateEventListenerOptions(options);
        once = Boolean(options.once);
        capture = Boolean(options.capture);
        passive = Boolean(options.passive);
        weak = options.weak;
        resistStopPropagation = Boolean(options.resistStopPropagation);
        const signal = options.signal;
        validateAbortSignal(signal, "options.signal");
        if (signal) {
          if (signal.aborted) return;
          signal.addEventListener("abort", () => {
            this.removeEventListener(type, listener, options);
          }, { __proto__: null, once: true, [kWeakHandler]: this, [kResistStopPropagation]: true });
        }
      }

      if (!validateEventListener(listener)) {
        // The DOM silently accepts undefined/null here; Node warns.
        if (typeof internals.emitWarning === "function") {
          const w = new Error(`addEventListener called with ${listener} which has no effect.`);
          w.name = "AddEventListenerArgumentTypeWarning";
          w.target = this;
          w.type = type;
          internals.emitWarning(w);
        }
        return;
      }

      type = `${type}`;
      let root = this[kEvents].get(type);
      if (root === undefined) {
        root = { size: 1, next: undefined, resistStopPropagation };
        new Listener(root, listener, once, capture, passive, weak, resistStopPropagation);
        this[kNewListener](root.size, type, listener, once, capture, passive, weak);
        this[kEvents].set(type, root);
        return;
      }

      let handler = root.next;
      let previous = root;
      while (handler !== undefined && !handler.same(listener, capture)) {
        previous = handler;
        handler = handler.next;
      }
      if (handler !== undefined) return; // Duplicate: ignored.

      new Listener(previous, listener, once, capture, passive, weak, resistStopPropagation);
      root.size++;
      root.resistStopPropagation ||= resistStopPropagation;
      this[kNewListener](root.size, type, listener, once, capture, passive, weak);
    }

    removeEventListener(type, listener, options = undefined) {
      if (!isEventTarget(this)) throw errors.invalidThis("EventTarget");
      if (arguments.length < 2) throw errors.missingArgs("type", "listener");
      if (!validateEventListener(listener)) return;

      type = `${type}`;
      const capture = typeof options === "boolean" ? options : options?.capture === true;
      const root = this[kEvents].get(type);
      if (root === undefined || root.next === undefined) return;

      let handler = root.next;
      while (handler !== undefined) {
        if (handler.same(listener, capture)) {
          handler.remove();
          root.size--;
          if (root.size === 0) this[kEvents].delete(type);
          this[kRemoveListener](root.size, type, listener, capture);
          break;
        }
        handler = handler.next;
      }
    }

    dispatchEvent(event) {
      if (!isEventTarget(this)) throw errors.invalidThis("EventTarget");
      if (arguments.length < 1) throw errors.missingArgs("event");
      if (!(event instanceof Event)) throw errors.invalidArgType("event", "Event", event);
      if (event[kIsBeingDispatched]) {
        throw errors.makeError(Error, "ERR_EVENT_RECURSION",
          `The event "${event.type}" is already being dispatched`);
      }

      const type = event.type;
      event[kTarget] = this;
      event[kIsBeingDispatched] = true;

      const root = this[kEvents].get(type);
      if (root !== undefined && root.next !== undefined) {
        let handler = root.next;
        let next;
        while (handler !== undefined &&
               (root.resistStopPropagation || handler.passive || event[kStop] !== true)) {
          // Cache the next listener in case this one removes itself.
          next = handler.next;
          if (handler.removed || (event[kStop] === true && !handler.resistStopPropagation)) {
            handler = next;
            continue;
          }
          if (handler.once) {
            handler.remove();
            root.size--;
            this[kRemoveListener](root.size, type, handler.listener, handler.capture);
          }
          try {
            const callback = handler.weak ? handler.callback.deref() : handler.callback;
            let result;
            if (callback) {
              event[kInPassiveListener] = handler.passive;
              try {
                result = Reflect.apply(callback, this, [event]);
              } finally {
                event[kInPassiveListener] = false;
              }
            }
            if (result !== undefined && result !== null) addCatch(result);
          } catch (err) {
            reportError(err);
          }
          handler = next;
        }
      }

      event[kIsBeingDispatched] = false;
      return event.defaultPrevented !== true;
    }

    [customInspectSymbol](depth, options, inspect) {
      if (!isEventTarget(this)) throw errors.invalidThis("EventTarget");
      const name = this.constructor.name;
      if (depth < 0) return name;
      return `${name} ${inspectWith(inspect, {}, childOptions(options))}`;
    }
  }

  Object.defineProperties(EventTarget.prototype, {
    addEventListener: kEnumerableProperty,
    removeEventListener: kEnumerableProperty,
    dispatchEvent: kEnumerableProperty,
  });
  toStringTag(EventTarget.prototype, "EventTarget");

  // `on<name>` attributes: set handlers keep their first position among the listeners.
  function makeEventHandler(handler) {
    function eventHandler(...args) {
      if (typeof eventHandler.handler !== "function") return;
      return Reflect.apply(eventHandler.handler, this, args);
    }
    eventHandler.handler = handler;
    return eventHandler;
  }

  function defineEventHandler(emitter, name, event = name) {
    const propName = `on${name}`;
    function get() {
      if (this === null || typeof this !== "object" || !(kHandlers in this)) {
        throw errors.invalidThis("EventTarget");
      }
      return this[kHandlers]?.get(event)?.handler ?? null;
    }
    Object.defineProperty(get, "name", { __proto__: null, value: `get ${propName}` });
    function set(value) {
      if (this === null || typeof this !== "object" || !(kHandlers in this)) {
        throw errors.invalidThis("EventTarget");
      }
      let wrappedHandler = this[kHandlers]?.get(event);
      if (wrappedHandler) {
        if (typeof wrappedHandler.handler === "function") {
          this[kEvents].get(event).size--;
          const size = this[kEvents].get(event).size;
          this[kRemoveListener](size, event, wrappedHandler.handler, false);
        }
        wrappedHandler.handler = value;
        if (typeof wrappedHandler.handler === "function") {
          this[kEvents].get(event).size++;
          const size = this[kEvents].get(event).size;
          this[kNewListener](size, event, value, false, false, false, false);
        }
      } else {
        wrappedHandler = makeEventHandler(value);
        this.addEventListener(event, wrappedHandler);
      }
      this[kHandlers].set(event, wrappedHandler);
    }
    Object.defineProperty(set, "name", { __proto__: null, value: `set ${propName}` });
    Object.defineProperty(emitter, propName, {
      __proto__: null, get, set, configurable: true, enumerable: true,
    });
  }

  // ---- AbortSignal / AbortController ---------------------------------------------------
  const kAborted = Symbol("kAborted");
  const kReason = Symbol("kReason");
  const kTimeout = Symbol("kTimeout");
  const kComposite = Symbol("kComposite");
  const kSourceSignals = Symbol("kSourceSignals");
  const kDependantSignals = Symbol("kDependantSignals");

  // Timeout and composite signals are referenced weakly by their sources; while one has
  // abort listeners it is held here so that those listeners still run.
  const gcPersistentSignals = new Set();
  const clearTimeoutRegistry = new FinalizationRegistry((timer) => global.clearTimeout(timer));

  function abortSignalInspect(self, obj, depth, options, inspect) {
    if (depth < 0) return self;
    const opts = Object.assign({}, options, {
      depth: options.depth === null ? null : options.depth - 1,
    });
    return `${self.constructor.name} ${inspectWith(inspect, obj, opts)}`;
  }

  function validateThisAbortSignal(obj) {
    if (obj?.[kAborted] === undefined) throw errors.invalidThis("AbortSignal");
  }

  function setWeakAbortSignalTimeout(weakRef, delay) {
    const timeout = global.setTimeout(() => {
      const signal = weakRef.deref();
      if (signal !== undefined) {
        gcPersistentSignals.delete(signal);
        abortSignal(signal,
          new DOMException("The operation was aborted due to timeout", "TimeoutError"));
      }
    }, delay);
    // The timer alone does not keep the program running.
    if (timeout && typeof timeout.unref === "function") timeout.unref();
    return timeout;
  }

  function validateUint32(value, name) {
    if (typeof value !== "number") throw errors.invalidArgType(name, "number", value);
    if (!Number.isInteger(value)) throw errors.outOfRange(name, "an integer", value);
    if (value < 0 || value > 4294967295) {
      throw errors.outOfRange(name, ">= 0 && <= 4294967295", value);
    }
  }

  class AbortSignal extends EventTarget {
    constructor() {
      throw errors.makeError(TypeError, "ERR_ILLEGAL_CONSTRUCTOR", "Illegal constructor");
    }

    get aborted() {
      validateThisAbortSignal(this);
      return !!this[kAborted];
    }

    get reason() {
      validateThisAbortSignal(this);
      return this[kReason];
    }

    throwIfAborted() {
      validateThisAbortSignal(this);
      if (this[kAborted]) throw this[kReason];
    }

    [customInspectSymbol](depth, options, inspect) {
      return abortSignalInspect(this, { aborted: this.aborted }, depth, options, inspect);
    }

    static abort(reason = new DOMException("This operation was aborted", "AbortError")) {
      return createAbortSignal({ aborted: true, reason });
    }

    static timeout(delay) {
      validateUint32(delay, "delay");
      const signal = createAbortSignal();
      signal[kTimeout] = true;
      clearTimeoutRegistry.register(signal,
        setWeakAbortSignalTimeout(new WeakRef(signal), delay));
      return signal;
    }

    static any(signals) {
      if (!Array.isArray(signals)) {
        if (signals == null || typeof signals[Symbol.iterator] !== "function") {
          throw errors.invalidArgType("signals", "Array", signals);
        }
        signals = Array.from(signals);
      }
      for (let i = 0; i < signals.length; i++) validateAbortSignal(signals[i], `signals[${i}]`);
      const resultSignal = createAbortSignal({ composite: true });
      if (!signals.length) return resultSignal;
      const resultSignalWeakRef = new WeakRef(resultSignal);
      resultSignal[kSourceSignals] = new Set();
      for (let i = 0; i < signals.length; i++) {
        const signal = signals[i];
        if (signal.aborted) {
          abortSignal(resultSignal, signal.reason);
          return resultSignal;
        }
        signal[kDependantSignals] ??= new Set();
        if (!signal[kComposite]) {
          resultSignal[kSourceSignals].add(new WeakRef(signal));
          signal[kDependantSignals].add(resultSignalWeakRef);
        } else if (!signal[kSourceSignals]) {
          continue;
        } else {
          for (const sourceSignal of signal[kSourceSignals]) {
            const sourceSignalRef = sourceSignal.deref();
            if (!sourceSignalRef) continue;
            if (resultSignal[kSourceSignals].has(sourceSignal)) continue;
            resultSignal[kSourceSignals].add(sourceSignal);
            sourceSignalRef[kDependantSignals].add(resultSignalWeakRef);
          }
        }
      }
      return resultSignal;
    }

    [kNewListener](size, type, listener, once, capture, passive, weak) {
      super[kNewListener](size, type, listener, once, capture, passive, weak);
      const held = this[kTimeout] || (this[kComposite] && this[kSourceSignals]?.size);
      if (held && type === "abort" && !this.aborted && !weak && size === 1) {
        gcPersistentSignals.add(this);
      }
    }

    [kRemoveListener](size, type, listener, capture) {
      super[kRemoveListener](size, type, listener, capture);
      const held = this[kTimeout] || (this[kComposite] && this[kSourceSignals]?.size);
      if (held && type === "abort" && size === 0) gcPersistentSignals.delete(this);
    }
  }

  Object.defineProperties(AbortSignal.prototype, { aborted: kEnumerableProperty });
  toStringTag(AbortSignal.prototype, "AbortSignal");
  defineEventHandler(AbortSignal.prototype, "abort");

  function createAbortSignal(init = {}) {
    const { aborted = false, reason = undefined, composite = false } = init;
    const signal = new EventTarget();
    Object.setPrototypeOf(signal, AbortSignal.prototype);
    signal[kAborted] = aborted;
    signal[kReason] = reason;
    signal[kComposite] = composite;
    return signal;
  }

  function abortSignal(signal, reason) {
    if (signal[kAborted]) return;
    signal[kAborted] = true;
    signal[kReason] = reason;
    const event = new Event("abort", { [kTrustEvent]: true });
    signal.dispatchEvent(event);
    gcPersistentSignals.delete(signal);
    signal[kDependantSignals]?.forEach((s) => {
      const signalRef = s.deref();
      if (signalRef) abortSignal(signalRef, reason);
    });
  }

  class AbortController {
    #signal;

    get signal() {
      this.#signal ??= createAbortSignal();
      return this.#signal;
    }

    abort(reason = new DOMException("This operation was aborted", "AbortError")) {
      abortSignal(this.#signal ??= createAbortSignal(), reason);
    }

    [customInspectSymbol](depth, options, inspect) {
      return abortSignalInspect(this, { signal: this.signal }, depth, options, inspect);
    }
  }
  Object.defineProperties(AbortController.prototype, {
    signal: kEnumerableProperty,
    abort: kEnumerableProperty,
  });
  toStringTag(AbortController.prototype, "AbortController");

  // ---- install -------------------------------------------------------------------------
  define(global, "DOMException", DOMException);
  define(global, "Event", Event);
  define(global, "EventTarget", EventTarget);
  define(global, "CustomEvent", CustomEvent);
  define(global, "AbortController", AbortController);
  define(global, "AbortSignal", AbortSignal);

  Object.assign(internals, {
    DOMException, Event, EventTarget, CustomEvent, AbortController, AbortSignal,
    abortSignal, createAbortSignal, defineEventHandler, initEventTarget, kTrustEvent,
  });
});
