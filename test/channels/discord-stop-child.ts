// A discord.js client (with the channel's shard strategy) in a process of its own, destroyed at a
// chosen moment of its gateway life: the process then exits by itself only if the destroy settled
// and left no socket, timer or reconnect behind. Prints "destroyed" once client.destroy() settles.
//   argv: <apiBase> <token> <when>; when = "stdin" (on a line from the parent) or "reconnecting"
//   (on discord.js's ShardReconnecting, i.e. while a reconnect is already scheduled).
import { Client, Events, GatewayIntentBits } from "discord.js";
import { stoppableShards } from "../../sidecar/src/channels/discord/shards.js";

const [apiBase = "", token = "", when = "stdin"] = process.argv.slice(2);
const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages], rest: { api: apiBase }, ws: { buildStrategy: stoppableShards } });

async function destroy(): Promise<void> {
  await client.destroy();
  process.stdout.write("destroyed\n");
}

if (when === "reconnecting") client.once(Events.ShardReconnecting, () => void destroy());
else process.stdin.once("data", () => void destroy());
// The login cannot finish when the gateway holds HELLO or READY back; the destroy ends it.
client.login(token).catch((err: unknown) => process.stdout.write(`login failed: ${String(err)}\n`));
