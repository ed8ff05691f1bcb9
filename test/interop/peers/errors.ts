/** Base class for failures to start or stop an interop peer. */
export class PeerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PeerError';
  }
}

/** An executable that a peer needs is not installed on this machine. */
export class PeerUnavailableError extends PeerError {
  readonly executable: string;

  constructor(executable: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PeerUnavailableError';
    this.executable = executable;
  }
}

/** A peer process exited, or did not become ready in time. */
export class PeerStartError extends PeerError {
  readonly peer: string;
  /** True when the process reported that its port was taken, so a retry on another port can help. */
  readonly addressInUse: boolean;

  constructor(peer: string, message: string, options: ErrorOptions & { addressInUse?: boolean } = {}) {
    super(message, options);
    this.name = 'PeerStartError';
    this.peer = peer;
    this.addressInUse = options.addressInUse ?? false;
  }
}
