import { arch, cpus, hostname, platform, release, totalmem, uptime } from "node:os";

export interface SystemInfo {
  hostname: string;
  platform: string;
  arch: string;
  release: string;
  uptimeSec: number;
  nodeVersion: string;
  cpus: number;
  memoryBytes: number;
  pid: number;
}

/** `system.info`: what this machine is. */
export function systemInfo(): SystemInfo {
  return {
    hostname: hostname(),
    platform: platform(),
    arch: arch(),
    release: release(),
    uptimeSec: Math.round(uptime()),
    nodeVersion: process.version,
    cpus: cpus().length,
    memoryBytes: totalmem(),
    pid: process.pid,
  };
}
