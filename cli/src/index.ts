export { GatewayCommand } from "./gateway-command.js";
export { EXIT } from "./gateway-link/exit-codes.js";
