// Runs web-platform-tests' URL Pattern data (urlpatterntestdata.json, as the urlpattern
// crate vendors it) through URLPattern, checking what WPT's urlpatterntests.js checks:
// the constructor's errors, each compiled component, test(), and exec()'s inputs and
// groups. Prints "N passed, M failed" and each failure.
const data = JSON.parse(await (await fetch(new URL("./urlpatterntestdata.json", import.meta.url))).text());
const COMPONENTS = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
const EARLIER = {
  protocol: [], hostname: ["protocol"], port: ["protocol", "hostname"], username: [], password: [],
  pathname: ["protocol", "hostname", "port"], search: ["protocol", "hostname", "port", "pathname"],
  hash: ["protocol", "hostname", "port", "pathname", "search"],
};
const same = (a, b) => JSON.stringify(a, (k, v) => (v === undefined ? "<undefined>" : v)) ===
  JSON.stringify(b, (k, v) => (v === undefined ? "<undefined>" : v));
const sorted = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
function check(entry) {
  if (entry.expected_obj === "error") {
    try { new URLPattern(...entry.pattern); } catch (e) { return e instanceof TypeError ? null : `threw ${e}`; }
    return "constructor did not throw";
  }
  const pattern = new URLPattern(...entry.pattern);
  const expectedObj = entry.expected_obj ?? {};
  for (const c of COMPONENTS) {
    let expected = expectedObj[c];
    if (expected === undefined) {
      let baseURL = null;
      if (entry.pattern.length > 0 && entry.pattern[0].baseURL) baseURL = new URL(entry.pattern[0].baseURL);
      else if (entry.pattern.length > 1 && typeof entry.pattern[1] === "string") baseURL = new URL(entry.pattern[1]);
      if (entry.exactly_empty_components?.includes(c)) expected = "";
      else if (typeof entry.pattern[0] === "object" && entry.pattern[0][c]) expected = entry.pattern[0][c];
      else if (typeof entry.pattern[0] === "object" && EARLIER[c].some((e) => entry.pattern[0][e] !== undefined)) expected = "*";
      else if (baseURL && c !== "username" && c !== "password") {
        let v = baseURL[c];
        if (c === "protocol") v = v.slice(0, -1);
        else if (c === "search" || c === "hash") v = v.slice(1);
        expected = v;
      } else expected = "*";
    }
    if (pattern[c] !== expected) return `${c}: ${JSON.stringify(pattern[c])}, expected ${JSON.stringify(expected)}`;
  }
  if (!entry.inputs) return null;
  if (entry.expected_match === "error") {
    for (const m of ["test", "exec"]) {
      try { pattern[m](...entry.inputs); return `${m} did not throw`; } catch (e) { if (!(e instanceof TypeError)) return `${m} threw ${e}`; }
    }
    return null;
  }
  if (pattern.test(...entry.inputs) !== !!entry.expected_match) return `test() gave ${!entry.expected_match}`;
  const result = pattern.exec(...entry.inputs);
  if (!entry.expected_match || typeof entry.expected_match !== "object") {
    return result === entry.expected_match ? null : `exec() gave ${JSON.stringify(result)}`;
  }
  const inputs = entry.expected_match.inputs ?? entry.inputs;
  if (result.inputs.length !== inputs.length) return `exec().inputs: ${JSON.stringify(result.inputs)}`;
  for (let i = 0; i < inputs.length; i++) {
    const got = result.inputs[i];
    if (typeof got === "string" ? got !== inputs[i] : COMPONENTS.some((c) => got[c] !== inputs[i][c])) {
      return `exec().inputs[${i}]: ${JSON.stringify(got)}`;
    }
  }
  for (const c of COMPONENTS) {
    let expected = entry.expected_match[c];
    if (!expected) {
      expected = { input: "", groups: {} };
      if (!entry.exactly_empty_components?.includes(c)) expected.groups["0"] = "";
    }
    const groups = {};
    for (const [k, v] of Object.entries(expected.groups)) groups[k] = v === null ? undefined : v;
    const want = { input: expected.input, groups: sorted(groups) };
    const got = { input: result[c].input, groups: sorted(result[c].groups) };
    if (!same(got, want)) return `exec().${c}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
  }
  return null;
}
let passed = 0;
const failed = [];
for (const entry of data) {
  let why;
  try { why = check(entry); } catch (e) { why = `threw ${e}`; }
  if (why === null) passed++;
  else failed.push(`${JSON.stringify(entry.pattern)} ${JSON.stringify(entry.inputs)}: ${why}`);
}
for (const f of failed) console.log(f);
console.log(`${passed} passed, ${failed.length} failed`);
