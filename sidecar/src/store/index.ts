export { writeFileAtomic } from "./atomic-file.js";
export { readJsonFile, writeJsonFile, StoreCorruptError } from "./json-file.js";
