// Gateway shards that stop for good when discord.js is destroyed. @discordjs/ws 1.2.3's
// WebSocketShard.destroy() aborts the shard's pending HELLO/READY waits, and a wait taking that
// abort for a timeout starts a nested destroy asking to reconnect: it detaches the close handler
// the first destroy awaits (so client.destroy() never settles) and opens a new socket 500 ms later
// that nobody will ever close. The same happens when the stop lands in the 500 ms pause of a
// reconnect (after INVALID_SESSION, a dropped socket, a zombie connection). Here, once a shard is
// told to stop, it neither reconnects nor keeps a socket.
import {
  managerToFetchingStrategyOptions,
  SimpleContextFetchingStrategy,
  SimpleShardingStrategy,
  WebSocketShard,
  WebSocketShardEvents,
  type IContextFetchingStrategy,
  type IShardingStrategy,
  type WebSocketManager,
  type WebSocketShardDestroyOptions,
} from "@discordjs/ws";
import type { WebSocket } from "ws";

/** The members of WebSocketShard a final stop has to reach (private in its typings). */
interface ShardInternals {
  connection: WebSocket | null;
  internalConnect(): Promise<void>;
}

/** A WebSocketShard that, once destroyed without recovery, never reconnects and holds no socket. */
export class StoppableShard extends WebSocketShard {
  private stopping = false;

  constructor(strategy: IContextFetchingStrategy, id: number) {
    super(strategy, id);
    const internals = this as unknown as ShardInternals;
    const connect = internals.internalConnect.bind(this);
    // A reconnect already sleeping its 500 ms when the stop came must not open a socket after it.
    internals.internalConnect = async () => {
      if (!this.stopping) await connect();
    };
  }

  /** A destroy with `recover` (a reconnect) is ignored once the shard is stopping. */
  override async destroy(options: WebSocketShardDestroyOptions = {}): Promise<void> {
    if (options.recover !== undefined) {
      if (this.stopping) return;
      return super.destroy(options);
    }
    this.stopping = true;
    await super.destroy(options);
    // destroy() closes only an open socket: one still in its handshake would open and stay.
    const socket = (this as unknown as ShardInternals).connection;
    if (socket && socket.readyState !== socket.CLOSED) {
      // Aborting a handshake emits "error"; destroy() has removed the shard's own handler.
      socket.on("error", () => undefined);
      socket.terminate();
    }
  }
}

/** SimpleShardingStrategy spawning StoppableShards (its other work is unchanged). */
export class StoppableShardingStrategy extends SimpleShardingStrategy {
  constructor(private readonly owner: WebSocketManager) {
    super(owner);
  }

  override async spawn(shardIds: number[]): Promise<void> {
    const options = await managerToFetchingStrategyOptions(this.owner);
    // The base class keeps its shards in a collection its typings call private.
    const shards = (this as unknown as { shards: Map<number, WebSocketShard> }).shards;
    for (const shardId of shardIds) {
      const shard = new StoppableShard(new SimpleContextFetchingStrategy(this.owner, options), shardId);
      for (const event of Object.values(WebSocketShardEvents)) {
        shard.on(event, (payload: object) => this.owner.emit(event, { ...payload, shardId }));
      }
      shards.set(shardId, shard);
    }
  }
}

/** discord.js `ws.buildStrategy`: shards that stop for good. */
export function stoppableShards(manager: WebSocketManager): IShardingStrategy {
  return new StoppableShardingStrategy(manager);
}
