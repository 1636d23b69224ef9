// How JSON names become Swift names: types in PascalCase, members in camelCase, keywords escaped.

/** Swift keywords that cannot name a property or enum case without backticks. */
const KEYWORDS = new Set([
  "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
  "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows", "static",
  "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default", "defer", "do", "else",
  "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where", "while", "as", "Any",
  "false", "is", "nil", "self", "Self", "super", "throws", "true", "try", "await", "async",
]);

/** Words of a JSON name: split on anything that is not a letter or digit, and on lower→upper steps. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== "");
}

/** `device.pair.list` → `DevicePairList`; an existing PascalCase name stays as it is. */
export function pascal(name: string): string {
  return words(name)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
}

/** `INVALID_REQUEST` → `invalidRequest`, `gateway-client` → `gatewayClient`, `paramsJSON` stays. */
export function camel(name: string): string {
  const parts = words(name);
  const allCaps = parts.length > 1 && parts.every((w) => w === w.toUpperCase());
  const norm = allCaps || (parts.length === 1 && parts[0] === parts[0]!.toUpperCase() && /[A-Z]/.test(parts[0]!)) ? parts.map((w) => w.toLowerCase()) : parts;
  const joined = norm.map((w, i) => (i === 0 ? w[0]!.toLowerCase() + w.slice(1) : w[0]!.toUpperCase() + w.slice(1))).join("");
  if (joined === "") return "_";
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

/** True when `name` can be used as a Swift identifier once keywords are backticked. */
export function isPlainIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/** The identifier as written in a declaration: keywords in backticks. */
export function escapeKeyword(name: string): string {
  return KEYWORDS.has(name) ? `\`${name}\`` : name;
}

/** `nodes` → `Node`, `presence` → `PresenceItem`: the element name of a list property. */
export function singular(name: string): string {
  const p = pascal(name);
  if (/ies$/.test(p)) return p.slice(0, -3) + "y";
  if (/[^s]s$/.test(p)) return p.slice(0, -1);
  return `${p}Item`;
}

/** A Swift string literal. */
export function swiftString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}
