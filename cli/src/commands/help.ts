import { Args, loadHelpClass } from "@oclif/core";
import { ClawdbotCommand } from "../command.js";

export default class HelpCommand extends ClawdbotCommand {
  static override summary = "Show help for clawdbot, a topic or a command.";
  static override examples = ["<%= config.bin %> help", "<%= config.bin %> help pair approve"];
  static override enableJsonFlag = false;
  static override strict = false;
  static override args = { command: Args.string({ description: "command or topic, e.g. `pair approve`" }) };

  async run(): Promise<void> {
    const { argv } = await this.parse(HelpCommand);
    const words = argv as string[];
    const id = words.join(":");
    if (id !== "" && !this.config.findCommand(id) && !this.config.findTopic(id)) {
      // Same answer as running the unknown command itself: the closest one, exit 2.
      const { failures } = await this.config.runHook("command_not_found", { id, argv: [] });
      if (failures[0]) throw failures[0].error;
    }
    const Help = await loadHelpClass(this.config);
    await new Help(this.config, this.config.pjson.oclif.helpOptions).showHelp(words);
  }
}
