// A test-only stand-in for the AWS Lambda Runtime API (2018-06-01) on 127.0.0.1: it hands out
// a queue of scripted invocations, one per GET /runtime/invocation/next, each with a deadline
// chosen relative to the moment it is handed out, and records every answer the runtime posts
// (response, error, init error) as one JSON line. Once the queue is empty it answers the next
// poll with HTTP 500 (as the service does when the environment must end), which makes the
// runtime exit, and then exits itself.
//
//   node lambda_runtime_api.mjs --queue queue.json --port-file port --record answers.jsonl
//
// queue.json: [{"id": "a", "deadline_in_ms": 60000, "event": {...}}, ...]
// Each record: {"kind": "response"|"error"|"init_error", "id", "body", "error_type",
//               "deadline_ms", "answered_ms"}. Standard library only.
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, word, index, all) => {
    if (word.startsWith("--")) pairs.push([word.slice(2), all[index + 1]]);
    return pairs;
  }, []),
);
for (const required of ["queue", "port-file", "record"]) {
  if (!args[required]) {
    console.error(`lambda_runtime_api: --${required} is required`);
    process.exit(2);
  }
}
const queue = JSON.parse(readFileSync(args.queue, "utf8"));
const deadlines = new Map();
const lifetimeMs = Number(args.lifetime ?? 900) * 1000;

function record(entry) {
  appendFileSync(args.record, JSON.stringify({ ...entry, answered_ms: Date.now() }) + "\n");
}

function reply(response, status, document, headers = {}) {
  const body = JSON.stringify(document);
  response.writeHead(status, { "Content-Type": "application/json", ...headers });
  response.end(body);
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const path = request.url ?? "";
    const prefix = "/2018-06-01/runtime/";
    if (!path.startsWith(prefix)) return reply(response, 404, { errorMessage: "unknown path" });
    const rest = path.slice(prefix.length);
    if (request.method === "GET" && rest === "invocation/next") {
      const next = queue.shift();
      if (!next) {
        reply(response, 500, { errorMessage: "no more invocations", errorType: "Runtime.Done" });
        // Let the answer leave, then stop listening and exit.
        response.on("finish", () => server.close(() => process.exit(0)));
        return;
      }
      const deadline = Date.now() + next.deadline_in_ms;
      deadlines.set(next.id, deadline);
      response.writeHead(200, {
        "Content-Type": "application/json",
        "Lambda-Runtime-Aws-Request-Id": next.id,
        "Lambda-Runtime-Deadline-Ms": String(deadline),
        "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:123456789012:function:pgexport",
        "Lambda-Runtime-Trace-Id": `Root=1-00000000-${next.id}`,
      });
      response.end(typeof next.event === "string" ? next.event : JSON.stringify(next.event));
      return;
    }
    let match = /^invocation\/([^/]+)\/(response|error)$/.exec(rest);
    if (request.method === "POST" && match) {
      const [, id, kind] = match;
      if (!deadlines.has(id)) return reply(response, 400, { errorMessage: "unknown request id" });
      record({
        kind,
        id,
        body,
        error_type: request.headers["lambda-runtime-function-error-type"] ?? null,
        deadline_ms: deadlines.get(id),
      });
      deadlines.delete(id); // answered once; a second answer is refused, as by the service
      return reply(response, 202, { status: "OK" });
    }
    if (request.method === "POST" && rest === "init/error") {
      record({
        kind: "init_error",
        id: null,
        body,
        error_type: request.headers["lambda-runtime-function-error-type"] ?? null,
        deadline_ms: null,
      });
      reply(response, 202, { status: "OK" });
      response.on("finish", () => server.close(() => process.exit(0)));
      return;
    }
    reply(response, 404, { errorMessage: `unknown request ${request.method} ${path}` });
  });
});
// The long poll may wait: no request timeout.
server.requestTimeout = 0;
server.listen(0, "127.0.0.1", () => {
  writeFileSync(args["port-file"], String(server.address().port));
});
setTimeout(() => {
  console.error("lambda_runtime_api: lifetime over");
  process.exit(3);
}, lifetimeMs).unref();
