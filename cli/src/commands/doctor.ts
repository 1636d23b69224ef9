import { Flags } from "@oclif/core";
import { resolveStatePaths } from "@clawdbot/sidecar/config";
import { readInstanceRecord } from "@clawdbot/sidecar/instance";
import { ClawdbotCommand } from "../command.js";
import { openGateway } from "../gateway-link/connect.js";
import { connectionFlags } from "../gateway-link/flags.js";
import { execRunner } from "../daemon/index.js";
import { checkService } from "../doctor/service.js";
import { checkTls } from "../doctor/tls.js";
import {
  checkChannels,
  checkChromium,
  checkConfig,
  checkDisk,
  checkInstance,
  checkPermissions,
  checkPort,
  type Finding,
  type Repair,
} from "../doctor/checks.js";

/** Clock skew beyond this (after allowing for the round trip) is reported. */
const MAX_SKEW_MS = 5000;

interface DoctorReport {
  ok: boolean;
  stateDir: string;
  findings: Finding[];
}

export default class Doctor extends ClawdbotCommand {
  static override summary = "Check this machine's gateway setup; each problem comes with the command that fixes it.";
  static override description =
    "Looks at the state dir and its permissions, the lock and running instance, the port, the config (every error), the service (installed, pointing at this Node and checkout, loaded, running), the TLS certificate (present, its fingerprint, and whether the running gateway and the pins clients keep agree with it), clock skew against the gateway, Chromium for canvas, channel credentials and disk space. --fix repairs what is safe to repair (permissions, a stale lock or instance record). Exits 1 when a check fails.";
  static override examples = ["<%= config.bin %> doctor", "<%= config.bin %> doctor --fix", "<%= config.bin %> doctor --json"];
  static override flags = {
    fix: Flags.boolean({ description: "repair what is safe: permissions under the state dir, a stale lock or instance record" }),
    url: connectionFlags.url,
    token: connectionFlags.token,
    password: connectionFlags.password,
    timeout: Flags.integer({ description: "milliseconds to wait for the gateway (clock check)", default: 5000, min: 1 }),
  };

  async run(): Promise<DoctorReport> {
    const { flags } = await this.parse(Doctor);
    const env = process.env;
    const { stateDir } = resolveStatePaths(env);
    const findings: Finding[] = [];
    const repairs: Repair[] = [];
    const perms = await checkPermissions(stateDir);
    const instance = await checkInstance(stateDir);
    for (const part of [perms, instance]) {
      findings.push(...part.findings);
      repairs.push(...part.repairs);
    }
    const cfg = await checkConfig(env);
    findings.push(...cfg.findings);
    if (cfg.config) {
      findings.push(await checkPort(cfg.config, instance.runningPort));
      findings.push(...checkChannels(cfg.config));
      findings.push(...(await checkTls({ config: cfg.config, running: readInstanceRecord(stateDir), now: Date.now(), timeoutMs: flags.timeout })));
    }
    findings.push(...(await checkService(env, execRunner)));
    findings.push(await this.clock(flags, instance.runningPort !== undefined));
    findings.push(checkChromium(env));
    findings.push(await checkDisk(stateDir));

    if (flags.fix) {
      for (const r of repairs) {
        try {
          await r.apply();
          r.finding.status = "fixed";
        } catch (err) {
          r.finding.message += ` (could not fix: ${(err as Error).message})`;
        }
      }
    }
    const report: DoctorReport = { ok: !findings.some((f) => f.status === "fail"), stateDir, findings };
    if (!this.jsonEnabled()) {
      for (const f of findings) this.log(`${MARK[f.status]} ${f.check}: ${f.message}${f.fix && f.status !== "ok" && f.status !== "fixed" ? `\n    fix: ${f.fix}` : ""}`);
      const fixable = repairs.filter((r) => r.finding.status !== "fixed").length;
      if (fixable > 0) this.log(`${fixable} problem(s) can be repaired with \`clawdbot doctor --fix\``);
    }
    if (!report.ok) {
      if (this.jsonEnabled()) this.logJson(report);
      this.exit(1);
    }
    return report;
  }

  /** How far the gateway's clock is from ours, when one answers. */
  private async clock(flags: { url?: string | undefined; token?: string | undefined; password?: string | undefined; timeout: number }, running: boolean): Promise<Finding> {
    if (!running && flags.url === undefined) return { check: "gateway", status: "ok", message: "no running gateway to ask (clock check skipped)" };
    try {
      const client = await openGateway({ url: flags.url, token: flags.token, password: flags.password, timeout: flags.timeout, tlsFingerprint: undefined, env: process.env });
      try {
        const before = Date.now();
        const health = await client.call("health");
        const after = Date.now();
        const skew = health.ts - (before + after) / 2;
        const status = await client.call("status");
        if (Math.abs(skew) > MAX_SKEW_MS + (after - before)) {
          return { check: "gateway", status: "warn", message: `the gateway's clock is ${Math.round(skew / 1000)} s ${skew > 0 ? "ahead" : "behind"} (signed connects fail beyond a few minutes)`, fix: "enable time sync on both machines (timedatectl set-ntp true)" };
        }
        return { check: "gateway", status: "ok", message: `answers at ${status.url}; clock within ${Math.max(1, Math.round(Math.abs(skew)))} ms` };
      } finally {
        client.close();
      }
    } catch (err) {
      return { check: "gateway", status: "warn", message: `could not ask the gateway: ${(err as Error).message}`, fix: "clawdbot status" };
    }
  }
}

const MARK: Record<Finding["status"], string> = { ok: "ok  ", warn: "warn", fail: "FAIL", fixed: "fixed" };
