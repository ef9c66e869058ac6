#!/usr/bin/env python3
"""A test-only stand-in for the ECS container credentials endpoint, on 127.0.0.1.

Each GET answers the next set of credentials from --credentials (a JSON list of objects with
AccessKeyId, SecretAccessKey and Expiration, as ECS sends them); the last set repeats. Before it
answers a set other than the first, it runs --before-switch (a shell command) once, so a test can
revoke the old keys at the moment pgexport asks for new ones. Every answer is counted in
--stats-file ({"fetches": N}). It exits by itself after --lifetime seconds.

Standard library only.
"""
import argparse
import http.server
import json
import subprocess
import sys
import threading
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--credentials", required=True, help="JSON file: a list of credential sets")
    parser.add_argument("--before-switch", help="shell command run before the second set is served")
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--stats-file", required=True)
    parser.add_argument("--lifetime", type=float, default=600)
    config = parser.parse_args()
    with open(config.credentials) as source:
        sets = json.load(source)
    state = {"fetches": 0, "switched": False}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            with lock:
                index = min(state["fetches"], len(sets) - 1)
                if index > 0 and not state["switched"] and config.before_switch:
                    result = subprocess.run(config.before_switch, shell=True)
                    if result.returncode != 0:
                        sys.stderr.write(f"--before-switch failed with {result.returncode}\n")
                        self.send_error(500)
                        return
                    state["switched"] = True
                state["fetches"] += 1
                with open(config.stats_file, "w") as stats:
                    json.dump({"fetches": state["fetches"]}, stats)
            body = json.dumps(sets[index]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(config.stats_file, "w") as stats:
        json.dump({"fetches": 0}, stats)
    with open(config.port_file, "w") as port_file:
        port_file.write(str(server.server_address[1]))
    threading.Thread(target=lambda: (time.sleep(config.lifetime), server.shutdown()),
                     daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
