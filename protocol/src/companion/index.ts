export * from "./schema.js";
export { companionSchemaDocument } from "./document.js";
