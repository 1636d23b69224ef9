import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from "node:tls";
import { createHash } from "node:crypto";
import type { Socket } from "node:net";

/** Normalizes a SHA-256 fingerprint: hex, colons optional, case-insensitive. */
export function normalizeFingerprint(fp: string): string {
  return fp.replace(/:/g, "").trim().toLowerCase();
}

/** SHA-256 fingerprint of a DER certificate as lowercase hex with colons. */
export function certFingerprint(der: Buffer): string {
  return (createHash("sha256").update(der).digest("hex").match(/../g) ?? []).join(":").toUpperCase();
}

/**
 * A `createConnection` for ws/http that completes the TLS handshake and checks the
 * certificate fingerprint before handing the socket over, so no byte of the HTTP
 * upgrade is written to a server with the wrong certificate.
 */
export function pinnedTlsConnector(expected: string) {
  const want = normalizeFingerprint(expected);
  return (opts: ConnectionOptions, done: (err: Error | null, socket?: Socket) => void): undefined => {
    const socket: TLSSocket = tlsConnect({ ...opts, rejectUnauthorized: false });
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      const presented = cert?.raw ? certFingerprint(cert.raw) : "";
      if (normalizeFingerprint(presented) === want) return done(null, socket);
      socket.destroy();
      const err = Object.assign(
        new Error(`TLS fingerprint mismatch: expected ${expected}, the server presented ${presented || "no certificate"}; nothing was sent`),
        { code: "ERR_TLS_FINGERPRINT_MISMATCH" },
      );
      done(err);
    });
    socket.once("error", (err) => done(err));
    return undefined;
  };
}

/** The SHA-256 fingerprint (AB:CD:…) of the certificate a TLS server presents, without trusting it or sending anything. */
export function presentedFingerprint(host: string, port: number, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host, port, servername: isIpLiteral(host) ? undefined : host, rejectUnauthorized: false });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TLS handshake with ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const raw = socket.getPeerCertificate()?.raw;
      socket.destroy();
      if (raw) resolve(certFingerprint(raw));
      else reject(new Error(`${host}:${port} presented no certificate`));
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}
