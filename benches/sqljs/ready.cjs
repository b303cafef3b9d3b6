// sql.js start-up as an application sees it: the time from calling initSqlJs (wire bytes
// already read) to a database that answers a query, in ms, then the query's answer. Copied
// beside sql-wasm.js (target/compat/cases/sql.js) by benches/run.sh.
const initSqlJs = require("./sql-wasm.js");
const wasmBinary = require("fs").readFileSync(__dirname + "/sql-wasm.wasm");
const t = performance.now();
initSqlJs({ wasmBinary }).then((SQL) => {
  const db = new SQL.Database();
  const r = db.exec("SELECT 6 * 7");
  const ms = performance.now() - t;
  console.log(ms.toFixed(2), r[0].values[0][0]);
});
