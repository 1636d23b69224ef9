import { DeviceIdentityDir } from "../identity-dir.js";

/** The node's own device identity and tokens, in `<stateDir>/node/`. */
export class NodeIdentityStore extends DeviceIdentityDir {
  constructor(dir: string) {
    super(dir, "move it aside to create a new node identity (the node must then be paired again)");
  }
}
