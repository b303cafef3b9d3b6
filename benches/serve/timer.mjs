// timer.mjs — owns: the handler that awaits, which benches/serve.sh serves with warren (one
// request at a time, and with --concurrency) and deno: a 10 ms timer, then hello.
export default {
  async fetch() {
    await new Promise((resolve) => setTimeout(resolve, 10));
    return new Response("Hello, world!\n");
  },
};
