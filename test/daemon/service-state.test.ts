// Reading launchctl print / systemctl status output into {loaded, running, state, pid}.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serviceState } from "../../cli/src/daemon/index.js";

test("systemd: running, failed, unknown unit, and no user bus", () => {
  const running = "● clawdbot-gateway.service - Clawdbot gateway\n     Loaded: loaded (/h/.config/systemd/user/clawdbot-gateway.service; enabled; preset: enabled)\n     Active: active (running) since Tue 2025-11-25 10:00:00 UTC; 1min ago\n   Main PID: 31337 (node)\n";
  assert.deepEqual(serviceState("linux", true, 0, running), { installed: true, loaded: true, running: true, state: "active (running)", pid: 31337 });
  const failed = "× clawdbot-gateway.service - Clawdbot gateway\n     Loaded: loaded (/x; enabled; preset: enabled)\n     Active: failed (Result: exit-code) since Tue 2025-11-25 10:00:00 UTC; 3s ago\n   Main PID: 12 (code=exited, status=1/FAILURE)\n";
  assert.deepEqual(serviceState("linux", true, 3, failed), { installed: true, loaded: true, running: false, state: "failed (Result: exit-code)" });
  assert.deepEqual(serviceState("linux", false, 4, "Unit clawdbot-gateway.service could not be found.\n"), { installed: false, loaded: false, running: false, state: "not loaded" });
  assert.deepEqual(serviceState("linux", true, 1, "Failed to connect to bus: No medium found\n"), { installed: true, loaded: false, running: false, state: "unknown" });
});

test("launchd: the agent's own state and pid, not those of nested blocks", () => {
  const printed = "gui/501/com.clawdbot.gateway = {\n\tactive count = 1\n\tpath = /Users/u/Library/LaunchAgents/com.clawdbot.gateway.plist\n\tstate = running\n\n\tprogram = /usr/local/bin/node\n\tpid = 4321\n\tendpoints = {\n\t\tstate = active\n\t\tpid = 1\n\t}\n}\n";
  assert.deepEqual(serviceState("darwin", true, 0, printed), { installed: true, loaded: true, running: true, state: "running", pid: 4321 });
  const waiting = "gui/501/com.clawdbot.gateway = {\n\tstate = not running\n\tlast exit code = 0\n}\n";
  assert.deepEqual(serviceState("darwin", true, 0, waiting), { installed: true, loaded: true, running: false, state: "not running" });
  assert.deepEqual(serviceState("darwin", false, 113, 'Could not find service "com.clawdbot.gateway" in domain for port\n'), { installed: false, loaded: false, running: false, state: "not loaded" });
});
