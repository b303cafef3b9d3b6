// node:timers/promises with AbortSignal, setInterval's iterator and scheduler; util.promisify
// (first value only, setTimeout's custom form); crypto's callback forms; stdout.write with
// an encoding; compared with Node 20's output in timers_crypto_util.out.
import { setTimeout as sleep, setImmediate as immediate, setInterval as every, scheduler } from "node:timers/promises";
import { promisify } from "node:util";
import crypto from "node:crypto";

console.log(await sleep(2, "slept"));
console.log(await immediate("immediate"));
const ac = new AbortController();
const pending = sleep(1000, "late", { signal: ac.signal });
ac.abort(new Error("why"));
try { await pending; } catch (e) { console.log(e.name, e.code, e.message, e.cause?.message); }
try { await sleep(1, "x", { signal: AbortSignal.abort() }); } catch (e) { console.log("pre-aborted", e.name); }
try { await sleep(1, "x", { signal: "no" }); } catch (e) { console.log(e.code); }
let n = 0;
for await (const v of every(2, "tick")) { console.log(v, ++n); if (n === 3) break; }
const ac2 = new AbortController();
setTimeout(() => ac2.abort(), 5);
try { for await (const _ of every(50, 1, { signal: ac2.signal })) console.log("never"); } catch (e) { console.log("interval", e.name); }
await scheduler.wait(1);
console.log("waited");
console.log(await promisify(setTimeout)(1, "promisified"));
const two = (cb) => setTimeout(() => cb(null, "a", "b"), 0);
console.log(await promisify(two)());
await new Promise((resolve) => crypto.randomBytes(8, (err, buf) => { console.log("randomBytes", err, buf.length); resolve(); }));
let sync = true;
crypto.randomBytes(4, () => console.log("async callback", !sync));
sync = false;
await sleep(5);
await new Promise((resolve) => crypto.randomFill(new Uint8Array(5), 1, 2, (err, buf) => { console.log("randomFill", err, buf.length); resolve(); }));
const r = crypto.randomInt(10, 12);
console.log("randomInt", r >= 10 && r < 12, Number.isInteger(crypto.randomInt(5)));
await new Promise((resolve) => crypto.randomInt(3, (err, v) => { console.log("randomInt cb", err, v >= 0 && v < 3); resolve(); }));
try { crypto.randomInt(5, 5); } catch (e) { console.log(e.code); }
try { crypto.randomBytes(-1); } catch (e) { console.log(e.code); }
process.stdout.write("68690a", "hex");
process.stdout.write("aGV5Cg==", "base64");
process.stdout.write("done\n", "utf8");
