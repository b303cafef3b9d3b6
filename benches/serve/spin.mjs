// spin.mjs — owns: the handler that spins until its CPU limit stops it (benches/serve.sh).
export default {
  fetch() {
    for (;;) {}
  },
};
