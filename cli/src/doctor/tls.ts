import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { normalizeFingerprint } from "@clawdbot/protocol/client";
import type { GatewayConfig } from "@clawdbot/sidecar/config";
import type { InstanceRecord } from "@clawdbot/sidecar/instance";
import { GatewayPinStore, pinKey, probeFingerprint } from "../node-host/gateway-pin.js";
import type { Finding } from "./checks.js";

/** A certificate ending within this is reported before it breaks every client. */
const EXPIRY_WARNING_MS = 30 * 24 * 3600_000;

export interface TlsFacts {
  config: GatewayConfig;
  /** The gateway running on this state dir, if any (its record says whether it serves wss://). */
  running: InstanceRecord | undefined;
  now: number;
  timeoutMs: number;
}

/**
 * When the gateway serves (or will serve) wss://: the certificate and key are there, the
 * fingerprint is shown, and the running gateway, its instance record (what this CLI pins) and
 * the node host's stored pin all agree with the certificate file.
 */
export async function checkTls(f: TlsFacts): Promise<Finding[]> {
  const running = f.running?.websocketUrl.startsWith("wss:") ? f.running : undefined;
  if (!f.config.tls.enabled && !running) return [{ check: "tls", status: "ok", message: "off: the gateway serves ws:// (gateway.tls.enabled, or --tls)" }];
  const configured = f.config.tls.certPath !== undefined;
  const tlsDir = join(f.config.paths.stateDir, "tls");
  const certPath = f.config.tls.certPath ?? join(tlsDir, "gateway-cert.pem");
  const keyPath = f.config.tls.keyPath ?? join(tlsDir, "gateway-key.pem");
  const setPaths = "set gateway.tls.certPath and keyPath to a readable PEM pair (or remove both for a self-signed certificate)";
  let pem: string;
  try {
    pem = readFileSync(certPath, "utf8");
  } catch (err) {
    if (!configured && !running && (err as NodeJS.ErrnoException).code === "ENOENT") {
      return [{ check: "tls", status: "ok", message: `no certificate yet: the gateway creates a self-signed one at ${certPath} when it first starts with TLS` }];
    }
    return [{ check: "tls", status: "fail", message: `the certificate ${certPath} cannot be read: ${(err as Error).message}`, fix: configured ? setPaths : `restart the gateway: it creates a new self-signed certificate in ${tlsDir}` }];
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (err) {
    return [{ check: "tls", status: "fail", message: `${certPath} is not a PEM certificate: ${(err as Error).message}`, fix: configured ? setPaths : `move ${tlsDir} aside and restart the gateway for a new self-signed certificate` }];
  }
  const findings: Finding[] = [];
  try {
    readFileSync(keyPath);
  } catch (err) {
    findings.push({ check: "tls", status: "fail", message: `the private key ${keyPath} cannot be read: ${(err as Error).message}`, fix: configured ? setPaths : `move ${tlsDir} aside and restart the gateway for a new self-signed certificate` });
  }
  const fp = cert.fingerprint256;
  const until = Date.parse(cert.validTo);
  const renew = configured ? "renew the certificate at gateway.tls.certPath" : `move ${tlsDir} aside and restart the gateway for a new self-signed certificate; clients then pin the new fingerprint`;
  if (until <= f.now) findings.push({ check: "tls", status: "fail", message: `${certPath} (SHA-256 ${fp}) expired on ${cert.validTo}`, fix: renew });
  else if (until - f.now < EXPIRY_WARNING_MS) findings.push({ check: "tls", status: "warn", message: `${certPath} (SHA-256 ${fp}) expires on ${cert.validTo}`, fix: renew });
  else findings.push({ check: "tls", status: "ok", message: `${certPath}: SHA-256 ${fp}, valid until ${cert.validTo}; clients pin it with --tls-fingerprint ${fp}` });
  if (running) findings.push(...(await checkPins(running, fp, certPath, f)));
  return findings;
}

/** What clients pin (the instance record, the node host's pin) and what the gateway presents, against the file. */
async function checkPins(running: InstanceRecord, fileFp: string, certPath: string, f: TlsFacts): Promise<Finding[]> {
  const same = (a: string, b: string) => normalizeFingerprint(a) === normalizeFingerprint(b);
  const findings: Finding[] = [];
  let presented: string;
  try {
    presented = await probeFingerprint(running.websocketUrl, f.timeoutMs);
  } catch (err) {
    return [{ check: "tls pin", status: "warn", message: `could not complete a TLS handshake with ${running.websocketUrl}: ${(err as Error).message}`, fix: "clawdbot status" }];
  }
  if (!same(presented, fileFp)) {
    findings.push({
      check: "tls pin",
      status: "fail",
      message: `the running gateway presents SHA-256 ${presented}, but ${certPath} holds ${fileFp} (the certificate changed after it started)`,
      fix: "restart the gateway (clawdbot daemon restart) so it serves the certificate on disk",
    });
  } else if (running.tlsFingerprint === undefined || !same(running.tlsFingerprint, presented)) {
    findings.push({ check: "tls pin", status: "fail", message: `the instance record pins ${running.tlsFingerprint ?? "no fingerprint"}, the gateway presents ${presented}`, fix: "restart the gateway so it records what it serves" });
  } else {
    findings.push({ check: "tls pin", status: "ok", message: `${running.websocketUrl} presents ${presented}, the certificate on disk, as the CLI pins it` });
  }
  const pinPath = join(f.config.paths.stateDir, "node", "gateway-pin.json");
  let nodePin: string | undefined;
  try {
    nodePin = await new GatewayPinStore(pinPath).pinned(running.websocketUrl);
  } catch (err) {
    findings.push({ check: "tls pin", status: "warn", message: (err as Error).message, fix: `move ${pinPath} aside` });
  }
  if (nodePin !== undefined && !same(nodePin, presented)) {
    findings.push({
      check: "tls pin",
      status: "fail",
      message: `the node host on this machine pinned ${nodePin} for ${pinKey(running.websocketUrl)}; the gateway presents ${presented}, so the node host refuses it`,
      fix: `clawdbot node run --tls-fingerprint ${presented} (replaces the pin)`,
    });
  }
  return findings;
}
