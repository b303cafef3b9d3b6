// Node's process events: uncaughtException from a timer, unhandledRejection (before the
// timers of the same turn, as Node reports them), beforeExit while its listeners add work,
// then exit with the exit code; compared with Node 20's output in process_events.out.
process.on("uncaughtException", (e, origin) => console.log("uncaughtException", e.message, origin));
process.on("unhandledRejection", (r, p) => console.log("unhandledRejection", r.message, p instanceof Promise));
setTimeout(() => { throw new Error("from a timer"); }, 1);
setTimeout(() => { Promise.reject(new Error("in a timer")); }, 2);
setTimeout(() => { console.log("still running"); process.exitCode = 3; }, 5);
Promise.reject(new Error("at the top"));
Promise.resolve().then(() => console.log("microtask"));
let rounds = 0;
process.on("beforeExit", (code) => {
  console.log("beforeExit", code, rounds);
  if (rounds++ < 2) setTimeout(() => console.log("more work", rounds), 1);
});
process.on("exit", (code) => {
  console.log("exit", code, process.exitCode);
  setTimeout(() => console.log("never runs"), 0);
  process.exitCode = 0;
});
console.log("main");
