import { readFile } from "node:fs/promises";

/** The non-empty lines of a text file; none when the file does not exist. */
export async function readLines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, "utf8")).split("\n").filter((l) => l.trim() !== "");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}
