import { HeartbeatSwitch, heartbeatSwitchFlags } from "../../../system/heartbeat-switch.js";

export default class SystemHeartbeatEnable extends HeartbeatSwitch {
  static override summary = "Turn periodic heartbeats on (until the gateway restarts; heartbeat.enabled in the config keeps it).";
  static override examples = ["<%= config.bin %> system heartbeat enable"];
  static override flags = heartbeatSwitchFlags;
  protected readonly enabled = true;
}
