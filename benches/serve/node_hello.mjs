// node_hello.mjs — owns: the same hello-world handler on node's http.createServer.
import http from "node:http";
const port = Number(process.argv[2] ?? 8000);
http
  .createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/plain;charset=UTF-8" });
    res.end("Hello, world!\n");
  })
  .listen(port, "127.0.0.1");
