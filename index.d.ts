// Type declarations of `ohos-websocket`: OpenHarmony's `@ohos.net.webSocket` API (client and server) for
// Node.js. Hand-written to follow the newest OpenHarmony d.ts (`api/@ohos.net.webSocket.d.ts`) and
// `@ohos.base`, so that ArkTS code type-checks unchanged apart from its import lines. Where this package
// behaves differently from the OpenHarmony runtime, the doc comment says so.

/**
 * The error object of OpenHarmony's `@ohos.base`.
 *
 * At run time errors are plain objects, not `Error` instances:
 * - `connect`, `send`, `close` fail with `{ code, message }`, e.g. `{ code: 401, message: "Parameter error." }`;
 * - the client 'error' event passes `{ code: 200, data: "<HTTP status or 0>", message: "<cause>" }`,
 *   a `BusinessError<string>`;
 * - `on` / `off` throw synchronously with `code` `"401"` (a string) for bad arguments.
 *
 * @typeParam T - type of the optional `data` field.
 */
export interface BusinessError<T = void> extends Error {
  /** Error code, e.g. 401, 2302001, or 200 for 'error' events. */
  code: number;
  /** Extra data. For the client 'error' event: the HTTP status of the upgrade response as a string, else `"0"`. */
  data?: T;
}

/**
 * A callback that receives one value, as in `@ohos.base`.
 *
 * @typeParam T - type of the value.
 */
export interface Callback<T> {
  /** @param data - the value. */
  (data: T): void;
}

/**
 * A callback that receives an error, as in `@ohos.base`.
 *
 * @typeParam T - type of the error.
 */
export interface ErrorCallback<T extends Error = BusinessError> {
  /** @param err - the error. */
  (err: T): void;
}

/**
 * A Node-style callback, as in `@ohos.base`: called with `(undefined, data)` on success and with
 * `(err, undefined)` on failure. The error slot on success is `undefined`, never `null`.
 *
 * @typeParam T - type of the result.
 * @typeParam E - type of the error's `data` field.
 */
export interface AsyncCallback<T, E = void> {
  /**
   * @param err - `undefined` on success, else the error.
   * @param data - the result on success, else `undefined`.
   */
  (err: BusinessError<E>, data: T): void;
}

/**
 * OpenHarmony's `@ohos.net.webSocket` module: WebSocket client and server.
 *
 * ```ts
 * import { webSocket } from 'ohos-websocket';
 * const ws = webSocket.createWebSocket();
 * ws.on('open', (err, value) => ws.send('Hello, server!'));
 * ws.connect('ws://127.0.0.1:8080');
 * ```
 */
export declare namespace webSocket {
  /**
   * Creates a WebSocket client object. Call `connect` on it to open a connection.
   *
   * @returns a new, unconnected {@link WebSocket}.
   */
  function createWebSocket(): WebSocket;

  /**
   * Creates a WebSocket server object. Call `start` on it to listen.
   *
   * @returns a new, stopped {@link WebSocketServer}.
   */
  function createWebSocketServer(): WebSocketServer;

  /**
   * An HTTP proxy (`connection.HttpProxy` in OpenHarmony). Traffic goes through an HTTP `CONNECT` tunnel,
   * for `ws` and `wss` alike. A port of 0 or an empty host means no proxy.
   */
  interface HttpProxy {
    /** Host name or IP address of the proxy. */
    host: string;
    /** Port of the proxy, 0..65535. */
    port: number;
    /**
     * Basic-auth user name sent in `Proxy-Authorization`. (The OpenHarmony runtime ignores it; this package
     * sends it.)
     */
    username?: string;
    /** Basic-auth password, used together with `username`. */
    password?: string;
    /**
     * Hosts that bypass the proxy. Each entry is matched against the whole URL host, case-insensitively;
     * `*` matches any run of characters.
     */
    exclusionList: Array<string>;
  }

  /**
   * Proxy configuration of a connection:
   * - `'system'` (the default): the environment, as curl reads it (`HTTPS_PROXY` for wss, `HTTP_PROXY` for ws,
   *   lower-case forms too, `NO_PROXY`);
   * - `'no-proxy'`: a direct connection;
   * - an {@link HttpProxy}: that proxy.
   */
  type ProxyConfiguration = 'system' | 'no-proxy' | HttpProxy;

  /**
   * Minimum TLS versions, for {@link WebSocketRequestOptions.minSupportTlsProtocol}. Only `TLS_V_1_3` changes
   * anything: it allows TLS 1.3 only. Lower values mean TLS 1.2 or newer (older versions are never offered).
   */
  enum TlsProtocol {
    /** TLS 1.0 (treated as TLS 1.2+). */
    TLS_V_1_0 = 0,
    /** TLS 1.1 (treated as TLS 1.2+). */
    TLS_V_1_1 = 1,
    /** TLS 1.2 or newer. */
    TLS_V_1_2 = 2,
    /** TLS 1.3 only. */
    TLS_V_1_3 = 3,
  }

  /**
   * Options of {@link WebSocket.connect}. Every field is optional; a field set to `undefined` counts as absent.
   * A documented field of the wrong type fails the connect with 401. Unknown fields are ignored.
   */
  interface WebSocketRequestOptions {
    /**
     * Extra request headers of the handshake, as `{ name: value }`. Names are sent lower-cased; empty or
     * non-string values are dropped; a name or value containing CR, LF or NUL fails with 401.
     */
    header?: Object;
    /**
     * Path of a PEM file of CA certificates trusted in addition to the system roots (wss only). A missing
     * file fails the connect with 2302002.
     */
    caPath?: string;
    /** Client certificate for TLS client authentication (wss only). */
    clientCert?: ClientCert;
    /** Proxy to use; default `'system'` (the environment variables). */
    proxy?: ProxyConfiguration;
    /**
     * Value of the `Sec-WebSocket-Protocol` request header, sent verbatim (so `'a, b'` offers two
     * subprotocols). Default `""`: no header.
     */
    protocol?: string;
    /**
     * `true` turns off all verification of the server certificate (chain, expiry and host name).
     * Default `false`: verified against the system roots plus `caPath`.
     */
    skipServerCertVerification?: boolean;
    /**
     * Seconds between heartbeat pings. Default 30; 0 turns the heartbeat off; a value outside 0..30000
     * means 30.
     */
    pingInterval?: number;
    /**
     * Seconds to wait for the pong of a heartbeat ping, at most `pingInterval`. Default 30. Without a pong
     * in time the connection ends with 'error' then 'close' `{ code: 1005 }`.
     */
    pongTimeout?: number;
    /** Minimum TLS version (wss only); see {@link TlsProtocol}. */
    minSupportTlsProtocol?: TlsProtocol;
    /** `true` puts the port into the `Origin` header when it is not the scheme's default. Default `false`. */
    supportOriginPort?: boolean;
    /**
     * Largest message accepted, in bytes, after reassembly of its frames. Default 64 MiB. A larger message
     * closes the connection with 1009. (An extension of this package.)
     */
    maxMessageSize?: number;
    /**
     * Largest frame payload accepted, in bytes. Default 16 MiB. A larger frame closes the connection with
     * 1009. (An extension of this package.)
     */
    maxFrameSize?: number;
  }

  /** A client certificate and its key, both PEM files. */
  interface ClientCert {
    /** Path of the certificate file (PEM). A missing file fails the connect with 2302002. */
    certPath: string;
    /** Path of the private key file (PEM). A missing file fails the connect with 2302002. */
    keyPath: string;
    /** Password of an encrypted (PKCS#8) key. Default `""`. */
    keyPassword?: string;
  }

  /** Options of {@link WebSocket.close}. */
  interface WebSocketCloseOptions {
    /**
     * Close code. Default 1000. Codes 1000–1003, 1007–1014 and 3000–4999 are sent as given, any other as
     * 1000.
     */
    code?: number;
    /** Close reason. Default `""`. Cut to 123 bytes of UTF-8. */
    reason?: string;
  }

  /** Payload of the 'close' event. */
  interface CloseResult {
    /**
     * Close code: the peer's when it closed first, ours when we did, 1005 when the link was lost without
     * a close frame.
     */
    code: number;
    /** Close reason. A close from the peer with an empty reason reads `"The link is down"`. */
    reason: string;
  }

  /**
   * Payload of the 'open' event: the status line of the upgrade response (static ArkTS names the type;
   * dynamic ArkTS types the payload as `Object`).
   */
  interface OpenResult {
    /** HTTP status of the upgrade response: 101. */
    status: number;
    /** Reason phrase of the status line, e.g. `"Switching Protocols"`. */
    message: string;
  }

  /** Payload of the 'openInfo' event. */
  interface WebSocketOpenInfo {
    /** HTTP status of the upgrade response: 101. */
    status: number;
    /** Reason phrase of the status line, e.g. `"Switching Protocols"`. */
    message: string;
    /** The subprotocol the server chose (`Sec-WebSocket-Protocol`); absent when it chose none. */
    protocol?: string;
  }

  /**
   * Headers of the upgrade response, by lower-case name. A header the server sent more than once is a
   * `string[]`.
   */
  type ResponseHeaders = {
    [k: string]: string | string[] | undefined;
  };

  /**
   * A WebSocket client, made by {@link createWebSocket}.
   *
   * Methods that take a callback return `undefined` and call it later; without a callback they return a
   * Promise. They never throw. `on` / `off` keep ONE listener per event type: `on` replaces the previous one.
   * Events that happen while no listener is registered are dropped.
   */
  interface WebSocket {
    /**
     * Opens a connection to `url` (`ws://` or `wss://`, at most 1024 characters).
     *
     * `true` means the attempt has started; the outcome comes as events: 'headerReceive', 'open', 'openInfo'
     * on success, one 'error' on failure.
     *
     * Errors: 401 Parameter error, 201 Permission denied, 2302001 Websocket url error, 2302002 certificate
     * file does not exist, 2302003 connection already exists, 2302998 not allowed to access this domain,
     * 2302999 other unknown error (e.g. the host does not resolve).
     *
     * @param url - the server URL.
     * @param callback - called with `(undefined, true)` or `(err, undefined)`.
     */
    connect(url: string, callback: AsyncCallback<boolean>): void;
    /**
     * Opens a connection to `url` with options. See {@link WebSocketRequestOptions}; `undefined` options
     * count as none.
     *
     * @param url - the server URL.
     * @param options - request options.
     * @param callback - called with `(undefined, true)` or `(err, undefined)`.
     */
    connect(url: string, options: WebSocketRequestOptions | undefined, callback: AsyncCallback<boolean>): void;
    /**
     * Opens a connection to `url`, optionally with options.
     *
     * @param url - the server URL.
     * @param options - request options.
     * @returns a Promise of `true` once the attempt has started; rejects with `{ code, message }`.
     */
    connect(url: string, options?: WebSocketRequestOptions): Promise<boolean>;

    /**
     * Sends one message: a string as a text frame, an ArrayBuffer as a binary frame (anything else: 401).
     * Data sent before 'open' is queued and flushed on open. After `close()`, after the peer's close, or
     * without a connection: 2302999.
     *
     * @param data - the message.
     * @param callback - called with `(undefined, true)` once the message is queued, or `(err, undefined)`.
     */
    send(data: string | ArrayBuffer, callback: AsyncCallback<boolean>): void;
    /**
     * Sends one message: a string as a text frame, an ArrayBuffer as a binary frame.
     *
     * @param data - the message.
     * @returns a Promise of `true` once the message is queued; rejects with `{ code, message }`.
     */
    send(data: string | ArrayBuffer): Promise<boolean>;

    /**
     * Starts the closing handshake with code 1000 and reason `""`. The 'close' event follows when it
     * completes (at most 5 s later). Without a connection, or when close was already requested: 2302999.
     *
     * @param callback - called with `(undefined, true)` once the close is queued, or `(err, undefined)`.
     */
    close(callback: AsyncCallback<boolean>): void;
    /**
     * Starts the closing handshake with the given code and reason; `undefined` options count as none.
     *
     * @param options - close code and reason.
     * @param callback - called with `(undefined, true)` once the close is queued, or `(err, undefined)`.
     */
    close(options: WebSocketCloseOptions | undefined, callback: AsyncCallback<boolean>): void;
    /**
     * Starts the closing handshake, optionally with a code and reason.
     *
     * @param options - close code and reason.
     * @returns a Promise of `true` once the close is queued; rejects with `{ code, message }`.
     */
    close(options?: WebSocketCloseOptions): Promise<boolean>;

    /**
     * Listens for 'open': the handshake succeeded. The listener gets `(undefined, { status: 101, message:
     * "Switching Protocols" })`.
     *
     * @param type - 'open'.
     * @param callback - the listener; replaces the previous 'open' listener.
     */
    on(type: 'open', callback: AsyncCallback<Object>): void;
    /**
     * Stops listening for 'open'.
     *
     * @param type - 'open'.
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    off(type: 'open', callback?: AsyncCallback<Object>): void;
    /**
     * Listens for 'message': one complete message, however it was fragmented. The listener gets
     * `(undefined, data)`: a string for text, an ArrayBuffer for binary.
     *
     * @param type - 'message'.
     * @param callback - the listener; replaces the previous 'message' listener.
     */
    on(type: 'message', callback: AsyncCallback<string | ArrayBuffer>): void;
    /**
     * Stops listening for 'message'. Messages that arrive without a listener are dropped.
     *
     * @param type - 'message'.
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    off(type: 'message', callback?: AsyncCallback<string | ArrayBuffer>): void;
    /**
     * Listens for 'close': an open connection has ended. The listener gets `(undefined, { code, reason })`.
     *
     * @param type - 'close'.
     * @param callback - the listener; replaces the previous 'close' listener.
     */
    on(type: 'close', callback: AsyncCallback<CloseResult>): void;
    /**
     * Stops listening for 'close'.
     *
     * @param type - 'close'.
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    off(type: 'close', callback?: AsyncCallback<CloseResult>): void;
    /**
     * Listens for 'error': a connection attempt failed, or an open connection was lost. The listener gets
     * one argument, `{ code: 200, data: "<HTTP status or 0>", message: "<cause>" }`.
     *
     * @param type - 'error'.
     * @param callback - the listener; replaces the previous 'error' listener.
     */
    on(type: 'error', callback: ErrorCallback<BusinessError<string>>): void;
    /**
     * Listens for 'error' (the OpenHarmony signature, whose `data` is untyped).
     *
     * @param type - 'error'.
     * @param callback - the listener; replaces the previous 'error' listener.
     */
    on(type: 'error', callback: ErrorCallback): void;
    /**
     * Stops listening for 'error'.
     *
     * @param type - 'error'.
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    off(type: 'error', callback?: ErrorCallback<BusinessError<string>>): void;
    /**
     * Stops listening for 'error' (the OpenHarmony signature).
     *
     * @param type - 'error'.
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    off(type: 'error', callback?: ErrorCallback): void;
    /**
     * Listens for 'dataEnd', emitted straight after every 'message'. The listener gets one `undefined`
     * argument.
     *
     * @param type - 'dataEnd'.
     * @param callback - the listener; replaces the previous 'dataEnd' listener.
     */
    on(type: 'dataEnd', callback: Callback<void>): void;
    /**
     * Stops listening for 'dataEnd'.
     *
     * @param type - 'dataEnd'.
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    off(type: 'dataEnd', callback?: Callback<void>): void;
    /**
     * Listens for 'headerReceive': the headers of a successful upgrade response, before 'open'. The listener
     * gets one argument, the {@link ResponseHeaders}.
     *
     * @param type - 'headerReceive'.
     * @param callback - the listener; replaces the previous 'headerReceive' listener.
     */
    on(type: 'headerReceive', callback: Callback<ResponseHeaders>): void;
    /**
     * Stops listening for 'headerReceive'.
     *
     * @param type - 'headerReceive'.
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    off(type: 'headerReceive', callback?: Callback<ResponseHeaders>): void;
    /**
     * Listens for 'openInfo', emitted right after 'open'. The listener gets `(undefined, { status, message,
     * protocol? })`.
     *
     * @param type - 'openInfo'.
     * @param callback - the listener; replaces the previous 'openInfo' listener.
     */
    on(type: 'openInfo', callback: AsyncCallback<WebSocketOpenInfo>): void;
    /**
     * Stops listening for 'openInfo'.
     *
     * @param type - 'openInfo'.
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    off(type: 'openInfo', callback?: AsyncCallback<WebSocketOpenInfo>): void;

    /**
     * `on('open', callback)` under its static-ArkTS name.
     *
     * @param callback - the listener; replaces the previous 'open' listener.
     */
    onOpen(callback: AsyncCallback<OpenResult>): void;
    /**
     * `off('open', callback)` under its static-ArkTS name.
     *
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    offOpen(callback?: AsyncCallback<OpenResult>): void;
    /**
     * `on('message', callback)` under its static-ArkTS name.
     *
     * @param callback - the listener; replaces the previous 'message' listener.
     */
    onMessage(callback: AsyncCallback<string | ArrayBuffer>): void;
    /**
     * `off('message', callback)` under its static-ArkTS name.
     *
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    offMessage(callback?: AsyncCallback<string | ArrayBuffer>): void;
    /**
     * `on('close', callback)` under its static-ArkTS name.
     *
     * @param callback - the listener; replaces the previous 'close' listener.
     */
    onWebSocketClose(callback: AsyncCallback<CloseResult>): void;
    /**
     * `off('close', callback)` under its static-ArkTS name.
     *
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    offWebSocketClose(callback?: AsyncCallback<CloseResult>): void;
    /**
     * `on('error', callback)` under its static-ArkTS name.
     *
     * @param callback - the listener; replaces the previous 'error' listener.
     */
    onWebSocketError(callback: ErrorCallback<BusinessError<string>>): void;
    /**
     * `on('error', callback)` under its static-ArkTS name (the OpenHarmony signature).
     *
     * @param callback - the listener; replaces the previous 'error' listener.
     */
    onWebSocketError(callback: ErrorCallback): void;
    /**
     * `off('error', callback)` under its static-ArkTS name.
     *
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    offWebSocketError(callback?: ErrorCallback<BusinessError<string>>): void;
    /**
     * `off('error', callback)` under its static-ArkTS name (the OpenHarmony signature).
     *
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    offWebSocketError(callback?: ErrorCallback): void;
    /**
     * `on('dataEnd', callback)` under its static-ArkTS name.
     *
     * @param callback - the listener; replaces the previous 'dataEnd' listener.
     */
    onDataEnd(callback: Callback<void>): void;
    /**
     * `off('dataEnd', callback)` under its static-ArkTS name.
     *
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    offDataEnd(callback?: Callback<void>): void;
    /**
     * `on('headerReceive', callback)` under its static-ArkTS name.
     *
     * @param callback - the listener; replaces the previous 'headerReceive' listener.
     */
    onHeaderReceive(callback: Callback<ResponseHeaders>): void;
    /**
     * `off('headerReceive', callback)` under its static-ArkTS name.
     *
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    offHeaderReceive(callback?: Callback<ResponseHeaders>): void;
    /**
     * `on('openInfo', callback)` under its static-ArkTS name.
     *
     * @param callback - the listener; replaces the previous 'openInfo' listener.
     */
    onOpenInfo(callback: AsyncCallback<WebSocketOpenInfo>): void;
    /**
     * `off('openInfo', callback)` under its static-ArkTS name.
     *
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    offOpenInfo(callback?: AsyncCallback<WebSocketOpenInfo>): void;
  }

  /** Certificate and key (PEM files) that make the server speak TLS (`wss`). */
  interface ServerCert {
    /** Path of the certificate chain file (PEM). A missing file fails `start` with 2302002. */
    certPath: string;
    /** Path of the private key file (PEM). A missing file fails `start` with 2302002. */
    keyPath: string;
  }

  /** Options of {@link WebSocketServer.start}. */
  interface WebSocketServerConfig {
    /** Address to listen on, an IPv4 or IPv6 literal. Default `"0.0.0.0"`. Not an IP literal: 2302004. */
    serverIP?: string;
    /** Port to listen on, 0..65535 (above: 2302005; in use: 2302007). */
    serverPort: number;
    /** With a certificate the server speaks TLS (`wss`). */
    serverCert?: ServerCert;
    /**
     * Most distinct client IP addresses connected at once; any positive number. Default 10. (Required in
     * the OpenHarmony d.ts.)
     */
    maxConcurrentClientsNumber?: number;
    /** Subprotocol the server accepts. */
    protocol?: string;
    /**
     * Most connections from one client IP address at once; any positive number. Default 10. (Required in
     * the OpenHarmony d.ts.)
     */
    maxConnectionsForOneClient?: number;
  }

  /** One client connection of a {@link WebSocketServer}, identified by the client's address and port. */
  interface WebSocketConnection {
    /** IP address of the client. */
    clientIP: string;
    /** Port of the client. */
    clientPort: number;
  }

  /** Payload of the server 'messageReceive' event. */
  interface WebSocketMessage {
    /** The message: a string for text, an ArrayBuffer for binary. */
    data: string | ArrayBuffer;
    /** The connection it came from. */
    clientConnection: WebSocketConnection;
  }

  /**
   * Second argument of the server 'close' listener. The OpenHarmony d.ts types it as {@link CloseResult},
   * but the runtime, and this package, name the reason `closeReason`.
   */
  interface ClientConnectionCloseResult {
    /** Close code (1005 when the link was lost without a close frame). */
    code: number;
    /** Close reason. An empty reason from the client reads `"The link is down"`. */
    closeReason: string;
  }

  /**
   * Listener of the server 'close' event: a client connection has ended.
   *
   * @param clientConnection - the connection that ended.
   * @param closeReason - its close code and reason.
   */
  type ClientConnectionCloseCallback = (
    clientConnection: WebSocketConnection,
    closeReason: ClientConnectionCloseResult,
  ) => void;

  /**
   * A WebSocket server, made by {@link createWebSocketServer}. Its methods return Promises that reject with
   * `{ code, message }`. `on` / `off` keep ONE listener per event type.
   */
  interface WebSocketServer {
    /**
     * Starts listening.
     *
     * Errors: 201 Permission denied, 2302002 certificate file does not exist, 2302004 can't listen on the
     * given NIC, 2302005 can't listen on the given port, 2302007 port already occupied, 2302999 other error.
     *
     * @param config - address, port, limits and optional TLS certificate.
     * @returns a Promise of `true` once the server listens.
     */
    start(config: WebSocketServerConfig): Promise<boolean>;
    /**
     * Sends one message to a client: a string as a text frame, an ArrayBuffer as a binary frame.
     * An unknown connection: 2302006.
     *
     * @param data - the message.
     * @param connection - the client connection.
     * @returns a Promise of `true` once the message is queued.
     */
    send(data: string | ArrayBuffer, connection: WebSocketConnection): Promise<boolean>;
    /**
     * Closes one client connection (code default 1000, reason default `""`). An unknown connection: 2302006.
     *
     * @param connection - the client connection.
     * @param options - close code and reason.
     * @returns a Promise of `true` once the close is queued.
     */
    close(connection: WebSocketConnection, options?: WebSocketCloseOptions): Promise<boolean>;
    /**
     * Lists the open client connections. (The OpenHarmony d.ts declares an array, but the runtime returns a
     * Promise, as here.) Not started: 2302999.
     *
     * @returns a Promise of the connections.
     */
    listAllConnections(): Promise<WebSocketConnection[]>;
    /**
     * Closes every connection with 1001 "server is going away" and stops listening. Not started: 2302999.
     *
     * @returns a Promise of `true`.
     */
    stop(): Promise<boolean>;
    /**
     * The port the server listens on, useful after `start` with `serverPort: 0`. (An extension of this
     * package.)
     *
     * @returns `{ port }` while the server runs, else `null`.
     */
    address(): { port: number } | null;

    /**
     * Listens for 'error': a connection was refused or lost, or an internal failure. The listener gets one
     * argument, `{ code: 200, message: "<cause>" }`.
     *
     * @param type - 'error'.
     * @param callback - the listener; replaces the previous 'error' listener.
     */
    on(type: 'error', callback: ErrorCallback): void;
    /**
     * Stops listening for 'error'.
     *
     * @param type - 'error'.
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    off(type: 'error', callback?: ErrorCallback): void;
    /**
     * Listens for 'connect': a client completed the handshake. The listener gets one argument, the
     * {@link WebSocketConnection}.
     *
     * @param type - 'connect'.
     * @param callback - the listener; replaces the previous 'connect' listener.
     */
    on(type: 'connect', callback: Callback<WebSocketConnection>): void;
    /**
     * Stops listening for 'connect'.
     *
     * @param type - 'connect'.
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    off(type: 'connect', callback?: Callback<WebSocketConnection>): void;
    /**
     * Listens for 'close': a client connection has ended. The listener gets `(connection, { code,
     * closeReason })`.
     *
     * @param type - 'close'.
     * @param callback - the listener; replaces the previous 'close' listener.
     */
    on(type: 'close', callback: ClientConnectionCloseCallback): void;
    /**
     * Stops listening for 'close'.
     *
     * @param type - 'close'.
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    off(type: 'close', callback?: ClientConnectionCloseCallback): void;
    /**
     * Listens for 'messageReceive': one complete message from a client. The listener gets one argument,
     * the {@link WebSocketMessage}.
     *
     * @param type - 'messageReceive'.
     * @param callback - the listener; replaces the previous 'messageReceive' listener.
     */
    on(type: 'messageReceive', callback: Callback<WebSocketMessage>): void;
    /**
     * Stops listening for 'messageReceive'.
     *
     * @param type - 'messageReceive'.
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    off(type: 'messageReceive', callback?: Callback<WebSocketMessage>): void;

    /**
     * `on('connect', callback)` under its static-ArkTS name.
     *
     * @param callback - the listener; replaces the previous 'connect' listener.
     */
    onConnect(callback: Callback<WebSocketConnection>): void;
    /**
     * `off('connect', callback)` under its static-ArkTS name.
     *
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    offConnect(callback?: Callback<WebSocketConnection>): void;
    /**
     * `on('messageReceive', callback)` under its static-ArkTS name.
     *
     * @param callback - the listener; replaces the previous 'messageReceive' listener.
     */
    onMessageReceive(callback: Callback<WebSocketMessage>): void;
    /**
     * `off('messageReceive', callback)` under its static-ArkTS name.
     *
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    offMessageReceive(callback?: Callback<WebSocketMessage>): void;
    /**
     * `on('close', callback)` under its static-ArkTS name.
     *
     * @param callback - the listener; replaces the previous 'close' listener.
     */
    onWebSocketServerClose(callback: ClientConnectionCloseCallback): void;
    /**
     * `off('close', callback)` under its static-ArkTS name.
     *
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    offWebSocketServerClose(callback?: ClientConnectionCloseCallback): void;
    /**
     * `on('error', callback)` under its static-ArkTS name.
     *
     * @param callback - the listener; replaces the previous 'error' listener.
     */
    onWebSocketServerError(callback: ErrorCallback): void;
    /**
     * `off('error', callback)` under its static-ArkTS name.
     *
     * @param callback - remove the listener only if it is this function; omitted: remove it anyway.
     */
    offWebSocketServerError(callback?: ErrorCallback): void;
  }
}

/**
 * Creates a WebSocket client object; the same function as `webSocket.createWebSocket`.
 *
 * @returns a new, unconnected `webSocket.WebSocket`.
 */
export declare function createWebSocket(): webSocket.WebSocket;

/**
 * Creates a WebSocket server object; the same function as `webSocket.createWebSocketServer`.
 *
 * @returns a new, stopped `webSocket.WebSocketServer`.
 */
export declare function createWebSocketServer(): webSocket.WebSocketServer;

/**
 * Minimum TLS versions, for `minSupportTlsProtocol`: `{ TLS_V_1_0: 0, TLS_V_1_1: 1, TLS_V_1_2: 2,
 * TLS_V_1_3: 3 }`; the same object as `webSocket.TlsProtocol`.
 */
export import TlsProtocol = webSocket.TlsProtocol;

/** The `webSocket` namespace object, as the default export (like `import webSocket from '@ohos.net.webSocket'`). */
export default webSocket;
