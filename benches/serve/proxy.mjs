// A handler that fetches each answer from an upstream (benches/serve.sh starts one on
// port 8320): the Workers pattern, with the whole upstream body read.
export default {
  async fetch() {
    const r = await fetch("http://127.0.0.1:8320/");
    return new Response(await r.text());
  },
};
