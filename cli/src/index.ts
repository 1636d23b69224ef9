export { GatewayCommand } from "./gateway-command.js";
export { EXIT, CLI_ERRORS, exitFor, type ErrorCode } from "./gateway-link/exit-codes.js";
export { ClawdbotCommand, CliError, usageError } from "./command.js";
