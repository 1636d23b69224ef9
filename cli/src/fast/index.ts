import type { GatewayClient } from "@clawdbot/protocol/client";

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The lean path of `clawdbot` (bin/run.js answers `--version` itself): `gateway` and the hot
 * commands (`health`, `status`, `call`, `pair list`) without oclif's start-up, with the same flags,
 * output and exit codes. Resolves with the exit code, or undefined when the full CLI must run:
 * help, any other command, or any command line the lean parser does not accept exactly.
 */
export async function runLean(argv: readonly string[], env: Env): Promise<number | undefined> {
  // Imported on use, so a declined command line runs no more module code than this.
  if (argv[0] === "gateway") return (await import("./gateway.js")).leanGateway(argv.slice(1), env);
  const { LEAN_COMMANDS } = await import("./commands.js");
  const two = argv.length >= 2 ? `${argv[0]} ${argv[1]}` : "";
  const id = two in LEAN_COMMANDS ? two : (argv[0] ?? "");
  const command = LEAN_COMMANDS[id];
  const parsed = command?.parse(argv.slice(id.split(" ").length));
  if (!parsed) return undefined;
  const json = parsed.flags["json"] === true;
  let client: GatewayClient | undefined;
  try {
    const { openGateway } = await import("../gateway-link/connect.js");
    client = await openGateway({
      url: parsed.flags["url"] as string | undefined,
      token: (parsed.flags["token"] ?? parsed.flags["token-file"]) as string | undefined,
      password: parsed.flags["password"] as string | undefined,
      timeout: parsed.flags["timeout"] as number,
      tlsFingerprint: parsed.flags["tls-fingerprint"] as string | undefined,
      env,
    });
    const outcome = await parsed.run(client);
    process.stdout.write(`${json ? JSON.stringify(outcome.result, null, 2) : outcome.text}\n`);
    return outcome.exit;
  } catch (err) {
    const [{ describeRunFailure, oneLine }, { exitFor }] = await Promise.all([import("../failure.js"), import("../gateway-link/exit-codes.js")]);
    const { code, message } = describeRunFailure(err);
    if (json) process.stdout.write(`${JSON.stringify({ error: { code, message: oneLine(message) } }, null, 2)}\n`);
    else process.stderr.write(`clawdbot: ${oneLine(message)}\n`);
    return exitFor(code);
  } finally {
    client?.close();
  }
}

