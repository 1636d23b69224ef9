import { readFile, mkdir } from "node:fs/promises";
import { X509Certificate } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../store/atomic-file.js";
import { ConfigError } from "../config/index.js";

export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 of the DER certificate, uppercase hex with colons. */
  fingerprint256: string;
}

/** Loads the configured certificate, or a self-signed one generated once into `<stateDir>/tls/`. */
export async function loadTls(stateDir: string, cfg: { certPath?: string; keyPath?: string }): Promise<TlsMaterial> {
  if (cfg.certPath || cfg.keyPath) {
    if (!cfg.certPath || !cfg.keyPath) throw new ConfigError("gateway.tls: set both certPath and keyPath (or neither for a self-signed certificate)");
    const [cert, key] = await Promise.all([readPem(cfg.certPath), readPem(cfg.keyPath)]);
    return { cert, key, fingerprint256: fingerprintOf(cert, cfg.certPath) };
  }
  const dir = join(stateDir, "tls");
  const certPath = join(dir, "gateway-cert.pem");
  const keyPath = join(dir, "gateway-key.pem");
  try {
    const [cert, key] = await Promise.all([readFile(certPath, "utf8"), readFile(keyPath, "utf8")]);
    return { cert, key, fingerprint256: fingerprintOf(cert, certPath) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const host = hostname();
  // Loaded only here: its X.509 stack is the heaviest import of the TLS path.
  const { generate } = await import("selfsigned");
  const pems = await generate([{ name: "commonName", value: `clawdbot gateway ${host}` }], {
    notAfterDate: new Date(Date.now() + 10 * 365 * 24 * 3600_000),
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: false },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 2, value: host },
          { type: 2, value: `${host}.local` },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
  await writeFileAtomic(keyPath, pems.private, 0o600);
  await writeFileAtomic(certPath, pems.cert, 0o600);
  return { cert: pems.cert, key: pems.private, fingerprint256: fingerprintOf(pems.cert, certPath) };
}

async function readPem(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new ConfigError(`gateway.tls: cannot read ${path}: ${(err as Error).message}`);
  }
}

function fingerprintOf(cert: string, path: string): string {
  try {
    return new X509Certificate(cert).fingerprint256;
  } catch (err) {
    throw new ConfigError(`gateway.tls: ${path} is not a PEM certificate: ${(err as Error).message}`);
  }
}
