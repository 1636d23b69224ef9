export { instanceRecordPath, processAlive, readInstanceRecord, removeInstanceRecord, writeInstanceRecord, type InstanceRecord } from "./instance-record.js";
