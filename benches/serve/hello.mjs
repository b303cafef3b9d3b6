// hello.mjs — owns: the hello-world handler benches/serve.sh serves with warren and deno.
export default {
  fetch() {
    return new Response("Hello, world!\n");
  },
};
