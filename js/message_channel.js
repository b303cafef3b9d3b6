// message_channel.js — owns: MessageChannel, MessagePort and MessageEvent, within one
// isolate (as Workers, Deno and Node have them): a message is structuredClone'd (its
// transfer list honoured) and delivered to the other port as a task of its own, in order,
// once that port is started (start(), or an onmessage handler); closing either port
// disentangles both. Loaded on first use of one of them.
(function messageChannel(core, global, internals) {
  "use strict";
  internals.load("event");
  const { Event, EventTarget, defineEventHandler } = internals;

  function define(obj, name, value) {
    Object.defineProperty(obj, name, { value, writable: true, enumerable: false, configurable: true });
  }
  function toStringTag(proto, value) {
    Object.defineProperty(proto, Symbol.toStringTag, { value, configurable: true });
  }

  class MessageEvent extends Event {
    #data; #origin; #lastEventId; #source; #ports;
    constructor(type, init = undefined) {
      if (arguments.length === 0) throw new TypeError("MessageEvent: the type argument is required");
      super(type, init);
      this.#data = init?.data ?? null;
      this.#origin = `${init?.origin ?? ""}`;
      this.#lastEventId = `${init?.lastEventId ?? ""}`;
      this.#source = init?.source ?? null;
      this.#ports = Object.freeze([...(init?.ports ?? [])]);
    }
    get data() { return this.#data; }
    get origin() { return this.#origin; }
    get lastEventId() { return this.#lastEventId; }
    get source() { return this.#source; }
    get ports() { return this.#ports; }
  }
  toStringTag(MessageEvent.prototype, "MessageEvent");

  const kMake = Symbol("MessagePort");
  let entangle;

  class MessagePort extends EventTarget {
    #other = null;
    #queue = [];
    #started = false;
    #closed = false;
    #scheduled = false;

    constructor(token = undefined) {
      if (token !== kMake) throw new TypeError("Illegal constructor");
      super();
    }

    static {
      entangle = (a, b) => {
        a.#other = b;
        b.#other = a;
      };
    }

    postMessage(message, transfer = undefined) {
      const options = Array.isArray(transfer) ? { transfer } : (transfer ?? {});
      // Cloned even with no other port: what cannot be cloned throws as it would.
      const data = global.structuredClone(message, options);
      const other = this.#closed ? null : this.#other;
      if (other !== null) other.#enqueue(data);
    }

    start() {
      if (this.#started) return;
      this.#started = true;
      this.#schedule();
    }

    close() {
      if (this.#closed) return;
      this.#closed = true;
      this.#queue.length = 0;
      const other = this.#other;
      this.#other = null;
      if (other !== null) other.#other = null;
    }

    #enqueue(data) {
      if (this.#closed) return;
      this.#queue.push(data);
      this.#schedule();
    }

    // One message per task, as a browser's port message queue delivers them.
    #schedule() {
      if (!this.#started || this.#scheduled || this.#queue.length === 0) return;
      this.#scheduled = true;
      global.setTimeout(() => this.#deliver(), 0);
    }

    #deliver() {
      this.#scheduled = false;
      if (this.#closed || this.#queue.length === 0) return;
      const data = this.#queue.shift();
      this.#schedule();
      this.dispatchEvent(new MessageEvent("message", { data }));
    }
  }
  toStringTag(MessagePort.prototype, "MessagePort");
  defineEventHandler(MessagePort.prototype, "message");
  defineEventHandler(MessagePort.prototype, "messageerror");
  // Setting onmessage starts the port, as the standard has it.
  const onmessage = Object.getOwnPropertyDescriptor(MessagePort.prototype, "onmessage");
  Object.defineProperty(MessagePort.prototype, "onmessage", {
    get: onmessage.get,
    set(handler) {
      onmessage.set.call(this, handler);
      if (typeof handler === "function") this.start();
    },
    enumerable: true,
    configurable: true,
  });

  class MessageChannel {
    #port1 = new MessagePort(kMake);
    #port2 = new MessagePort(kMake);
    constructor() {
      entangle(this.#port1, this.#port2);
    }
    get port1() { return this.#port1; }
    get port2() { return this.#port2; }
  }
  toStringTag(MessageChannel.prototype, "MessageChannel");

  define(global, "MessageChannel", MessageChannel);
  define(global, "MessagePort", MessagePort);
  define(global, "MessageEvent", MessageEvent);
});
