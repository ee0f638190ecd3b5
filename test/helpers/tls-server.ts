/** A TLS server on loopback that presents a given certificate chain, for handshake tests. */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:tls';

export interface LoopbackTlsServer {
  port: number;
  close(): Promise<void>;
}

/** `chainPem`: the leaf, then whatever intermediates the server sends (maybe none). */
export async function startTlsServer(keyPem: string, chainPem: string[]): Promise<LoopbackTlsServer> {
  const server: Server = createServer({ key: keyPem, cert: chainPem.join('\n') }, (socket) => {
    socket.on('error', () => undefined);
    socket.end('hello\n');
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
