export { ExecPolicyFile, PolicyFileError, policyHash } from "./policy-file.js";
export { policyFor, judge, fallback, allowlisted, withAllowed, OPEN_POLICY, DEFAULT_AGENT_ID, type ExecPolicy, type ExecVerdict } from "./policy.js";
