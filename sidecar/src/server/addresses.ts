/** Where a running gateway can be reached: shown at start-up, by `status`, and in the instance record. */
export interface GatewayAddresses {
  websocketUrl: string;
  /** The WebChat page on the same port. */
  webchatUrl: string;
  canvasHostUrl?: string;
  /** Why there is no canvas host, in words (port busy, disabled). */
  canvasHostProblem?: string;
  /** SHA-256 of the TLS certificate (AB:CD:…), when serving wss://. */
  tlsFingerprint?: string;
}

/** The page URL that goes with a ws(s):// URL on the same port. */
export function webchatUrlOf(websocketUrl: string): string {
  return `${websocketUrl.replace(/^ws/, "http").replace(/\/*$/, "")}/`;
}

/** Why the canvas host did not start, as a person should read it. */
export function canvasProblem(err: unknown, port: number): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") return `not started: port ${port} is already in use by another program (set gateway.canvasPort, or --canvas-port; 0 picks a free port)`;
  if (code === "EACCES") return `not started: no permission to listen on port ${port}`;
  return `not started: ${(err as Error).message}`;
}

/** The start-up lines after "listening on …": one per address. */
export function addressLines(a: GatewayAddresses): string[] {
  return [
    `  WebChat:     ${a.webchatUrl}`,
    `  canvas host: ${a.canvasHostUrl ?? a.canvasHostProblem ?? "off"}`,
    ...(a.tlsFingerprint ? [`  TLS certificate SHA-256 fingerprint: ${a.tlsFingerprint} (clients pass it as --tls-fingerprint)`] : []),
  ];
}
