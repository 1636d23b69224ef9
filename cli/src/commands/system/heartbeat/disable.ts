import { HeartbeatSwitch, heartbeatSwitchFlags } from "../../../system/heartbeat-switch.js";

export default class SystemHeartbeatDisable extends HeartbeatSwitch {
  static override summary = "Turn periodic heartbeats off (until the gateway restarts; heartbeat.enabled in the config keeps it).";
  static override examples = ["<%= config.bin %> system heartbeat disable"];
  static override flags = heartbeatSwitchFlags;
  protected readonly enabled = false;
}
