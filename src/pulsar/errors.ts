// Typed errors of the Pulsar client. Every error says whether retrying can help (`retriable`) and keeps the
// underlying `cause`; callers branch on `instanceof` or on `code`, never on message text.

/** Server error codes of the Pulsar protocol (ServerError in the .proto), by name. */
export const ServerErrorCode = {
  UnknownError: 0,
  MetadataError: 1,
  PersistenceError: 2,
  AuthenticationError: 3,
  AuthorizationError: 4,
  ConsumerBusy: 5,
  ServiceNotReady: 6,
  ProducerBlockedQuotaExceededError: 7,
  ProducerBlockedQuotaExceededException: 8,
  ChecksumError: 9,
  UnsupportedVersionError: 10,
  TopicNotFound: 11,
  SubscriptionNotFound: 12,
  ConsumerNotFound: 13,
  TooManyRequests: 14,
  TopicTerminatedError: 15,
  ProducerBusy: 16,
  InvalidTopicName: 17,
  IncompatibleSchema: 18,
  ConsumerAssignError: 19,
  TransactionCoordinatorNotFound: 20,
  InvalidTxnStatus: 21,
  NotAllowedError: 22,
  TransactionConflict: 23,
  TransactionNotFound: 24,
  ProducerFenced: 25,
} as const;
export type ServerErrorName = keyof typeof ServerErrorCode;

const serverErrorNames = new Map<number, ServerErrorName>(
  Object.entries(ServerErrorCode).map(([name, code]) => [code, name as ServerErrorName]),
);

/** Server errors after which the same request may succeed later (on this or another broker). */
const retriableServerErrors: ReadonlySet<number> = new Set([
  ServerErrorCode.UnknownError,
  ServerErrorCode.MetadataError,
  ServerErrorCode.PersistenceError,
  ServerErrorCode.ServiceNotReady,
  ServerErrorCode.ProducerBlockedQuotaExceededError,
  ServerErrorCode.ProducerBlockedQuotaExceededException,
  ServerErrorCode.ChecksumError,
  ServerErrorCode.TooManyRequests,
  ServerErrorCode.ProducerBusy,
  ServerErrorCode.ConsumerBusy,
  ServerErrorCode.TransactionCoordinatorNotFound,
]);

export interface PulsarErrorOptions {
  retriable?: boolean;
  cause?: unknown;
}

/** Base class of every error the client raises. */
export class PulsarError extends Error {
  readonly retriable: boolean;
  constructor(message: string, options: PulsarErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** An option or argument given to the client is invalid; names the field and the reason. */
export class InvalidArgumentError extends PulsarError {
  readonly field: string;
  constructor(field: string, reason: string) {
    super(`invalid ${field}: ${reason}`, { retriable: false });
    this.field = field;
  }
}

/** The broker answered a request with an error code. */
export class ServerError extends PulsarError {
  readonly code: number;
  readonly codeName: ServerErrorName | 'Unknown';
  constructor(code: number, serverMessage: string, options: PulsarErrorOptions = {}) {
    const codeName = serverErrorNames.get(code) ?? 'Unknown';
    super(`${codeName}: ${serverMessage}`, {
      retriable: options.retriable ?? retriableServerErrors.has(code),
      cause: options.cause,
    });
    this.code = code;
    this.codeName = codeName;
  }
}

/** A request got no answer in time. */
export class TimeoutError extends PulsarError {
  constructor(message: string, options: PulsarErrorOptions = {}) {
    super(message, { retriable: true, ...options });
  }
}

/** The connection broke, could not be opened, or was closed while a request waited. */
export class ConnectionError extends PulsarError {
  constructor(message: string, options: PulsarErrorOptions = {}) {
    super(message, { retriable: true, ...options });
  }
}

/** Bytes from the broker that do not follow the protocol (bad frame, bad checksum, undecodable payload). */
export class ProtocolError extends PulsarError {
  constructor(message: string, options: PulsarErrorOptions = {}) {
    super(message, { retriable: false, ...options });
  }
}

/** The producer, consumer or client was closed before or during the operation. */
export class AlreadyClosedError extends PulsarError {
  constructor(what: string) {
    super(`${what} is closed`, { retriable: false });
  }
}

/** The producer's pending queue is full and the caller asked not to wait. */
export class ProducerQueueFullError extends PulsarError {
  constructor(limit: number) {
    super(`producer pending queue is full (${limit} messages)`, { retriable: true });
  }
}

/** A message could not be delivered to the application (for example an encrypted message). */
export class MessageRefusedError extends PulsarError {
  constructor(message: string, options: PulsarErrorOptions = {}) {
    super(message, { retriable: false, ...options });
  }
}

/**
 * Authentication data could not be obtained (token file missing, supplier failed). Not retriable by default;
 * AuthenticationToken marks its read failures retriable, since a token source may recover (rotation).
 */
export class AuthenticationError extends PulsarError {
  constructor(message: string, options: PulsarErrorOptions = {}) {
    super(message, { retriable: false, ...options });
  }
}
