// The trivial JS plugin of benches/plugins.sh: one call's cost is the host's alone.
export function echo(x) {
  return x;
}
export function noop() {}
