// Parses Swift with the tree-sitter Swift grammar (WebAssembly, shipped in an npm package), so the
// Swift sources of this repository are checked where no Swift compiler runs.
import { createRequire } from "node:module";
import { Language, Parser, type Node } from "web-tree-sitter";

/** One place the grammar could not parse: an ERROR node or a token it had to invent (MISSING). */
export interface SwiftSyntaxIssue {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  kind: "ERROR" | "MISSING";
  /** The source text of the node, cut to one short line. */
  text: string;
}

const require = createRequire(import.meta.url);
let parser: Promise<Parser> | undefined;

function swiftParser(): Promise<Parser> {
  parser ??= (async () => {
    await Parser.init();
    const swift = await Language.load(require.resolve("@repomix/tree-sitter-wasms/out/tree-sitter-swift.wasm"));
    const p = new Parser();
    p.setLanguage(swift);
    return p;
  })();
  return parser;
}

/** Every ERROR and MISSING node of `source`, in source order. */
export async function swiftSyntaxIssues(source: string, file: string): Promise<SwiftSyntaxIssue[]> {
  const tree = (await swiftParser()).parse(source);
  if (!tree) throw new Error(`tree-sitter could not parse ${file}`);
  const issues: SwiftSyntaxIssue[] = [];
  const visit = (node: Node): void => {
    if (node.isError || node.isMissing) {
      issues.push({
        file,
        line: node.startPosition.row + 1,
        column: node.startPosition.column + 1,
        kind: node.isMissing ? "MISSING" : "ERROR",
        text: (node.isMissing ? node.type : node.text).split("\n")[0]!.slice(0, 60),
      });
    }
    // Only subtrees that contain an error are worth descending into.
    for (const child of node.children) if (child && (child.hasError || child.isMissing)) visit(child);
  };
  visit(tree.rootNode);
  tree.delete();
  return issues;
}

/** `file:line:col: ERROR near "text"`, the form editors and terminals turn into links. */
export function formatSwiftIssue(i: SwiftSyntaxIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.kind === "MISSING" ? `MISSING ${i.text}` : `ERROR near ${JSON.stringify(i.text)}`}`;
}
