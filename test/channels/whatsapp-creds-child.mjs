// Saves WhatsApp credentials in a loop through the gateway's CredsFile until killed; prints
// "ready" after the first save. Plain JS on the built module so that starting it is cheap.
import { readFileSync } from "node:fs";
import { CredsFile } from "../../sidecar/dist/channels/whatsapp/creds-file.js";

const [dir, templatePath] = process.argv.slice(2);
const template = readFileSync(templatePath, "utf8");
const file = new CredsFile(dir, (text) => {
  if (!JSON.parse(text).me) throw new Error("no me");
});
await file.load();
for (let n = 1; ; n++) {
  const creds = JSON.parse(template);
  creds.nextPreKeyId = n;
  creds.accountSyncCounter = n;
  await file.save(JSON.stringify(creds));
  if (n === 1) process.stdout.write("ready\n");
}
